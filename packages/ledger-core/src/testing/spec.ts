/**
 * Given / when / then for the deciders (STYLE: Emmett): given these past events, when this command, then
 * these new events — or this domain error. A business rule is a three-line test a reader can check
 * against DESIGN.md:
 *
 *   given([registered('alice')])
 *     .when(reportHours('alice', 'r1', '2026-03-01', '2.00'), { actor: organiser })
 *     .then([serviceRecorded(...)]);
 *
 * `then` also folds the new events onto the given ones, so an event the decider emits but `evolve`
 * would refuse (an invariant broken) fails the rule's test, not a later one.
 */
import { canonicalJson } from '../hash.js';
import type { DomainErrorCode, DomainError } from '../errors.js';
import type { Actor } from '../events.js';
import type { Result } from '../result.js';
import { commandSchemas } from '../commands.js';
import { type CommunityState, decideCommunity, evolveCommunity, initialCommunityState } from '../community/decider.js';
import type { CommunityCommand, CommunityCommandInput } from '../community/commands.js';
import type { CommunityEvent } from '../community/events.js';
import type { MemberCommand, MemberCommandInput } from '../member/commands.js';
import { type MemberDecisionContext, decideMember } from '../member/decide.js';
import type { MemberEvent } from '../member/events.js';
import { type MemberState, evolveMember, initialMemberState } from '../member/state.js';
import type { PolicyInput } from '../policy.js';
import type { DebitFacts, StepCommand } from '../steps.js';
import type { PhaseResult, StepReceipt, Workflow, WorkflowDecision } from '../workflow.js';

/** The community every spec runs in unless told otherwise. */
export const specCommunityId = 'c1';
/** An appointed organiser of the spec community. */
export const specOrganiser: Actor = { id: 'org-1', role: 'organiser', communityId: specCommunityId };
/** The platform operator. */
export const specAdmin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
/** "Now" in every spec unless told otherwise: 2026-03-10 20:00 in Shanghai. */
export const specNow = new Date('2026-03-10T12:00:00.000Z');

/** A spec failure carrying `expected` and `actual`, which test runners show as a diff. */
export class SpecFailure extends Error {
  override readonly name = 'AssertionError';
  readonly showDiff = true;
  constructor(
    message: string,
    readonly expected: unknown,
    readonly actual: unknown,
  ) {
    super(message);
  }
}

const plain = (value: unknown): unknown => JSON.parse(canonicalJson(value));

export interface CommunityOptions {
  readonly communityId?: string;
  readonly timeZone?: string;
  /** Policy version 1; later versions in `laterPolicies`. */
  readonly policy?: PolicyInput;
  readonly laterPolicies?: readonly PolicyInput[];
  readonly organisers?: readonly string[];
  readonly categories?: ReadonlyArray<{ categoryId: string; name: string }>;
}

/** The community's events, decided by the real community decider from its commands. */
export function communityEvents(options: CommunityOptions = {}): CommunityEvent[] {
  const communityId = options.communityId ?? specCommunityId;
  const commands: CommunityCommandInput[] = [
    {
      type: 'RegisterCommunity',
      communityId,
      name: `Community ${communityId}`,
      timeZone: options.timeZone ?? 'Asia/Shanghai',
      ...(options.policy ? { policy: options.policy } : {}),
      ...(options.categories ? { categories: [...options.categories] } : {}),
    },
    ...(options.laterPolicies ?? []).map((policy): CommunityCommandInput => ({ type: 'PublishPolicy', communityId, policy })),
    ...(options.organisers ?? [specOrganiser.id]).map((memberId): CommunityCommandInput => ({ type: 'AppointOrganiser', communityId, memberId })),
  ];
  let state = initialCommunityState();
  const events: CommunityEvent[] = [];
  for (const input of commands) {
    const decided = decideCommunity(parseStrict(input) as CommunityCommand, state);
    if (!decided.ok) throw new Error(`spec community set-up refused: ${decided.error.message}`);
    for (const event of decided.value) state = evolveCommunity(state, event);
    events.push(...decided.value);
  }
  return events;
}

/** The folded community state (the decision context's `community`). */
export function communityState(options: CommunityOptions = {}): CommunityState {
  return communityEvents(options).reduce(evolveCommunity, initialCommunityState());
}

