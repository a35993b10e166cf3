/**
 * The read path's shortcuts answer exactly as the work they skip: the memoized router as Hono's TrieRouter,
 * lean validation as zod, and cached credentials no longer than the credential itself holds.
 */
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import fc from 'fast-check';
import { TrieRouter } from 'hono/router/trie-router';
import { SignJWT } from 'jose';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createAuthenticator, tokenCacheMs } from './auth.js';
import { loadConfig } from './config.js';
import type { CredentialStore } from './credentials.js';
import { cannotFail, leanValidation } from './lean-validation.js';
import { Problem } from './problems.js';
import { maxKeptPathLength, maxMatchesKept, MemoizedRouter } from './router.js';
import { commandHeaders, memberParams, readHeaders } from './routes/shared.js';

const segment = fc.constantFrom('v1', 'members', 'm1', 'service-records', 'checked-in', 'approve', ':id', ':other', '*');
const routePath = fc.array(segment, { minLength: 0, maxLength: 5 }).map((s) => `/${s.join('/')}`);
const requestPath = fc.array(fc.constantFrom('v1', 'members', 'm1', 'm2', 'service-records', 'checked-in', 'approve', 'x'), { maxLength: 6 }).map((s) => `/${s.join('/')}`);
const method = fc.constantFrom('GET', 'POST', 'ALL');

describe('MemoizedRouter', () => {
  it('answers every path as TrieRouter does, asked once or again, whatever routes it holds', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(method, routePath), { minLength: 1, maxLength: 20 }), fc.array(fc.tuple(fc.constantFrom('GET', 'POST'), requestPath), { maxLength: 30 }), (routes, asked) => {
        const plain = new TrieRouter<number>();
        const memo = new MemoizedRouter<number>();
        routes.forEach(([m, p], i) => {
          plain.add(m, p, i);
          memo.add(m, p, i);
        });
        for (const [m, p] of [...asked, ...asked]) expect(memo.match(m, p)).toEqual(plain.match(m, p));
      }),
    );
  });

  it('forgets its answers when a route is added, and stays bounded past maxMatchesKept paths', () => {
    const plain = new TrieRouter<string>();
    const memo = new MemoizedRouter<string>();
    for (const r of [plain, memo]) r.add('GET', '/members/:id', 'param');
    expect(memo.match('GET', '/members/me')).toEqual(plain.match('GET', '/members/me'));
    for (const r of [plain, memo]) r.add('GET', '/members/me', 'literal');
    expect(memo.match('GET', '/members/me')).toEqual(plain.match('GET', '/members/me'));
    for (let i = 0; i <= maxMatchesKept + 10; i += 1) {
      memo.match('GET', `/members/m${i}`);
      expect(memo.keptAnswers).toBeLessThanOrEqual(maxMatchesKept);
    }
    const kept = memo.keptAnswers;
    const long = `/members/${'x'.repeat(maxKeptPathLength)}`;
    expect(memo.match('GET', long)).toEqual(plain.match('GET', long));
    expect(memo.keptAnswers, 'a path longer than maxKeptPathLength is answered but not kept').toBe(kept);
    expect(memo.match('GET', '/members/m3')).toEqual(plain.match('GET', '/members/m3'));
    expect(memo.match('GET', `/members/m${maxMatchesKept + 5}`)).toEqual(plain.match('GET', `/members/m${maxMatchesKept + 5}`));
  });
});

