/** What command handlers share, beside the command table's types: reads confirmed against the store, run options. */
import type { CommandRuntime, StateReader } from './command-table.js';
import { type DomainError, notFound } from './errors.js';
import type { RunOptions } from './pipeline/workflow-runner.js';

/** Reads from the cache; a state that would refuse the command is read again from the store first. */
export async function confirmed<T>(rt: CommandRuntime, read: (reader: StateReader) => Promise<T>, acceptable: (state: T) => boolean): Promise<T> {
  const cached = await read(rt.read);
  return acceptable(cached) ? cached : read(rt.fresh);
}

/** A caller's input: a phase it starts is previewed before anything is recorded (rule 10). */
export const fromCaller: RunOptions = { fromCaller: true };
/**
 * Carrying on a process, or a caller's input whose phases decide one part each (closing an activity): a refusal
 * of one step is that part's outcome, not the caller's refusal, so nothing is previewed.
 */
export const carryOn: RunOptions = { fromCaller: false };

/** Null when the member exists (confirmed against the store before saying no), else the refusal. */
export async function memberMissing(rt: CommandRuntime, communityId: string, memberId: string): Promise<DomainError | null> {
  const member = await confirmed(rt, (read) => read.member(communityId, memberId), (m) => m.exists);
  return member.exists ? null : notFound('member', memberId);
}

/** Owners for 'self' permissions: a command that acts on no member's account, or on the one it names. */
export const noOwner = async (): Promise<undefined> => undefined;
export const memberOwner = async (command: { memberId: string }): Promise<string> => command.memberId;