function parseStrict(input: { type: string }): unknown {
  const schema = (commandSchemas as Record<string, { safeParse(v: unknown): { success: boolean; data?: unknown; error?: { message: string } } }>)[input.type];
  if (!schema) throw new Error(`spec: unknown command type ${input.type}`);
  const parsed = schema.safeParse(input);
  if (!parsed.success) throw new Error(`spec: the command itself is invalid (${input.type}): ${parsed.error?.message}`);
  return parsed.data;
}

/**
 * A command as the decider receives it: the input parsed by its schema (defaults applied), except that a
 * command already carrying a sealed profile is passed through as is.
 */
export function memberCommand(input: MemberCommandInput | MemberCommand): MemberCommand {
  if ('sealedProfile' in input) return input as MemberCommand;
  return parseStrict(input) as MemberCommand;
}

export interface Then<E> {
  /** The command is accepted and decides exactly these events (compared as JSON). */
  then(expected: readonly E[]): void;
  /** The command is refused with this error code; returns the error for further checks. */
  thenError(code: DomainErrorCode): DomainError;
  /** The command is accepted and decides nothing (a repeated process step). */
  thenNothing(): void;
  /** The decided events, for checks the exact form does not suit (the command must be accepted). */
  events(): E[];
  /** The raw result. */
  result(): Result<E[], DomainError>;
}

function thenFor<S, E>(
  given: readonly E[],
  decide: () => Result<E[], DomainError>,
  fold: (events: readonly E[]) => S,
  describe: string,
): Then<E> {
  let memo: Result<E[], DomainError> | undefined;
  const result = () => (memo ??= decide());
  const accepted = (): E[] => {
    const r = result();
    if (!r.ok) throw new SpecFailure(`${describe}: expected the command to be accepted, but it was refused: ${r.error.code}: ${r.error.message}`, 'accepted', r.error);
    // evolve must accept what decide emits.
    fold([...given, ...r.value]);
    return r.value;
  };
  return {
    then(expected) {
      const actual = accepted();
      if (canonicalJson(actual) !== canonicalJson(expected)) {
        throw new SpecFailure(`${describe}: decided events differ from those expected`, plain(expected), plain(actual));
      }
    },
    thenError(code) {
      const r = result();
      if (r.ok) throw new SpecFailure(`${describe}: expected refusal ${code}, but the command was accepted`, code, plain(r.value));
      if (r.error.code !== code) throw new SpecFailure(`${describe}: refused with ${r.error.code} (${r.error.message}), expected ${code}`, code, r.error.code);
      return r.error;
    },
    thenNothing() {
      const actual = accepted();
      if (actual.length !== 0) throw new SpecFailure(`${describe}: expected no events`, [], plain(actual));
    },
    events: accepted,
    result,
  };
}

export interface MemberSpec {
  when(command: MemberCommandInput | MemberCommand, context?: Partial<MemberDecisionContext>): Then<MemberEvent>;
  /** The member state folded from the given events. */
  state(): MemberState;
}

/** Folds member events from scratch (throws InvariantViolation on corrupt history). */
export function foldMember(events: readonly MemberEvent[]): MemberState {
  return events.reduce(evolveMember, initialMemberState());
}

/** Given these past member events… */
export function given(events: readonly MemberEvent[]): MemberSpec {
  return {
    when(command, context = {}) {
      const full: MemberDecisionContext = {
        now: context.now ?? specNow,
        actor: context.actor ?? specOrganiser,
        community: context.community ?? communityState(),
      };
      const parsed = memberCommand(command);
      return thenFor(events, () => decideMember(parsed, foldMember(events), full), foldMember, `when ${parsed.type}`);
    },
    state: () => foldMember(events),
  };
}

export interface CommunitySpec {
  when(command: CommunityCommandInput): Then<CommunityEvent>;
}

const foldCommunity = (events: readonly CommunityEvent[]) => events.reduce(evolveCommunity, initialCommunityState());

/** Given these past community events… */
export function givenCommunity(events: readonly CommunityEvent[]): CommunitySpec {
  return {
    when(command) {
      const parsed = parseStrict(command) as CommunityCommand;
      return thenFor(events, () => decideCommunity(parsed, foldCommunity(events)), foldCommunity, `when ${parsed.type}`);
    },
  };
}

