/**
 * The POST path's shortcuts answer exactly as the work they skip: the one-layer JSON body validator as
 * `@hono/zod-openapi`'s media-type gate and Hono's json validator with zod, whatever the Content-Type and body;
 * a command's answer served by Node (headers straight onto Node's response) as the same answer through Hono alone.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { commandSchemas } from '@volunteer-ledger/core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { configFrom } from './config.js';
import { leanValidation } from './lean-validation.js';
import { toProblem, problemResponse, Problem } from './problems.js';
import { memberParams } from './routes/shared.js';
import { openRuntime } from './runtime.js';
import { startServer } from './server.js';

/** The hours body as the route takes it: the core's command less what the path carries. */
const hoursBody = (commandSchemas.RecordCheckedInHours as z.ZodObject).omit({ type: true, communityId: true, memberId: true });

/** The same POST route twice: through `@hono/zod-openapi` as it is, and leanly; refusals become problem documents as in app.ts. */
function apps(body: z.ZodType) {
  const route = createRoute({
    method: 'post',
    path: '/c/{communityId}/m/{memberId}/hours',
    request: { params: memberParams, body: { required: true, content: { 'application/json': { schema: body } } } },
    responses: { 201: { description: 'ok' } },
  });
  const make = (lean: boolean) => {
    const app = new OpenAPIHono({
      defaultHook: (result) => {
        if (!result.success) throw Problem.fromZod(result.target === 'json' ? 'body' : result.target, result.error);
      },
    });
    if (lean) leanValidation(app);
    app.onError((thrown, c) => problemResponse(toProblem(thrown, { contentType: c.req.header('content-type') }).problem));
    app.openapi(route, (c) => c.json({ param: c.req.valid('param'), json: c.req.valid('json') }, 201));
    return app;
  };
  return { zod: make(false), lean: make(true) };
}

const instant = fc.date({ min: new Date('2000-01-01T00:00:00Z'), max: new Date('2030-01-01T00:00:00Z'), noInvalidDate: true }).map((d) => d.toISOString());
/** Bodies near valid ones: right, with a field wrong or missing or extra, other JSON, not JSON at all, nothing. */
const bodyText = fc.oneof(
  fc.record({ recordId: fc.constantFrom('r1', 'r 1', ''), category: fc.constantFrom('elder-care', 'x'.repeat(80), 5), checkedInAt: instant, checkedOutAt: fc.oneof(instant, fc.constant('2026-02-30T10:00:00Z')) }, { requiredKeys: ['recordId', 'checkedInAt'] }).map((o) => JSON.stringify(o)),
  fc.record({ recordId: fc.constant('r1'), category: fc.constant('elder-care'), checkedInAt: instant, checkedOutAt: instant, memberId: fc.constant('m9') }).map((o) => JSON.stringify(o)),
  fc.json(),
  fc.constantFrom('', '{', 'not json', '[]', 'null', '{"recordId":"r1"}'),
);
const contentType = fc.constantFrom(undefined, '', 'application/json', 'application/json; charset=utf-8', 'APPLICATION/JSON', 'application/problem+json', 'application/json;', 'application/jsonx', 'text/plain', 'multipart/form-data');

describe('the one-layer JSON body validator', () => {
  it('accepts and refuses bodies exactly as zod-openapi does, whatever the Content-Type, and documents the route the same', async () => {
    const { zod, lean } = apps(hoursBody);
    await fc.assert(
      fc.asyncProperty(bodyText, contentType, fc.constantFrom('m1', 'bad id!'), async (text, type, memberId) => {
        const init = (): RequestInit => ({ method: 'POST', body: text, headers: type === undefined ? {} : { 'content-type': type } });
        const path = `/c/c1/m/${encodeURIComponent(memberId)}/hours`;
        const expected = await zod.request(path, init());
        const got = await lean.request(path, init());
        expect([got.status, await got.text(), got.headers.get('content-type')]).toEqual([expected.status, await expected.text(), expected.headers.get('content-type')]);
      }),
      { numRuns: 300 },
    );
    const info = { openapi: '3.1.0' as const, info: { title: 't', version: '1' } };
    expect(lean.getOpenAPI31Document(info)).toEqual(zod.getOpenAPI31Document(info));
  });

  it('parses a schema with an asynchronous refinement asynchronously, as zod-openapi does', async () => {
    const slow = z.object({ n: z.number().refine(async (n) => n > 1, 'more than one') });
    const { zod, lean } = apps(slow);
    for (const n of [0, 2]) {
      const init = () => ({ method: 'POST', body: JSON.stringify({ n }), headers: { 'content-type': 'application/json' } });
      const expected = await zod.request('/c/c1/m/m1/hours', init());
      const got = await lean.request('/c/c1/m/m1/hours', init());
      expect([got.status, await got.text()]).toEqual([expected.status, await expected.text()]);
    }
  });
});

