/**
 * Read your writes across instances (DESIGN §7): two services over one SQLite event store, each with its
 * own projection file. A write on A answers with the global position it reached (X-Ledger-Position); a
 * read on B that sends it back as X-Min-Position sees the write, although B's projections had not yet
 * folded it; a position B cannot reach in time gets 503 with Retry-After.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
import { minPositionWaitMs } from '../../packages/ledger-server/src/read-side.js';
import { SqliteEventStore } from '../../packages/store-sqlite/src/index.js';
import { client, jwtSecret, startService, type TestService } from './support.js';

describe('read your writes across two instances over one store', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-ryw-'));
  const eventsFile = join(dir, 'ledger.sqlite');
  let a: TestService;
  let b: TestService;
  let onA: ReturnType<typeof client>;
  let onB: ReturnType<typeof client>;
  let storeA: SqliteEventStore;

  beforeAll(async () => {
    // Two connections to one file, as two processes would have. B never polls for A's appends on a timer,
    // so its projections see them only when something makes it read the store: they lag, deterministically.
    storeA = SqliteEventStore.open(eventsFile);
    const storeB = SqliteEventStore.open(eventsFile, { pollIntervalMs: 0 });
    a = await startService('sqlite', { store: storeA, dataDir: join(dir, 'a') });
    b = await startService('sqlite', { store: storeB, dataDir: join(dir, 'b') });
    // A JWT, not an API key: each instance here keeps its own credentials file, and both know the secret.
    const token = await signHs256Token(jwtSecret, { sub: 'platform', role: 'admin', community: '*' }, { ttlSeconds: 3_600 });
    onA = client(a.url, token);
    onB = client(b.url, token);
  });
  afterAll(async () => {
    await a?.close();
    await b?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('a write on A, read back on B with its position, is seen; without it B may answer from before the write', async () => {
    expect((await onA('POST', '/v1/communities', { communityId: 'c1', name: '阳光社区' })).status).toBe(201);
    const registered = await onA('POST', '/v1/communities/c1/members', { memberId: 'm1' });
    expect(registered.status).toBe(201);
    const registeredAt = registered.headers.get('x-ledger-position')!;
    expect(registeredAt).toMatch(/^\d+$/);
    expect(registeredAt).toBe(registered.body.position);

    // B learns of the member when asked for at least that position.
    const first = await onB('GET', '/v1/communities/c1/members/m1', undefined, { 'x-min-position': registeredAt });
    expect(first.status).toBe(200);
    expect(first.body.balance).toBe('0.00');

    const granted = await onA('POST', '/v1/communities/c1/members/m1/grants', { grantId: 'g1', points: '25', reason: '敬老活动' });
    expect(granted.status).toBe(201);
    const grantedAt = granted.headers.get('x-ledger-position')!;
    expect(BigInt(grantedAt)).toBeGreaterThan(BigInt(registeredAt));

    // Without the position, B answers from what it has folded: the grant is not there yet.
    const stale = await onB('GET', '/v1/communities/c1/members/m1');
    expect(stale.status).toBe(200);
    expect(stale.body.balance).toBe('0.00');
    expect(b.runtime.models.checkpoint! < BigInt(grantedAt)).toBe(true);

    // With it, B catches up first.
    const fresh = await onB('GET', '/v1/communities/c1/members/m1', undefined, { 'x-min-position': grantedAt });
    expect(fresh.status).toBe(200);
    expect(fresh.body.balance).toBe('25.00');
    const statement = await onB('GET', '/v1/communities/c1/members/m1/statement', undefined, { 'x-min-position': grantedAt });
    expect(statement.body.entries[0]).toMatchObject({ amount: '25.00', description: '积分奖励：敬老活动' });
  });

  it('a replayed write answers with the position of its first run', async () => {
    const body = { grantId: 'g2', points: '5', reason: 'repeat' };
    const once = await onA('POST', '/v1/communities/c1/members/m1/grants', body, { 'idempotency-key': 'ryw-g2' });
    const again = await onA('POST', '/v1/communities/c1/members/m1/grants', body, { 'idempotency-key': 'ryw-g2' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.headers.get('x-ledger-position')).toBe(once.headers.get('x-ledger-position'));
    expect(once.headers.get('x-ledger-position')).toMatch(/^\d+$/);
  });

  it('a position no instance has reached gets 503 with Retry-After after a bounded wait, and a malformed one 400', async () => {
    const beyond = (BigInt(b.runtime.models.checkpoint ?? 0n) + 1_000_000n).toString();
    const started = performance.now();
    const refused = await onB('GET', '/v1/communities/c1/members/m1', undefined, { 'x-min-position': beyond });
    const waitedMs = performance.now() - started;
    expect(refused.status).toBe(503);
    expect(refused.headers.get('content-type')).toContain('application/problem+json');
    expect(refused.headers.get('retry-after')).toBe('1');
    expect(refused.body).toMatchObject({ code: 'unavailable', details: { minPosition: beyond } });
    expect(refused.body.detail).toContain('X-Min-Position');
    // Bounded: it waited, but not much longer than the named limit.
    expect(waitedMs).toBeGreaterThanOrEqual(minPositionWaitMs - 50);

    const malformed = await onB('GET', '/v1/communities/c1/members/m1', undefined, { 'x-min-position': 'latest' });
    expect(malformed.status).toBe(400);
    expect(malformed.body.detail).toContain('X-Min-Position');
  });

  it('waits for a write that is still on its way, and answers once it has folded it', async () => {
    const before = await onB('GET', '/v1/communities/c1/members/m1');
    let last = 0n;
    for (let page = await storeA.readAll({ maxCount: 1_000 }); page.length > 0; page = await storeA.readAll({ after: last, maxCount: 1_000 })) last = page.at(-1)!.position;
    // The next write's events come after `last`: ask B for the first of them before A has written it.
    const next = (last + 1n).toString();
    const read = onB('GET', '/v1/communities/c1/members/m1', undefined, { 'x-min-position': next });
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(b.runtime.models.checkpoint! < last + 1n).toBe(true);
    const landed = await onA('POST', '/v1/communities/c1/members/m1/grants', { grantId: 'g3', points: '7', reason: 'later' });
    expect(BigInt(landed.headers.get('x-ledger-position')!)).toBeGreaterThanOrEqual(last + 1n);
    const answered = await read;
    expect(answered.status).toBe(200);
    expect(answered.body.balance).toBe((Number(before.body.balance) + 7).toFixed(2));
  });
});
