/**
 * The app's router: Hono's TrieRouter with the answers it gave kept by method and path.
 *
 * Why not RegExpRouter (Hono's fastest, SmartRouter's first choice): in Hono 4.13 it refuses a literal
 * segment and a parameter at the same position of two paths of one method (`/users/me` beside
 * `/users/:id`), and our public URLs have such pairs (`…/service-records/checked-in` beside
 * `…/service-records/{recordId}/approve`), so SmartRouter always fell back to TrieRouter, and TrieRouter
 * walks its tree, collects every middleware and handler and sorts them on every request (~14% of an
 * account read). Matching is a pure function of method and path once the routes are added, so the
 * answers are kept: a repeated path (the common case: the same accounts are read again and again)
 * costs one map lookup. At most `maxMatchesKept` paths are kept; when full the memo starts afresh, so
 * a stream of distinct paths costs a tree walk plus a map insert each, never unbounded memory.
 */
import type { Result, Router } from 'hono/router';
import { TrieRouter } from 'hono/router/trie-router';

/** Most (method, path) answers kept. */
export const maxMatchesKept = 10_000;
/**
 * Longest path whose answer is kept: every real route's path is far shorter, and without a bound a client
 * sending distinct long paths (404s) could make the memo hold `maxMatchesKept` × the longest URL Node accepts.
 */
export const maxKeptPathLength = 512;

export class MemoizedRouter<T> implements Router<T> {
  readonly name = 'MemoizedRouter(TrieRouter)';
  private readonly inner = new TrieRouter<T>();
  /** By method, then path: no key string is built per request. */
  private readonly kept = new Map<string, Map<string, Result<T>>>();
  private keptCount = 0;

  add(method: string, path: string, handler: T): void {
    this.inner.add(method, path, handler);
    // A route added later may change earlier answers.
    this.forget();
  }

  match(method: string, path: string): Result<T> {
    let byPath = this.kept.get(method);
    const known = byPath?.get(path);
    if (known !== undefined) return known;
    const found = this.inner.match(method, path);
    if (path.length > maxKeptPathLength) return found;
    if (this.keptCount >= maxMatchesKept) {
      this.forget();
      byPath = undefined;
    }
    if (byPath === undefined) {
      byPath = new Map();
      this.kept.set(method, byPath);
    }
    byPath.set(path, found);
    this.keptCount += 1;
    return found;
  }

  /** How many answers are kept now (for tests and metrics). */
  get keptAnswers(): number {
    return this.keptCount;
  }

  private forget(): void {
    this.kept.clear();
    this.keptCount = 0;
  }
}
