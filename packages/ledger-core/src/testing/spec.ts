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
