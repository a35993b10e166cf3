/**
 * `Idempotency-Key` on every POST, as draft-ietf-httpapi-idempotency-key-header describes:
 * - the first request with a key claims it (durably, in the store's idempotency port) and its response
 *   (status, body and the headers that matter) is stored when it completes;
 * - a repeat with the same payload gets the stored response again, marked `Idempotent-Replayed: true`;
 * - a repeat while the first is still being processed gets 409 (`idempotency-key-in-flight`);
 * - the same key with a different payload gets 422 (`idempotency-key-reused`).
 * Keys are scoped by credential (`http:<credential>:<key>`) and kept for the configured retention
 * (24 h by default), after which the key may be used again. 5xx responses and transient conflicts are
 * not stored, so the client can retry them with the same key.
 */
import { canonicalJson, type EventStore, type IdempotencyRecord, type JsonValue, sha256Hex } from '@volunteer-ledger/core';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.js';
import { Problem } from './problems.js';

/** How long a claimed key counts as in flight: a request still running after this is presumed crashed. */
export const httpIdempotencyLeaseMs = 60_000;
/** Longest key accepted. */
export const maxIdempotencyKeyLength = 255;
/** Response headers stored with the body and given back on a replay. */
const replayedHeaders = ['content-type', 'etag', 'location'] as const;

interface StoredResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

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

async function requestHash(method: string, path: string, body: string): Promise<string> {
  let canonical = body;
  try {
    canonical = canonicalJson(JSON.parse(body) as JsonValue);
  } catch {
    // Not JSON: the bytes themselves are the payload (validation will refuse it, and that refusal is stored).
  }
  return sha256Hex(`${method} ${path}\n${canonical}`);
}

function replay(stored: StoredResponse): Response {
  return new Response(stored.body, { status: stored.status, headers: { ...stored.headers, 'idempotent-replayed': 'true' } });
}

function isTransient(status: number, body: string): boolean {
  if (status >= 500) return true;
  if (status !== 409) return false;
  try {
    const code = (JSON.parse(body) as { code?: unknown }).code;
    return code === 'conflict' || code === 'idempotency-key-in-flight';
  } catch {
    return false;
  }
}

export function idempotency(store: EventStore, retentionMs: number, now: () => Date): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    const header = c.req.header('idempotency-key');
    if (c.req.method !== 'POST' || header === undefined) return next();
    const clientKey = parseIdempotencyKey(header);
    c.set('idempotencyKey', clientKey);
    const key = `http:${c.get('principal').credentialId}:${clientKey}`;
    const hash = await requestHash(c.req.method, c.req.path, await c.req.text());
    const started = now();
    const claim: IdempotencyRecord = {
      key,
      requestHash: hash,
      status: 'pending',
      outcome: null,
      createdAt: started.toISOString(),
      expiresAt: new Date(started.getTime() + httpIdempotencyLeaseMs).toISOString(),
    };
    const { inserted, record } = await store.idempotency.tryInsert(claim, started.toISOString());
    if (!inserted) {
      if (record.requestHash !== hash) {
        throw new Problem('idempotency-key-reused', `Idempotency-Key ${JSON.stringify(clientKey)} was used with a different request; use a new key for a new request`);
      }
      if (record.status === 'pending') {
        throw new Problem('idempotency-key-in-flight', `a request with Idempotency-Key ${JSON.stringify(clientKey)} is still being processed; retry later`, {}, { 'retry-after': '1' });
      }
      c.res = replay(record.outcome as unknown as StoredResponse);
      return;
    }
    try {
      await next();
    } catch (fault) {
      await store.idempotency.delete(key);
      throw fault;
    }
    const body = await c.res.clone().text();
    if (isTransient(c.res.status, body)) {
      await store.idempotency.delete(key);
      return;
    }
    const headers: Record<string, string> = {};
    for (const name of replayedHeaders) {
      const value = c.res.headers.get(name);
      if (value !== null) headers[name] = value;
    }
    const outcome: StoredResponse = { status: c.res.status, headers, body };
    await store.idempotency.put({
      ...claim,
      status: 'completed',
      outcome: outcome as unknown as JsonValue,
      expiresAt: new Date(now().getTime() + retentionMs).toISOString(),
    });
  };
}