describe('lean validation', () => {
  it('knows which header schemas cannot refuse anything', () => {
    expect(cannotFail(readHeaders)).toBe(true);
    expect(cannotFail(commandHeaders)).toBe(true);
    expect(cannotFail(readHeaders.extend({ 'if-none-match': z.string().optional() }))).toBe(true);
    expect(cannotFail(z.object({ 'x-required': z.string() }))).toBe(false);
    expect(cannotFail(z.object({ 'x-short': z.string().max(3).optional() }))).toBe(false);
    expect(cannotFail(z.object({ 'x-n': z.coerce.number().optional() }))).toBe(false);
  });

  /** The same route twice: through `@hono/zod-openapi` as it is, and leanly; a problem becomes its JSON. */
  function apps() {
    const route = createRoute({
      method: 'get',
      path: '/c/{communityId}/m/{memberId}',
      request: { params: memberParams, headers: readHeaders },
      responses: { 200: { description: 'ok' } },
    });
    const make = (lean: boolean) => {
      const app = new OpenAPIHono({
        defaultHook: (result) => {
          if (!result.success) throw Problem.fromZod(result.target, result.error);
        },
      });
      if (lean) leanValidation(app);
      app.onError((e) => (e instanceof Problem ? new Response(JSON.stringify([e.message, e.extensions]), { status: 400 }) : new Response(String(e), { status: 500 })));
      app.openapi(route, (c) => c.json(c.req.valid('param'), 200));
      return app;
    };
    return { zod: make(false), lean: make(true) };
  }

  it('accepts and refuses path parameters exactly as zod does, first time and again, and documents the route the same', async () => {
    const { zod, lean } = apps();
    const id = fc.oneof(fc.constantFrom('c1', 'm1', 'a.b:c-d_e', 'x'.repeat(64), 'x'.repeat(65), '-lead', ' ', 'é'), fc.string({ maxLength: 70 }));
    await fc.assert(
      fc.asyncProperty(id, id, async (communityId, memberId) => {
        const path = `/c/${encodeURIComponent(communityId)}/m/${encodeURIComponent(memberId)}`;
        const expected = await zod.request(path);
        const expectedBody = await expected.text();
        for (let round = 0; round < 2; round += 1) {
          const got = await lean.request(path);
          expect([got.status, await got.text()]).toEqual([expected.status, expectedBody]);
        }
      }),
    );
    expect(lean.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } })).toEqual(zod.getOpenAPI31Document({ openapi: '3.1.0', info: { title: 't', version: '1' } }));
  });
});

describe('cached JWTs', () => {
  afterEach(() => vi.useRealTimers());
  const secret = 'a-test-secret-of-at-least-32-characters!';
  const sign = (expiresAtSeconds: number) =>
    new SignJWT({ role: 'member', community: 'c1' }).setProtectedHeader({ alg: 'HS256' }).setSubject('m1').setExpirationTime(expiresAtSeconds).sign(new TextEncoder().encode(secret));
  // JWTs never reach the credential store.
  const noCredentials = {} as CredentialStore;

  it('are refused from their expiry on, although verified a moment before', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.parse('2026-06-01T00:00:00Z');
    vi.setSystemTime(start);
    const auth = createAuthenticator(loadConfig({ LEDGER_JWT_SECRET: secret }), noCredentials);
    const token = await sign(start / 1000 + 2);
    const first = await auth.authenticate(`Bearer ${token}`);
    expect(first.actor).toEqual({ id: 'm1', role: 'member', communityId: 'c1' });
    vi.setSystemTime(start + 1_000);
    expect(await auth.authenticate(`Bearer ${token}`)).toBe(first);
    vi.setSystemTime(start + 2_000);
    await expect(auth.authenticate(`Bearer ${token}`)).rejects.toThrow(/expired/);
  });

  it('are verified again after tokenCacheMs: a forged token is never taken for a cached one', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    const start = Date.parse('2026-06-01T00:00:00Z');
    vi.setSystemTime(start);
    const auth = createAuthenticator(loadConfig({ LEDGER_JWT_SECRET: secret }), noCredentials);
    const token = await sign(start / 1000 + 3600);
    const first = await auth.authenticate(`Bearer ${token}`);
    vi.setSystemTime(start + tokenCacheMs + 1);
    const again = await auth.authenticate(`Bearer ${token}`);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    const forged = `${token.slice(0, -4)}AAAA`;
    await expect(auth.authenticate(`Bearer ${forged}`)).rejects.toThrow(/refused/);
  });
});
