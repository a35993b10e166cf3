import type { ReadAllOptions, RecordedEvent, Subscription } from './port.js';
// Events fetched per catch-up read: bounds a subscription's buffer.
import { subscriptionPageSize } from '../limits.js';

export { subscriptionPageSize };

/** A one-shot wake-up that appenders ring and subscribers wait on. */
export class AppendSignal {
  private waiters: Array<() => void> = [];

  /** Resolves at the next `notify()` (or at once if `signal` aborts). */
  wait(signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      if (signal.aborted) return resolve();
      // The abort listener must go when the wait ends either way, or a long-lived subscription piles them up.
      const onAbort = () => done();
      const done = () => {
        signal.removeEventListener('abort', onAbort);
        resolve();
      };
      this.waiters.push(done);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }

  notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }
}

/**
 * A catch-up-then-live subscription built on `readAll` and an append signal: it reads pages after its
 * position until it is caught up, then sleeps until something is appended. Delivery is in global order,
 * each event once, and memory is bounded by one page. Stores whose appends happen in this process
 * (in-memory, SQLite) use it as their `subscribeToAll`.
 */
export function pollingSubscription(
  readAll: (options: ReadAllOptions) => Promise<RecordedEvent[]>,
  appended: AppendSignal,
  after: bigint | undefined,
): Subscription {
  const stop = new AbortController();
  let position = after;

  async function* events(): AsyncGenerator<RecordedEvent> {
    while (!stop.signal.aborted) {
      // Arm the wake-up before reading so an append between the read and the wait is not missed.
      const woken = appended.wait(stop.signal);
      const page = await readAll({ after: position, maxCount: subscriptionPageSize });
      for (const event of page) {
        if (stop.signal.aborted) return;
        position = event.position;
        yield event;
      }
      if (page.length < subscriptionPageSize) await woken;
    }
  }

  const iterator = events();
  return {
    [Symbol.asyncIterator]: () => iterator,
    async close() {
      stop.abort();
      await iterator.return(undefined);
    },
  };
}
