/**
 * One writer per stream inside a process (DESIGN §3, rule 11): work for the same stream runs one at a time, in
 * arrival order, so a ledger never answers `conflict` to its own concurrent callers — only another process
 * writing the same stream can. Queues are bounded by length and by waiting time; past either, the work is
 * refused as busy before anything happens, not piled up.
 */
import { type DomainError, domainError } from '../errors.js';
import { busyRetryAfterSeconds, maxQueueWaitMs, maxQueuedCommandsPerStream, maxQueuedCommandsTotal } from '../limits.js';
import { err, type Result } from '../result.js';

interface Lane {
  /** Settles when the last queued task has finished. */
  tail: Promise<void>;
  /** Tasks queued or running. */
  length: number;
}

export interface StreamQueueLimits {
  readonly maxPerStream: number;
  readonly maxTotal: number;
  readonly maxWaitMs: number;
}

export const defaultStreamQueueLimits: StreamQueueLimits = {
  maxPerStream: maxQueuedCommandsPerStream,
  maxTotal: maxQueuedCommandsTotal,
  maxWaitMs: maxQueueWaitMs,
};

export const busy = (what: string): DomainError =>
  domainError('busy', `${what}; nothing was done — retry in ${busyRetryAfterSeconds} s`, { retryAfterSeconds: busyRetryAfterSeconds });

/** The tail of a lane with nothing queued. */
const settled: Promise<void> = Promise.resolve();

export class StreamQueues {
  private readonly lanes = new Map<string, Lane>();
  private total = 0;

  constructor(private readonly limits: StreamQueueLimits = defaultStreamQueueLimits) {}

  /** Tasks queued or running, across all streams. */
  get size(): number {
    return this.total;
  }

  /**
   * Runs `task` once every earlier task for `stream` has finished. Refused as busy (without running it) when the
   * stream's queue or the whole ledger's is full, or when it waited longer than the limit for its turn.
   */
  async run<T, E extends DomainError>(stream: string, task: () => Promise<Result<T, E>>): Promise<Result<T, E | DomainError>> {
    const lane = this.lanes.get(stream) ?? { tail: settled, length: 0 };
    if (lane.length >= this.limits.maxPerStream) return err(busy(`${lane.length} commands are already waiting for ${stream}`));
    if (this.total >= this.limits.maxTotal) return err(busy(`${this.total} commands are already waiting in this ledger`));
    this.lanes.set(stream, lane);
    lane.length += 1;
    this.total += 1;
    const previous = lane.tail;
    let release!: () => void;
    lane.tail = new Promise<void>((resolve) => (release = resolve));
    try {
      // An idle stream's task starts at once: no turn of the microtask queue spent waiting on nothing.
      if (previous !== settled) {
        const queuedAt = Date.now();
        await previous;
        if (Date.now() - queuedAt > this.limits.maxWaitMs) return err(busy(`${stream} was busy for longer than ${this.limits.maxWaitMs} ms`));
      }
      return await task();
    } finally {
      lane.length -= 1;
      this.total -= 1;
      if (lane.length === 0) this.lanes.delete(stream);
      release();
    }
  }
}
