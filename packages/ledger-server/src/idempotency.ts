/**
 * `Idempotency-Key` on every POST, as draft-ietf-httpapi-idempotency-key-header describes. The service keeps
 * nothing of its own: it reads the header and hands the key to the ledger, whose one idempotency layer claims
 * it durably, keeps the outcome (accepted or refused) for the retention period and answers a repeat with it —
 * the same status and body, marked `Idempotent-Replayed: true`; a repeat while the first is in flight gets 409,
 * the same key with another request 422.
 */
import { maxIdempotencyKeyLength } from '@volunteer-ledger/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { Problem } from './problems.js';

export { maxIdempotencyKeyLength };

/** The header's value: an RFC 8941 string (`"abc"`) as the draft specifies, or a bare token for convenience. */
export function parseIdempotencyKey(raw: string): string {
  const value = raw.trim();
  const unquoted = value.length >= 2 && value.startsWith('"') && value.endsWith('"') ? value.slice(1, -1) : value;
  if (unquoted.length === 0 || unquoted.length > maxIdempotencyKeyLength || !/^[\x20-\x7e]+$/.test(unquoted) || /["\\]/.test(unquoted)) {
    throw new Problem(
      'validation',
      `Idempotency-Key must be 1 to ${maxIdempotencyKeyLength} printable ASCII characters, e.g. "8e03978e-40d5-43e8-bc93-6894a57f9324"`,
    );
  }
  return unquoted;
}

/** Reads the key of a POST for the command handler; a malformed one is refused before anything happens. */
export function idempotencyKeyHeader(): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('idempotency-key');
    if (c.req.method === 'POST' && header !== undefined) c.set('idempotencyKey', parseIdempotencyKey(header));
    await next();
  };
}
