/**
 * The spec helpers must fail when the rule they state does not hold — otherwise every spec written with them
 * could pass while proving nothing. Each case below feeds a helper a decision that contradicts the
 * expectation and checks that it throws a SpecFailure (an assertion error with expected and actual), and
 * one matching case per helper checks it passes. A toy workflow and a toy decider keep the cases small; the
 * toy's `evolve` refuses to go past three, standing in for an invariant a real `evolve` asserts.
 */
import { describe, expect, it } from 'vitest';
import { type DomainError, InvariantViolation, domainError } from '../src/errors.js';
import { err, ok } from '../src/result.js';
import type { StepCommand } from '../src/steps.js';
import type { PhaseResult, Workflow } from '../src/workflow.js';
import {
  SpecFailure,
  approveService,
  given,
  phaseDone,
  phaseRefused,
  registered,
  reported,
  specFor,
  workflowSpecFor,
} from '../src/testing/index.js';

// ── A toy workflow: add to a counter that may never pass three ──────────────────────────────────────

type Added = { type: 'Added'; data: { n: number } };
type ToyInput =
  | { type: 'Add'; n: number }
  | { type: 'Refuse' }
  | { type: 'Corrupt' }
  | { type: 'AddAndSpend'; n: number }
  | { type: 'EndInRefusal' };

const spend: StepCommand = { type: 'SpendHold', communityId: 'c1', memberId: 'alice', holdId: 'h1' };
const issue: StepCommand = { type: 'IssueStock', communityId: 'c1', itemId: 'rice', redemptionId: 'h1' };
const tooMuch = domainError('limit-reached', 'the counter stops at 3');

const toy: Workflow<ToyInput, { count: number }, Added> = {
  initialState: () => ({ count: 0 }),
  evolve(state, event) {
    if (state.count + event.data.n > 3) throw new InvariantViolation(`count ${state.count} + ${event.data.n} passes 3`);
    return { count: state.count + event.data.n };
  },
  decide(input: ToyInput | PhaseResult, state) {
    switch (input.type) {
      case 'Add':
        return input.n === 0 ? ok({ record: [], send: [] }) : ok({ record: [{ type: 'Added', data: { n: input.n } }], send: [] });
      case 'AddAndSpend':
        return ok({ record: [{ type: 'Added', data: { n: input.n } }], send: [spend] });
      case 'EndInRefusal':
        return ok({ record: [], send: [], refusal: tooMuch });
      case 'Refuse':
        return err(domainError('validation', 'refused by the toy'));
      case 'Corrupt':
        // Records what its own evolve refuses: a decide/evolve mismatch the spec must catch.
        return ok({ record: [{ type: 'Added', data: { n: 4 - state.count } }], send: [] });
      case 'PhaseDone':
        return ok({ record: [], send: [] });
      case 'PhaseRefused':
        throw new InvariantViolation(`toy: ${input.refused.type} cannot be refused`);
    }
  },
};

const givenToy = workflowSpecFor(toy);
const added = (n: number): Added => ({ type: 'Added', data: { n } });

/** Runs `check` and returns the SpecFailure it throws; fails the test if it throws nothing or something else. */
function specFailureOf(check: () => unknown): SpecFailure {
  try {
    check();
  } catch (error) {
    if (error instanceof SpecFailure) return error;
    throw new Error(`expected a SpecFailure, got ${String(error)}`);
  }
  throw new Error('expected a SpecFailure, but the spec passed');
}

describe('workflowSpecFor: then', () => {
  it('passes when the events recorded, the steps sent and the refusal are those expected', () => {
    givenToy([added(1)]).when({ type: 'AddAndSpend', n: 1 }).then({ record: [added(1)], send: [spend] });
    givenToy([]).when({ type: 'EndInRefusal' }).then({ refusal: 'limit-reached' });
  });

  it('fails when the recorded events differ', () => {
    const failure = specFailureOf(() => givenToy([]).when({ type: 'Add', n: 1 }).then({ record: [added(2)] }));
    expect(failure.message).toMatch(/differs .* in record/);
    expect(failure.expected).toMatchObject({ record: [{ data: { n: 2 } }] });
    expect(failure.actual).toMatchObject({ record: [{ data: { n: 1 } }] });
  });

  it('fails when an expected event is missing', () => {
    specFailureOf(() => givenToy([]).when({ type: 'Add', n: 0 }).then({ record: [added(0)] }));
  });

  it('fails when the steps sent differ, or come in another order', () => {
    expect(specFailureOf(() => givenToy([]).when({ type: 'AddAndSpend', n: 1 }).then({ record: [added(1)] })).message).toMatch(/in send/);
    specFailureOf(() => givenToy([]).when({ type: 'AddAndSpend', n: 1 }).then({ record: [added(1)], send: [issue] }));
    specFailureOf(() => givenToy([]).when({ type: 'AddAndSpend', n: 1 }).then({ record: [added(1)], send: [spend, issue] }));
  });

  it('fails when the decision ends in a refusal the spec does not expect, or lacks one it does, or has another code', () => {
    expect(specFailureOf(() => givenToy([]).when({ type: 'EndInRefusal' }).then({})).message).toMatch(/in refusal/);
    specFailureOf(() => givenToy([]).when({ type: 'Add', n: 1 }).then({ record: [added(1)], refusal: 'limit-reached' }));
    specFailureOf(() => givenToy([]).when({ type: 'EndInRefusal' }).then({ refusal: 'insufficient-points' }));
  });

  it('fails when the input is refused', () => {
    const failure = specFailureOf(() => givenToy([]).when({ type: 'Refuse' }).then({}));
    expect(failure.message).toMatch(/refused: validation/);
  });

  it("fails when the workflow records an event its own evolve refuses", () => {
    expect(() => givenToy([added(2)]).when({ type: 'Corrupt' }).then({ record: [added(2)] })).toThrow(InvariantViolation);
    expect(() => givenToy([added(2)]).when({ type: 'Corrupt' }).decision()).toThrow(InvariantViolation);
  });

  it('folds the given events, so a history evolve refuses fails the spec too', () => {
    expect(() => givenToy([added(2), added(2)]).when({ type: 'Add', n: 0 }).thenNothing()).toThrow(InvariantViolation);
    expect(givenToy([added(1), added(2)]).state()).toEqual({ count: 3 });
  });
});

