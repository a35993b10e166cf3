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
import { exampleJourney } from '../../packages/ledger-server/src/openapi-examples.js';
import { exampleTarget, startService, type TestService } from './support.js';

type Json = Record<string, any>;

describe('a repeated request', () => {
  let service: TestService;
  let document: any;

  beforeAll(async () => {
    service = await startService('sqlite');
    document = await (await fetch(`${service.url}/openapi.json`)).json();
  });
  afterAll(async () => {
    await service?.close();
  });

  it('gets the same status and body as the first, for every write in the documented journey', async () => {
    const repeatable = new Set(['publishPolicy', 'recordProfile', 'repriceItem', 'restockItem', 'erasePersonalData']);
    const { writes, differing } = await walkJourney(service, document, (operationId) => (repeatable.has(operationId) ? 1 : 2), () => ({}));
    expect(writes).toBeGreaterThan(10);
    expect(differing).toEqual([]);
  });

  it('with an Idempotency-Key, gets the same status and body for every write, repeatable ones too', async () => {
    const keyed = await startService('memory');
    try {
      const { writes, differing } = await walkJourney(keyed, document, () => 3, (step) => ({ 'idempotency-key': `journey-${step}` }));
      expect(writes).toBeGreaterThan(15);
      expect(differing).toEqual([]);
    } finally {
      await keyed.close();
    }
  });
});

/** Sends the documented journey; each write `times(operationId)` times in a row, every answer compared with the first. */
async function walkJourney(service: TestService, document: any, times: (operationId: string) => number, headers: (step: string) => Record<string, string>) {
  const operations = new Map<string, { method: string; path: string; operation: Json }>();
  for (const [path, methods] of Object.entries(document.paths as Json)) {
    for (const [method, operation] of Object.entries(methods as Json)) operations.set(operation.operationId, { method, path, operation });
  }
  const differing: string[] = [];
  let writes = 0;
  for (const step of exampleJourney) {
    const [operationId, exampleName] = step.split(':') as [string, string | undefined];
    const { method, path, operation } = operations.get(operationId)!;
    const target = exampleTarget(path, operation);
    const media = operation.requestBody?.content?.['application/json'];
    const body = media ? media.examples[exampleName ?? Object.keys(media.examples)[0]!].value : undefined;
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
