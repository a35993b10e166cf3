/**
 * Given / when / then for activities, service requests and micro-wishes: their deciders, and their workflows
 * (STYLE: Emmett's workflowSpecification) — given the process's past events, when an input (or the result of a
 * phase), then what it records and which steps it sends, or the domain error that refuses it:
 *
 *   givenWorkflow(activityWorkflow)([published, signedUp('m1')])
 *     .when(checkInInput('m1', at))
 *     .then({ record: [checkedIn('m1', at)], send: [beginPresence('m1', at, endsAt)] });
 *
 * `then` folds the recorded events onto the given ones, so an event `evolve` would refuse fails its own rule.
 */
import { canonicalJson } from '../hash.js';
import type { DomainError, DomainErrorCode } from '../errors.js';
import type { StepCommand } from '../steps.js';
import type { PhaseResult, Workflow, WorkflowDecision } from '../workflow.js';
import { decideActivity, type ActivityDeciderCommand, type ActivityDecisionContext } from '../activity/decide.js';
import type { ActivityEvent } from '../activity/events.js';
import { type ActivityState, evolveActivity, initialActivityState } from '../activity/state.js';
import { decideServiceRequest, type ServiceRequestDeciderCommand, type ServiceRequestDecisionContext } from '../service-request/decide.js';
import type { ServiceRequestEvent } from '../service-request/events.js';
import { type ServiceRequestState, evolveServiceRequest, initialServiceRequestState } from '../service-request/state.js';
import { SpecFailure, communityState, specFor, specNow, specOrganiser, type Then } from './spec.js';

const plain = (value: unknown): unknown => JSON.parse(canonicalJson(value));

// ── Deciders ────────────────────────────────────────────────────────────────────────────────────────

/** The activity decider with the spec community, the spec organiser and specNow unless told otherwise. */
export function givenActivity(events: readonly ActivityEvent[]): { when(command: ActivityDeciderCommand, context?: Partial<ActivityDecisionContext>): Then<ActivityEvent>; state(): ActivityState } {
  const spec = specFor<ActivityDeciderCommand, ActivityState, ActivityEvent, ActivityDecisionContext>({
    decide: decideActivity,
    evolve: evolveActivity,
    initialState: initialActivityState,
  })(events);
  return {
    when: (command, context = {}) => spec.when(command, { now: context.now ?? specNow, actor: context.actor ?? specOrganiser, community: context.community ?? communityState() }),
    state: spec.state,
  };
}

export function givenRequest(events: readonly ServiceRequestEvent[]): { when(command: ServiceRequestDeciderCommand, context?: Partial<ServiceRequestDecisionContext>): Then<ServiceRequestEvent>; state(): ServiceRequestState } {
  const spec = specFor<ServiceRequestDeciderCommand, ServiceRequestState, ServiceRequestEvent, ServiceRequestDecisionContext>({
    decide: decideServiceRequest,
    evolve: evolveServiceRequest,
    initialState: initialServiceRequestState,
  })(events);
  return { when: (command, context = {}) => spec.when(command, { now: context.now ?? specNow, actor: context.actor ?? specOrganiser }), state: spec.state };
}

// ── Workflows ───────────────────────────────────────────────────────────────────────────────────────

export interface ThenWorkflow<E> {
  /** Records exactly these events and sends exactly these steps (and, if named, previews these and ends in this refusal). */
  then(expected: { record: readonly E[]; send?: readonly StepCommand[]; check?: readonly StepCommand[]; refusal?: DomainErrorCode }): void;
  /** Refused before anything is recorded or sent. */
  thenError(code: DomainErrorCode): DomainError;
  /** Neither records nor sends: a repeat, or a process already past this point. */
  thenNothing(): void;
  /** The decision, for checks the exact form does not suit (it must be accepted). */
  decision(): WorkflowDecision<E>;
}

export function givenWorkflow<I, S, E>(workflow: Workflow<I, S, E>) {
  const fold = (events: readonly E[]): S => events.reduce(workflow.evolve, workflow.initialState());
  return (events: readonly E[]) => ({
    state: () => fold(events),
    when(input: I | PhaseResult): ThenWorkflow<E> {
      const describe = `when ${(input as { type: string }).type}`;
      let memo: ReturnType<Workflow<I, S, E>['decide']> | undefined;
      const result = () => (memo ??= workflow.decide(input, fold(events)));
      const accepted = (): WorkflowDecision<E> => {
        const r = result();
        if (!r.ok) throw new SpecFailure(`${describe}: expected a decision, but it was refused: ${r.error.code}: ${r.error.message}`, 'accepted', r.error);
        fold([...events, ...r.value.record]);
        return r.value;
      };
      return {
        then(expected) {
          const actual = accepted();
          const shape = (d: { record: readonly unknown[]; send?: readonly unknown[]; check?: readonly unknown[]; refusal?: unknown }) =>
            plain({ record: d.record, send: d.send ?? [], check: d.check ?? [], refusal: d.refusal ?? null });
          const got = shape({ ...actual, refusal: actual.refusal?.code });
          const want = shape(expected);
          if (canonicalJson(got) !== canonicalJson(want)) throw new SpecFailure(`${describe}: the decision differs from the one expected`, want, got);
        },
        thenError(code) {
          const r = result();
          if (r.ok) throw new SpecFailure(`${describe}: expected refusal ${code}, but it decided`, code, plain(r.value));
          if (r.error.code !== code) throw new SpecFailure(`${describe}: refused with ${r.error.code} (${r.error.message}), expected ${code}`, code, r.error.code);
          return r.error;
        },
        thenNothing() {
          const actual = accepted();
          if (actual.record.length + actual.send.length > 0 || actual.refusal) throw new SpecFailure(`${describe}: expected nothing to do`, { record: [], send: [] }, plain(actual));
        },
        decision: accepted,
      };
    },
  });
}