describe('workflowSpecFor: thenError, thenNothing, thenThrows', () => {
  it('thenError passes on the expected code and returns the error', () => {
    expect(givenToy([]).when({ type: 'Refuse' }).thenError('validation').message).toBe('refused by the toy');
  });

  it('thenError fails when the input is accepted, or refused with another code', () => {
    specFailureOf(() => givenToy([]).when({ type: 'Add', n: 1 }).thenError('validation'));
    // A decision that ends in a refusal was still accepted: it records and answers, it is not refused up front.
    specFailureOf(() => givenToy([]).when({ type: 'EndInRefusal' }).thenError('limit-reached'));
    const failure = specFailureOf(() => givenToy([]).when({ type: 'Refuse' }).thenError('not-found'));
    expect([failure.expected, failure.actual]).toEqual(['not-found', 'validation']);
  });

  it('thenNothing passes when nothing is recorded, sent or refused', () => {
    givenToy([added(1)]).when({ type: 'Add', n: 0 }).thenNothing();
    givenToy([]).when(phaseDone(spend)).thenNothing();
  });

  it('thenNothing fails when anything is recorded, sent or refused, or the input is refused', () => {
    specFailureOf(() => givenToy([]).when({ type: 'Add', n: 1 }).thenNothing());
    specFailureOf(() => givenToy([]).when({ type: 'AddAndSpend', n: 0 }).thenNothing());
    specFailureOf(() => givenToy([]).when({ type: 'EndInRefusal' }).thenNothing());
    specFailureOf(() => givenToy([]).when({ type: 'Refuse' }).thenNothing());
  });

  it('thenThrows passes when deciding throws (with a matching message) and returns the error', () => {
    const error = givenToy([]).when(phaseRefused(spend, tooMuch)).thenThrows(/SpendHold cannot be refused/);
    expect(error).toBeInstanceOf(InvariantViolation);
  });

  it('thenThrows fails when deciding returns, accepted or refused, or throws another message', () => {
    specFailureOf(() => givenToy([]).when({ type: 'Add', n: 1 }).thenThrows());
    specFailureOf(() => givenToy([]).when({ type: 'Refuse' }).thenThrows());
    specFailureOf(() => givenToy([]).when(phaseRefused(spend, tooMuch)).thenThrows(/something else/));
  });

  it('an input that throws fails then, thenError and thenNothing with the error itself', () => {
    expect(() => givenToy([]).when(phaseRefused(spend, tooMuch)).then({})).toThrow(InvariantViolation);
    expect(() => givenToy([]).when(phaseRefused(spend, tooMuch)).thenError('validation')).toThrow(InvariantViolation);
  });
});

// ── The decider specs (given / specFor) fail as they should too ─────────────────────────────────────

describe('given (member) and specFor (any decider)', () => {
  const pending = [registered('alice'), reported('r1', '2026-03-09', '2.00')];

  it('then fails when the decided events differ', () => {
    const failure = specFailureOf(() => given(pending).when(approveService('alice', 'r1')).then([]));
    expect(failure.message).toMatch(/differ/);
  });

  it('then fails when the command is refused; thenError when it is accepted or refused otherwise', () => {
    specFailureOf(() => given(pending).when(approveService('alice', 'nope')).then([]));
    specFailureOf(() => given(pending).when(approveService('alice', 'r1')).thenError('not-found'));
    specFailureOf(() => given(pending).when(approveService('alice', 'nope')).thenError('invalid-state'));
  });

  it('thenNothing fails when events are decided', () => {
    specFailureOf(() => given(pending).when(approveService('alice', 'r1')).thenNothing());
  });

  // A decider whose evolve refuses what its decide emits past three.
  const givenCounter = specFor<{ type: 'Add'; n: number }, number, Added>({
    initialState: () => 0,
    evolve: (count, event) => {
      if (count + event.data.n > 3) throw new InvariantViolation('passes 3');
      return count + event.data.n;
    },
    decide: (command) => ok([added(command.n)]),
  });

  it('then fails when the decider emits an event its evolve refuses', () => {
    givenCounter([added(1)]).when({ type: 'Add', n: 2 }).then([added(2)]);
    expect(() => givenCounter([added(1)]).when({ type: 'Add', n: 3 }).then([added(3)])).toThrow(InvariantViolation);
  });

  it('thenError returns the error refused with', () => {
    const givenRefusing = specFor<{ type: 'X' }, number, Added>({ initialState: () => 0, evolve: (n) => n, decide: () => err<DomainError>(tooMuch) });
    expect(givenRefusing([]).when({ type: 'X' }).thenError('limit-reached')).toEqual(tooMuch);
  });
});
