/**
 * Hostile input: fast-check generates malformed bodies, headers and paths, huge and unicode values.
 * Every reply must be a 4xx problem document (never a 5xx, never a stack trace), and the store must be
 * exactly as it was afterwards.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startService, type TestService } from './support.js';

const commandPaths = [
  '/v1/communities',
  '/v1/communities/c1/policies',
  '/v1/communities/c1/categories',
  '/v1/communities/c1/members',
  '/v1/communities/c1/members/m1/profile',
  '/v1/communities/c1/members/m1/service-records/reported',
  '/v1/communities/c1/members/m1/service-records/checked-in',
  '/v1/communities/c1/members/m1/service-records/no-such-record/approve',
  '/v1/communities/c1/members/m1/grants',
  '/v1/communities/c1/catalogue',
  '/v1/communities/c1/catalogue/no-such-item/restock',
  '/v1/communities/c1/members/m1/redemptions',
  '/v1/communities/c1/redemptions/no-such-redemption/fulfil',
  '/v1/communities/c1/members/m1/transfers',
  '/v1/communities/c1/members/m1/erasure',
];

const readPaths = (a: string, b: string) => [
  `/v1/communities/${a}`,
  `/v1/communities/${a}/members/${b}`,
  `/v1/communities/${a}/members/${b}/statement?cursor=${b}&limit=${a}`,
  `/v1/communities/${a}/reports/summary?from=${a}&to=${b}`,
  `/v1/communities/${a}/service-records?status=${b}`,
  `/v1/communities/${a}/redemptions/${b}`,
  `/v1/${a}/${b}`,
];

/** Strings that tend to break parsers: unicode of every plane, controls, huge, JSON-looking. */
const nasty = fc.oneof(
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  fc.constantFrom('', ' ', '../..', '%00', '\u0000', '𝔘𝔫𝔦', '志愿者', '-1', '1e309', 'NaN', '{"a":', '[]', 'null', '__proto__', 'constructor'),
  fc.integer({ min: 65, max: 5000 }).map((n) => 'x'.repeat(n)),
);

const jsonish = fc.oneof(
  fc.jsonValue({ maxDepth: 4 }).map((v) => JSON.stringify(v)),
  fc.anything({ maxDepth: 3 }).map((v) => {
    try {
      return JSON.stringify(v) ?? 'undefined';
    } catch {
      return String(v);
    }
  }),
  fc.dictionary(fc.constantFrom('communityId', 'memberId', 'recordId', 'points', 'hours', 'policy', 'profile', 'name', 'type', 'itemId', 'to', '__proto__'), fc.oneof(nasty, fc.double(), fc.integer(), fc.boolean(), fc.constant(null))).map((o) => JSON.stringify(o)),
  nasty,
);

describe('bad input', () => {
  let service: TestService;
  let eventsBefore = 0;

  async function eventCount(): Promise<number> {
    return (await service.runtime.store.readAll({ maxCount: 10_000 })).length;
  }

  function assertProblem(status: number, contentType: string | null, text: string): void {
    expect(status, text).toBeGreaterThanOrEqual(400);
    expect(status, text).toBeLessThan(500);
    expect(contentType).toBe('application/problem+json');
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(typeof doc.type).toBe('string');
    expect(typeof doc.title).toBe('string');
    expect(doc.status).toBe(status);
    expect(typeof doc.detail).toBe('string');
    expect(text).not.toMatch(/\n\s+at |node_modules|\.ts:\d+/);
  }

  beforeAll(async () => {
    service = await startService('sqlite', { env: { LEDGER_MAX_BODY_BYTES: '4096' } });
    const h = { authorization: `Bearer ${service.adminKey}`, 'content-type': 'application/json' };
    await fetch(`${service.url}/v1/communities`, { method: 'POST', headers: h, body: JSON.stringify({ communityId: 'c1', name: 'c1' }) });
    await fetch(`${service.url}/v1/communities/c1/members`, { method: 'POST', headers: h, body: JSON.stringify({ memberId: 'm1' }) });
    eventsBefore = await eventCount();
  });
  afterAll(async () => service?.close());

  it('malformed bodies on every command route get a 4xx problem', async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...commandPaths), jsonish, fc.constantFrom('application/json', 'text/plain', 'application/json; charset=utf-8', ''), async (path, body, contentType) => {
        const res = await fetch(service.url + path, {
          method: 'POST',
          headers: { authorization: `Bearer ${service.adminKey}`, ...(contentType ? { 'content-type': contentType } : {}) },
          body,
        });
        assertProblem(res.status, res.headers.get('content-type'), await res.text());
      }),
      { numRuns: 250 },
    );
    expect(await eventCount()).toBe(eventsBefore);
  });

  it('huge bodies are refused before they are read', async () => {
    for (const size of [5_000, 100_000, 2_000_000]) {
      const res = await fetch(`${service.url}/v1/communities`, {
        method: 'POST',
        headers: { authorization: `Bearer ${service.adminKey}`, 'content-type': 'application/json' },
        body: JSON.stringify({ communityId: 'big', name: '长'.repeat(size) }),
      });
      expect(res.status).toBe(413);
      assertProblem(res.status, res.headers.get('content-type'), await res.text());
    }
    expect(await eventCount()).toBe(eventsBefore);
  });

  it('malformed headers get a 4xx problem', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          authorization: fc.oneof(nasty, nasty.map((s) => `Bearer ${s}`), fc.constant(`Bearer ${'a.b.c'}`), fc.constant('Basic dXNlcjpwYXNz')),
          idempotencyKey: nasty,
          ifMatch: nasty,
        }),
        fc.boolean(),
        async ({ authorization, idempotencyKey, ifMatch }, withValidAuth) => {
          const headers: Record<string, string> = { 'content-type': 'application/json' };
          // fetch refuses header values it cannot send; those never reach a server.
          const safe = (v: string) => /^[\t\x20-\x7e\x80-\xff]*$/.test(v) && v.trim() === v;
          headers.authorization = withValidAuth ? `Bearer ${service.adminKey}` : safe(authorization) ? authorization : 'Bearer x';
          if (safe(idempotencyKey)) headers['idempotency-key'] = withValidAuth ? `"${idempotencyKey.replace(/["\\]/g, '')}\u0001"`.replace('\u0001', '\\') : idempotencyKey;
          if (safe(ifMatch) && ifMatch !== '') headers['if-match'] = ifMatch;
          const res = await fetch(`${service.url}/v1/communities/c1/members/m1/service-records/missing/approve`, { method: 'POST', headers, body: '{}' });
          assertProblem(res.status, res.headers.get('content-type'), await res.text());
        },
      ),
      { numRuns: 200 },
    );
    expect(await eventCount()).toBe(eventsBefore);
  });

  it('malformed paths and queries get a 4xx problem', async () => {
    await fc.assert(
      fc.asyncProperty(nasty, nasty, fc.constantFrom('GET', 'POST', 'PUT', 'DELETE', 'PATCH'), async (a, b, method) => {
        for (const path of readPaths(encodeURIComponent(a), encodeURIComponent(b))) {
          const res = await fetch(service.url + path, {
            method,
            headers: { authorization: `Bearer ${service.adminKey}`, 'content-type': 'application/json' },
            ...(method === 'GET' ? {} : { body: '{}' }),
          });
          // A well-formed read of something that exists is fine; anything else must be a problem.
          if (res.status === 200) continue;
          assertProblem(res.status, res.headers.get('content-type'), await res.text());
        }
      }),
      { numRuns: 60 },
    );
    expect(await eventCount()).toBe(eventsBefore);
  });
});
