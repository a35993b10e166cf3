/**
 * Idempotency-Key as the IETF draft describes: a repeat returns the stored response, a concurrent repeat
 * gets 409 while the first is in flight, the same key with another payload gets 422 — and the record is
 * durable: it survives a restart of the service on SQLite.
 */
import { rmSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { client, startService, type TestService } from './support.js';

describe('Idempotency-Key', () => {
  const services: TestService[] = [];
  afterAll(async () => {
    for (const s of services) await s.close();
  });

  it('replays, refuses a changed payload, answers 409 to a concurrent repeat, and survives a restart', async () => {
    const first = await startService('sqlite', { keepData: true });
    services.push(first);
    const api = client(first.url, first.adminKey);
    await api('POST', '/v1/communities', { communityId: 'c1', name: 'c1' });
    await api('POST', '/v1/communities/c1/members', { memberId: 'm1' });
    const grant = { grantId: 'g1', points: '10.00', reason: 'welcome' };

    const original = await api('POST', '/v1/communities/c1/members/m1/grants', grant, { 'idempotency-key': '"grant-g1"' });
    expect(original.status).toBe(201);
    const repeat = await api('POST', '/v1/communities/c1/members/m1/grants', grant, { 'idempotency-key': '"grant-g1"' });
    expect(repeat.status).toBe(201);
    expect(repeat.body).toEqual(original.body);
    expect(repeat.headers.get('idempotent-replayed')).toBe('true');

    const changed = await api('POST', '/v1/communities/c1/members/m1/grants', { ...grant, points: '99.00' }, { 'idempotency-key': '"grant-g1"' });
    expect(changed.status).toBe(422);
    expect(changed.body.type).toBe('urn:volunteer-ledger:problem:idempotency-key-reused');

    // A refusal is stored too: the repeat gets the same 4xx.
    const refused = await api('POST', '/v1/communities/c1/members/nobody/grants', grant, { 'idempotency-key': 'refused-1' });
    expect((await api('POST', '/v1/communities/c1/members/nobody/grants', grant, { 'idempotency-key': 'refused-1' })).body).toEqual(refused.body);

    // Concurrent repeats: each is the first's outcome or 409 in flight; the grant happens once.
    const burst = await Promise.all(
      Array.from({ length: 12 }, () => api('POST', '/v1/communities/c1/members/m1/grants', { grantId: 'g2', points: '1.00', reason: 'burst' }, { 'idempotency-key': 'burst-1' })),
    );
    const statuses = new Set(burst.map((r) => r.status));
    for (const status of statuses) expect([201, 409]).toContain(status);
    for (const r of burst.filter((r) => r.status === 409)) expect(r.body.type).toBe('urn:volunteer-ledger:problem:idempotency-key-in-flight');
    const created = burst.filter((r) => r.status === 201);
    expect(created.length).toBeGreaterThan(0);
    for (const r of created) expect(r.body.events).toEqual(created[0]!.body.events);
    expect((await api('GET', '/v1/communities/c1/members/m1')).body.balance).toBe('11.00');

    // Another credential's key of the same name is its own.
    const other = (await first.runtime.credentials.createApiKey({ role: 'admin', communityId: 'c1' })).token;
    const otherReply = await client(first.url, other)('POST', '/v1/communities/c1/members/m1/grants', { grantId: 'g3', points: '1.00', reason: 'x' }, { 'idempotency-key': '"grant-g1"' });
    expect(otherReply.status).toBe(201);

    // Restart on the same data directory: the stored response is still there.
    await first.close();
    services.pop();
    const second = await startService('sqlite', { dataDir: first.dataDir, adminKey: first.adminKey });
    services.push(second);
    const afterRestart = await client(second.url, first.adminKey)('POST', '/v1/communities/c1/members/m1/grants', grant, { 'idempotency-key': '"grant-g1"' });
    expect(afterRestart.status).toBe(201);
    expect(afterRestart.body).toEqual(original.body);
    expect((await client(second.url, first.adminKey)('GET', '/v1/communities/c1/members/m1')).body.balance).toBe('12.00');
    rmSync(first.dataDir, { recursive: true, force: true });
  });

  it('refuses a malformed key', async () => {
    const service = await startService('memory');
    services.push(service);
    const reply = await client(service.url, service.adminKey)('POST', '/v1/communities', { communityId: 'c9', name: 'c9' }, { 'idempotency-key': 'x'.repeat(300) });
    expect(reply.status).toBe(400);
    expect(reply.body.type).toBe('urn:volunteer-ledger:problem:validation');
  });
});
