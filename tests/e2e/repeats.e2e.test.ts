/**
 * A repeated request returns the same status and body as the first, for every command (issue 12): a client
 * that lost the answer and sends the same command again — with no Idempotency-Key, only the ids the command
 * carries (grantId, recordId, redemptionId…) — learns what happened the first time, never a different story
 * (a 409 for a service record, an empty "no_stream" answer for a redemption). Every write operation of the
 * documented journey is sent twice in a row to a fresh service and both answers compared; then the same
 * journey is sent again to another fresh service with an Idempotency-Key on every write, three times each.
 *
 * Without a key, a command that may rightly be done again (a second restock, a policy published again, a
 * profile corrected, a price set, an erasure) is done again: only a key makes those once-only.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '@volunteer-ledger/core';
import { exampleJourney, exampleJourneyClock, kioskCodeSteps } from '../../packages/ledger-server/src/openapi-examples.js';
import { exampleTarget, startService, type TestService } from './support.js';

type Json = Record<string, any>;

describe('a repeated request', () => {
  let service: TestService;
  let document: any;
  // The journey's story is dated (exampleJourneyClock): the clock stands still until a step names another time.
  const journeyStart = () => new ManualClock(new Date(exampleJourneyClock[exampleJourney[0]!.split(':')[0]!]!));
  const clock = journeyStart();

  beforeAll(async () => {
    service = await startService('sqlite', { clock });
    document = await (await fetch(`${service.url}/openapi.json`)).json();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('gets the same status and body as the first, for every write in the documented journey', async () => {
    const repeatable = new Set(['publishPolicy', 'recordProfile', 'repriceItem', 'restockItem', 'erasePersonalData']);
    const { writes, differing } = await walkJourney(service, clock, document, (operationId) => (repeatable.has(operationId) ? 1 : 2), () => ({}));
    expect(writes).toBeGreaterThan(10);
    expect(differing).toEqual([]);
  });

  it('with an Idempotency-Key, gets the same status and body for every write, repeatable ones too', async () => {
    const keyedClock = journeyStart();
    const keyed = await startService('memory', { clock: keyedClock });
    try {
      const { writes, differing } = await walkJourney(keyed, keyedClock, document, () => 3, (step) => ({ 'idempotency-key': `journey-${step}` }));
      expect(writes).toBeGreaterThan(15);
      expect(differing).toEqual([]);
    } finally {
      await keyed.close();
    }
  });
});

/** Sends the documented journey; each write `times(operationId)` times in a row, every answer compared with the first. */
async function walkJourney(service: TestService, clock: ManualClock, document: any, times: (operationId: string) => number, headers: (step: string) => Record<string, string>) {
  const operations = new Map<string, { method: string; path: string; operation: Json }>();
  for (const [path, methods] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(methods as Json)) operations.set(operation.operationId, { method, path, operation });
  }
  const differing: string[] = [];
  let writes = 0;
  for (const step of exampleJourney) {
    const [operationId, exampleName] = step.split(':') as [string, string | undefined];
    const at = exampleJourneyClock[operationId];
    if (at !== undefined) clock.set(new Date(at));
    const { method, path, operation } = operations.get(operationId)!;
    const target = exampleTarget(path, operation);
    const media = operation.requestBody?.content?.['application/json'];
    let body = media ? media.examples[exampleName ?? Object.keys(media.examples)[0]!].value : undefined;
    if (kioskCodeSteps.has(operationId)) {
      // The code the kiosk shows now, as a resident's phone would read it; the repeat presents the same code again.
      const shown = await fetch(`${service.url}${target.replace(/\/kiosk-(check-ins|check-outs)$/, '/kiosk-code')}`, { headers: { authorization: `Bearer ${service.adminKey}` } });
      body = { ...body, code: ((await shown.json()) as { code: string }).code };
    }
    const write = method !== 'get';
    const send = async () => {
      const res = await fetch(`${service.url}${target}`, {
        method: method.toUpperCase(),
        headers: { authorization: `Bearer ${service.adminKey}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(write ? headers(step) : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      return { status: res.status, body: await res.text() };
    };
    const first = await send();
    expect(first.status, `${step}: ${first.body}`).toBeLessThan(300);
    if (!write) continue;
    writes++;
    for (let i = 1; i < times(operationId); i++) {
      const again = await send();
      if (again.status !== first.status || JSON.stringify(JSON.parse(again.body)) !== JSON.stringify(JSON.parse(first.body))) {
        differing.push(`${step}: first ${first.status} ${first.body}\n  again ${again.status} ${again.body}`);
      }
    }
  }
  return { writes, differing };
}
