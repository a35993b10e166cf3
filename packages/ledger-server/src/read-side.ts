/**
 * Reads are served from the core's read models (DESIGN §7), which follow the store's global order.
 *
 * Read your writes in this process: a write made here marks the models stale, and the next read catches
 * up first (one read of the global order); otherwise a read costs no store access at all.
 *
 * Read your writes across instances: a write answers with the global position it reached
 * (`X-Ledger-Position`); a read that sends it back as `X-Min-Position` waits, at most `minPositionWaitMs`,
 * until this instance's projections have folded that far, and is otherwise refused with 503 and
 * `Retry-After`, so a client never mistakes a lagging instance's answer for the truth.
 */
import type { ReadModels } from '@volunteer-ledger/core';
import { Problem } from './problems.js';

/** Longest a read waits for this instance's projections to reach its `X-Min-Position`. */
export const minPositionWaitMs = 2_000;
/** What a refused read is told to wait before trying again. */
export const minPositionRetryAfterSeconds = 1;
/** A position is a decimal integer (EventStoreDB's may pass 2^64): at most this many digits are accepted. */
export const maxPositionDigits = 40;

export const positionHeader = 'x-ledger-position';
export const minPositionHeader = 'x-min-position';

/** The header's value as a position; a validation problem if it is not a decimal integer. */
export function parseMinPosition(raw: string): bigint {
  const value = raw.trim();
  if (!new RegExp(`^(0|[1-9]\\d{0,${maxPositionDigits - 1}})$`).test(value)) {
    throw new Problem('validation', `X-Min-Position must be a global position as a decimal integer (the X-Ledger-Position of a write), got ${JSON.stringify(raw.slice(0, 60))}`);
  }
  return BigInt(value);
}

export class ReadSide {
  private writes = 0;

  constructor(
    readonly models: ReadModels,
    private readonly waitMs: number = minPositionWaitMs,
  ) {}

  noteWrite(): void {
    this.writes += 1;
  }

  async fresh(): Promise<ReadModels> {
    if (this.writes > 0) {
      const seen = this.writes;
      await this.models.catchUp();
      this.writes = Math.max(0, this.writes - seen);
    }
    return this.models;
  }

  /** Waits until the projections have folded `position`; false if they have not within the bound. */
  atLeast(position: bigint): Promise<boolean> {
    return this.models.waitFor(position, this.waitMs);
  }

  /** The 503 problem, with Retry-After, for a read whose position was not reached in time. */
  behind(position: bigint): Problem {
    const reached = this.models.checkpoint;
    return new Problem(
      'unavailable',
      `this instance's read models have folded up to position ${reached ?? 'none'}, not yet ${position} as X-Min-Position asks ` +
        `(waited ${this.waitMs} ms); retry in ${minPositionRetryAfterSeconds} s, or ask the instance that made the write`,
      { details: { minPosition: position.toString(), position: reached === null ? null : reached.toString() } },
      { 'retry-after': String(minPositionRetryAfterSeconds) },
    );
  }
}
