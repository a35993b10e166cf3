/**
 * Repeats as a model sees them. The ledger answers a command sent again by the same sender, which it would now
 * refuse because the first one was done, with the first answer (`replayed`; pipeline/repeats.ts). A model
 * predicts the refusal (or, for a process already past that point, 'ok' with nothing new — which the ledger has
 * always answered with the process's events, replayed); `SentCommands` checks that a replayed answer only ever
 * comes back for a command this sender had sent and had accepted, and `expectOutcome` then takes it in place of
 * what the model predicted. That nothing changed is the model's own state comparison after every command.
 */
import { expect } from 'vitest';
import type { Actor, ExecuteResult } from '@volunteer-ledger/core';

export const replayed = 'replayed';

export class SentCommands {
  private readonly accepted = new Set<string>();

  /** The outcome's code, or 'replayed' for the first answer given again (checked to be a repeat of an accepted command). */
  note(command: unknown, actor: Actor, result: ExecuteResult): string {
    const key = `${actor.id}\n${JSON.stringify(command)}`;
    if (!result.ok) return result.error.code;
    if (result.value.replayed) {
      expect(this.accepted.has(key), `${JSON.stringify(command)} from ${actor.id} was answered as a repeat, but was never accepted from them`).toBe(true);
      return replayed;
    }
    this.accepted.add(key);
    return 'ok';
  }
}

/** The model's prediction against the ledger's outcome; a first answer given again (checked by `note`) stands for it. */
export function expectOutcome(code: string, expected: string, message?: string): void {
  if (code !== replayed) expect(code, message).toBe(expected);
}