/**
 * The events a sequence of commands decides, each on the state folded so far: a long history (a member
 * near a level, say) built by the real decider instead of written out by hand. Throws on a refusal.
 */
export function historyOf(steps: ReadonlyArray<MemberCommandInput | readonly [MemberCommandInput, Partial<MemberDecisionContext>]>, defaults: Partial<MemberDecisionContext> = {}): MemberEvent[] {
  const community = defaults.community ?? communityState();
  let state = initialMemberState();
  const events: MemberEvent[] = [];
  for (const step of steps) {
    const [input, context] = Array.isArray(step) ? (step as readonly [MemberCommandInput, Partial<MemberDecisionContext>]) : [step as MemberCommandInput, {}];
    const decided = decideMember(memberCommand(input), state, {
      now: context.now ?? defaults.now ?? specNow,
      actor: context.actor ?? defaults.actor ?? specOrganiser,
      community: context.community ?? community,
    });
    if (!decided.ok) throw new Error(`history: ${input.type} refused: ${decided.error.code}: ${decided.error.message}`);
    for (const event of decided.value) state = evolveMember(state, event);
    events.push(...decided.value);
  }
  return events;
}

/** Any decider: `decide(command, state, context?)`, `evolve(state, event)`, `initialState()`. */
export interface DeciderLike<C, S, E, X = undefined> {
  decide(command: C, state: S, context: X): Result<E[], DomainError>;
  evolve(state: S, event: E): S;
  initialState(): S;
}

/**
 * A given / when / then for any decider (reward, redemption, transfer …), as `given` is for the member's:
 *
 *   const given = specFor({ decide: decideReward, evolve: evolveReward, initialState: initialRewardState });
 *   given([listed]).when(restock, context).then([restocked]);
 *
 * Commands are passed to `decide` as they are (parse them first if the decider expects parsed input).
 */
export function specFor<C, S, E, X = undefined>(decider: DeciderLike<C, S, E, X>): (events: readonly E[]) => { when(command: C, context?: X): Then<E>; state(): S } {
  const fold = (events: readonly E[]) => events.reduce(decider.evolve, decider.initialState());
  return (events) => ({
    when: (command, context) => thenFor(events, () => decider.decide(command, fold(events), context as X), fold, `when ${(command as { type?: string }).type ?? 'command'}`),
    state: () => fold(events),
  });
}

// ── Workflows ───────────────────────────────────────────────────────────────────────────────────────

/** What a workflow decides, as a spec expects it: events recorded, steps sent, and the refusal's code, if any. */
export interface ExpectedWorkflowDecision<E> {
  /** Events appended to the workflow's own stream (none when left out). */
  readonly record?: readonly E[];
  /** The next phase's steps, in order (none when left out). */
  readonly send?: readonly StepCommand[];
  /** The process ends in this refusal (none when left out). */
  readonly refusal?: DomainErrorCode;
}

export interface WorkflowThen<E> {
  /** The input is accepted and decides exactly this (events and steps compared as JSON, the refusal by code). */
  then(expected: ExpectedWorkflowDecision<E>): void;
  /** The input is refused with this error code before anything is recorded or sent; returns the error. */
  thenError(code: DomainErrorCode): DomainError;
  /** The input is accepted and changes nothing: no event, no step, no refusal (a repeat, or a process past this point). */
  thenNothing(): void;
  /** Deciding throws (an invariant broken: the workflow was handed a result it cannot have caused); returns the error. */
  thenThrows(message?: RegExp): Error;
  /** The accepted decision, for checks the exact form does not suit. */
  decision(): WorkflowDecision<E>;
}

export interface WorkflowSpec<I, S, E> {
  /** When this input — a caller's, or the result of a phase (`PhaseDone` / `PhaseRefused`)… */
  when(input: I | PhaseResult): WorkflowThen<E>;
  /** The workflow state folded from the given events. */
  state(): S;
}

/** A phase whose steps all went through (each appending nothing, unless told); a SendPoints step carries the debit read back. */
export function phaseDone(...receipts: ReadonlyArray<StepCommand | StepReceipt>): PhaseResult {
  return { type: 'PhaseDone', receipts: receipts.map((r) => ('step' in r ? r : { step: r, events: [] })) };
}

