/**
 * A limit on failed sign-ins (a card that is unknown, used, expired or revoked; a console credential that is
 * refused), so that card links and keys cannot be guessed at speed. Failures are counted per client address
 * and, where the attempt names one, per community, in fixed windows; once a key has `limit` failures in its
 * window, every further attempt under it is answered 429 with Retry-After until the window ends. A successful
 * sign-in is never counted and never waits.
 *
 * Counts live in this process's memory: a restart forgets them, and instances behind one balancer count
 * apart. The address is the TCP peer's: behind a reverse proxy every client shares the proxy's address.
 */
import { getConnInfo } from '@hono/node-server/conninfo';
import type { Context } from 'hono';

/** Failed sign-ins one client address may make in a window. */
export const maxFailedSignInsPerAddress = 10;
/** Failed sign-ins naming one community in a window: more, as a whole street signs in through it. */
export const maxFailedSignInsPerCommunity = 50;
/** How long a window of counted failures lasts. */
export const signInWindowMs = 15 * 60_000;
/** Most keys counted at once; past it the oldest windows are dropped (memory stays bounded under a flood). */
export const maxSignInKeys = 10_000;

export interface LimitKey {
  readonly key: string;
  readonly limit: number;
}

export const addressKey = (address: string): LimitKey => ({ key: `address:${address}`, limit: maxFailedSignInsPerAddress });
export const communityKey = (communityId: string): LimitKey => ({ key: `community:${communityId}`, limit: maxFailedSignInsPerCommunity });

export class SignInLimiter {
  private readonly windows = new Map<string, { failures: number; endsAtMs: number }>();

  constructor(private readonly nowMs: () => number) {}

  /** Seconds until an attempt under every one of `keys` may be made again; 0 when it may be made now. */
  retryAfterSeconds(keys: readonly LimitKey[]): number {
    const now = this.nowMs();
    let waitMs = 0;
    for (const { key, limit } of keys) {
      const window = this.windows.get(key);
      if (window && window.endsAtMs > now && window.failures >= limit) waitMs = Math.max(waitMs, window.endsAtMs - now);
    }
    return Math.ceil(waitMs / 1000);
  }

  /** Counts one failed attempt under each key. */
  failed(keys: readonly LimitKey[]): void {
    const now = this.nowMs();
    for (const { key } of keys) {
      const window = this.windows.get(key);
      if (window && window.endsAtMs > now) {
        window.failures += 1;
        continue;
      }
      this.windows.delete(key);
      if (this.windows.size >= maxSignInKeys) this.windows.delete(this.windows.keys().next().value!);
      this.windows.set(key, { failures: 1, endsAtMs: now + signInWindowMs });
    }
  }
}

/** The TCP peer's address when served by Node; `unknown` otherwise (an in-process request in a test). */
export function clientAddress(c: Context): string {
  try {
    return getConnInfo(c).remote.address ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