describe('a command answer served by Node', () => {
  /** A fresh service on the in-memory store, with one community and member (the same positions each time). */
  async function service() {
    const dataDir = mkdtempSync(join(tmpdir(), 'ledger-post-path-'));
    const runtime = await openRuntime(configFrom({ LEDGER_STORE: 'memory', LEDGER_DATA_DIR: dataDir, LEDGER_JOBS_INTERVAL_SECONDS: '0' }));
    const { token } = await runtime.credentials.createApiKey({ role: 'admin', communityId: 'c1' });
    const actor = { id: 'admin', role: 'admin' as const, communityId: 'c1' };
    await runtime.ledger.execute({ type: 'RegisterCommunity', communityId: 'c1', name: 'c' }, { actor });
    await runtime.ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId: 'm1' }, { actor });
    const server = await startServer(runtime, { port: 0, host: '127.0.0.1', log: () => undefined });
    return {
      token,
      server,
      async close() {
        await server.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  }

  /**
   * What a client sees of an answer; event ids are random, times and the two services' keys differ. The request
   * id is left out: through Hono alone a problem document does not carry it (app.ts), over Node every answer does.
   */
  async function seen(response: Response) {
    const kept = ['content-type', 'etag', 'x-ledger-position', 'idempotent-replayed', 'allow', 'accept-post'];
    return {
      status: response.status,
      headers: Object.fromEntries(kept.map((name) => [name, response.headers.get(name)])),
      body: (await response.text())
        .replace(/"eventId":"[^"]+"/g, '"eventId":"…"')
        .replace(/"accruedAt":"[^"]+"/g, '"accruedAt":"…"')
        .replace(/key:[0-9a-f]+/g, 'key:…'),
    };
  }

  it('has the status, headers and body the same command answered through Hono alone has: carried out, replayed, refused', async () => {
    const served = await service();
    const inProcess = await service();
    try {
      const hours = (recordId: string, day: string) => JSON.stringify({ recordId, category: 'elder-care', checkedInAt: `${day}T02:00:00.000Z`, checkedOutAt: `${day}T02:30:00.000Z` });
      const steps: Array<{ path: string; body: string; headers?: Record<string, string> }> = [
        { path: '/v1/communities/c1/members/m1/service-records/checked-in', body: hours('r1', '2026-01-05'), headers: { 'idempotency-key': 'k1' } },
        { path: '/v1/communities/c1/members/m1/service-records/checked-in', body: hours('r1', '2026-01-05'), headers: { 'idempotency-key': 'k1' } },
        { path: '/v1/communities/c1/members/m1/service-records/checked-in', body: hours('r2', '2026-01-05'), headers: { 'idempotency-key': 'k1' } },
        { path: '/v1/communities/c1/members/m1/service-records/checked-in', body: hours('r3', '2026-01-06') },
        { path: '/v1/communities/c1/members/m1/service-records/checked-in', body: hours('r4', '2026-01-07'), headers: { 'if-match': '"1"' } },
        { path: '/v1/communities/c1/members/m1/service-records/checked-in', body: hours('r5', '2026-01-08'), headers: { 'if-match': '"6"' } },
        { path: '/v1/communities/c1/members/m1/service-records/checked-in', body: '{"recordId":"r6"}' },
        { path: '/v1/communities/c1/members/m1/service-records/checked-in', body: hours('r7', '2026-01-09'), headers: { 'content-type': 'text/plain' } },
        { path: '/v1/communities/c1/members/nobody/service-records/checked-in', body: hours('r8', '2026-01-09') },
        { path: '/v1/communities/c1/members/m1/service-records/r1/approve', body: '{}' },
      ];
      for (const step of steps) {
        const init = (): RequestInit => ({ method: 'POST', body: step.body, headers: { authorization: `Bearer ${served.token}`, 'content-type': 'application/json', ...step.headers } });
        const overNode = await seen(await fetch(`${served.server.url}${step.path}`, init()));
        const throughHono = await seen(await inProcess.server.ledgerApp.app.request(step.path, { ...init(), headers: { ...(init().headers as Record<string, string>), authorization: `Bearer ${inProcess.token}`, host: '127.0.0.1' } }));
        expect(overNode, `${step.path} ${step.body} ${JSON.stringify(step.headers)}`).toEqual(throughHono);
      }
    } finally {
      await served.close();
      await inProcess.close();
    }
  });
});