/** The receipt of a SendPoints step: the debit as the sender's stream holds it now. */
export function debitReceipt(step: Extract<StepCommand, { type: 'SendPoints' }>, debit: DebitFacts | null): StepReceipt {
  return { step, events: [], debit };
}

/** A phase in which `refused` was refused with `error` (the runner has undone the steps before it). */
export const phaseRefused = (refused: StepCommand, error: DomainError): PhaseResult => ({ type: 'PhaseRefused', refused, error });

/**
 * A given / when / then for a workflow (Emmett's WorkflowSpecification): given the events already on the
 * process's stream, when an input, then what it records, what it sends next, and whether it ends in a refusal:
 *
 *   const given = workflowSpecFor(redemptionWorkflow);
 *   given([requested]).when(phaseDone()).then({ record: [held] });
 *   given([requested]).when(phaseRefused(placeHold, insufficient)).then({ record: [rejected], refusal: 'insufficient-points' });
 *
 * Like `then` for deciders, an accepted decision's events are folded onto the given ones with `evolve`, so an
 * event the workflow records but its own `evolve` would refuse fails the spec that decided it.
 */
export function workflowSpecFor<I extends { readonly type: string }, S, E>(workflow: Workflow<I, S, E>): (events: readonly E[]) => WorkflowSpec<I, S, E> {
  const fold = (events: readonly E[]): S => events.reduce((state, event) => workflow.evolve(state, event), workflow.initialState());
  return (given) => ({
    when: (input) => workflowThen(given, () => workflow.decide(input, fold(given)), fold, `when ${input.type}`),
    state: () => fold(given),
  });
}

type WorkflowResult<E> = Result<WorkflowDecision<E>, DomainError>;

function workflowThen<S, E>(given: readonly E[], decide: () => WorkflowResult<E>, fold: (events: readonly E[]) => S, describe: string): WorkflowThen<E> {
  let memo: WorkflowResult<E> | undefined;
  const result = () => (memo ??= decide());
  const accepted = (): WorkflowDecision<E> => {
    const r = result();
    if (!r.ok) throw new SpecFailure(`${describe}: expected the input to be accepted, but it was refused: ${r.error.code}: ${r.error.message}`, 'accepted', r.error);
    // evolve must accept what decide records.
    fold([...given, ...r.value.record]);
    return r.value;
  };
  const shapeOf = (decision: WorkflowDecision<E> | ExpectedWorkflowDecision<E>) => ({
    record: plain(decision.record ?? []),
    send: plain(decision.send ?? []),
    refusal: typeof decision.refusal === 'string' ? decision.refusal : (decision.refusal?.code ?? null),
  });
  return {
    then(expected) {
      const actual = shapeOf(accepted());
      const wanted = shapeOf(expected);
      if (canonicalJson(actual) !== canonicalJson(wanted)) {
        const differs = (['record', 'send', 'refusal'] as const).filter((part) => canonicalJson(actual[part]) !== canonicalJson(wanted[part]));
        throw new SpecFailure(`${describe}: the decision differs from the one expected in ${differs.join(', ')}`, wanted, actual);
      }
    },
    thenError(code) {
      const r = result();
      if (r.ok) throw new SpecFailure(`${describe}: expected refusal ${code}, but the input was accepted`, code, shapeOf(r.value));
      if (r.error.code !== code) throw new SpecFailure(`${describe}: refused with ${r.error.code} (${r.error.message}), expected ${code}`, code, r.error.code);
      return r.error;
    },
    thenNothing() {
      const actual = shapeOf(accepted());
      const nothing = { record: [], send: [], refusal: null };
      if (canonicalJson(actual) !== canonicalJson(nothing)) throw new SpecFailure(`${describe}: expected nothing to be recorded, sent or refused`, nothing, actual);
    },
    thenThrows(message) {
      let outcome: WorkflowResult<E>;
      try {
        outcome = decide();
      } catch (error) {
        if (!(error instanceof Error)) throw new SpecFailure(`${describe}: threw a non-error`, 'an Error', error);
        if (message && !message.test(error.message)) throw new SpecFailure(`${describe}: threw "${error.message}", expected a message matching ${message}`, String(message), error.message);
        return error;
      }
      throw new SpecFailure(`${describe}: expected deciding to throw, but it returned`, 'a throw', outcome.ok ? shapeOf(outcome.value) : outcome.error);
    },
    decision: accepted,
  };
}
