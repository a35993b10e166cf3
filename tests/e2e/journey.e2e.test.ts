/**
 * The whole journey over a real port with fetch, on SQLite, in memory and on EventStoreDB (stand-in): policy → members → hours →
 * approval → catalogue → redemption → transfer and donation → expiry → reports and certificate.
 */
import { ManualClock, msPerDay } from '@volunteer-ledger/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
import { EventStoreStandIn } from '../../packages/store-eventstoredb/src/testing/stand-in-server.js';
import { client, jwtSecret, startService, type StoreKind, type TestService } from './support.js';

// EventStoreDB runs against the adapter's in-process gRPC stand-in (no server is installed here).
describe.each<StoreKind>(['sqlite', 'memory', 'eventstoredb'])('the journey on %s', (kind) => {
  const clock = new ManualClock(new Date('2026-03-02T02:00:00.000Z'));
  let service: TestService;
  let admin: ReturnType<typeof client>;
  let organiser: ReturnType<typeof client>;
  let member: ReturnType<typeof client>;

  let standIn: EventStoreStandIn | undefined;

  beforeAll(async () => {
    if (kind === 'eventstoredb') standIn = await EventStoreStandIn.start();
    service = await startService(kind, { clock, ...(standIn ? { env: { LEDGER_ESDB_CONNECTION_STRING: standIn.connectionString } } : {}) });
    admin = client(service.url, service.adminKey);
    organiser = client(service.url, await signHs256Token(jwtSecret, { sub: 'org-1', role: 'organiser', community: 'c1' }, { ttlSeconds: 10 ** 8 }));
    member = client(service.url, await signHs256Token(jwtSecret, { sub: 'm1', role: 'member', community: 'c1' }, { ttlSeconds: 10 ** 8 }));
  });
  afterAll(async () => {
    await service?.close();
    await standIn?.close();
  });

  it('runs from set-up to reports, and the books balance', async () => {
    // Policy: 10 points an hour, points expire 12 months after accrual.
    let r = await admin('POST', '/v1/communities', { communityId: 'c1', name: '阳光社区', policy: { expiry: { kind: 'months-after-accrual', months: 12 } } }, { 'idempotency-key': 'setup-1' });
    expect(r.status).toBe(201);
    const again = await admin('POST', '/v1/communities', { communityId: 'c1', name: '阳光社区', policy: { expiry: { kind: 'months-after-accrual', months: 12 } } }, { 'idempotency-key': 'setup-1' });
    expect(again.status).toBe(201);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body).toEqual(r.body);

    r = await admin('POST', '/v1/communities/c1/policies', { policy: { basePointsPerHour: '10', expiry: { kind: 'months-after-accrual', months: 12 } } });
    expect(r.status).toBe(201);
    expect((await admin('GET', '/v1/communities/c1')).body.policyVersion).toBe(2);

    for (const id of ['org-1', 'm1', 'm2']) {
      expect((await admin('POST', '/v1/communities/c1/members', { memberId: id, profile: { name: `name ${id}`, idNumber: '110101199001011234' } })).status).toBe(201);
    }
    expect((await admin('POST', '/v1/communities/c1/organisers', { memberId: 'org-1' })).status).toBe(200);

    // Hours: a member reports, the organiser approves.
    r = await member('POST', '/v1/communities/c1/members/m1/service-records/reported', { recordId: 'r1', category: 'elder-care', serviceDate: '2026-03-01', hours: '5.00', activityHours: '5.00' });
    expect(r.status).toBe(201);
    const pending = await organiser('GET', '/v1/communities/c1/service-records?status=pending');
    expect(pending.body.records.map((x: { recordId: string }) => x.recordId)).toEqual(['r1']);
    let account = await member('GET', '/v1/communities/c1/members/m1');
    const etag = account.headers.get('etag')!;
    r = await organiser('POST', '/v1/communities/c1/members/m1/service-records/r1/approve', {}, { 'if-match': etag });
    expect(r.status).toBe(200);
    // The same If-Match again is stale now.
    r = await organiser('POST', '/v1/communities/c1/members/m1/service-records/r1/approve', {}, { 'if-match': etag });
    expect(r.status).toBe(412);
    expect(r.body.type).toBe('urn:volunteer-ledger:problem:precondition-failed');
    r = await member('POST', '/v1/communities/c1/members/m2/service-records/reported', { recordId: 'r2', category: 'safety', serviceDate: '2026-03-01', hours: '2.00', activityHours: '2.00' });
    expect(r.status).toBe(403);
    await admin('POST', '/v1/communities/c1/members/m2/service-records/reported', { recordId: 'r2', category: 'safety', serviceDate: '2026-03-01', hours: '2.00', activityHours: '2.00' });
    await organiser('POST', '/v1/communities/c1/members/m2/service-records/r2/approve', {});

    account = await member('GET', '/v1/communities/c1/members/m1');
    expect(account.body).toMatchObject({ balance: '50.00', available: '50.00', hoursTotal: '5.00' });
    expect((await member('GET', '/v1/communities/c1/members/m1', undefined, { 'if-none-match': account.headers.get('etag')! })).status).toBe(304);

    // Catalogue and a redemption: hold, then fulfil.
    expect((await organiser('POST', '/v1/communities/c1/catalogue', { itemId: 'rice', name: '大米 5kg', kind: 'goods', pointsCost: '30.00', stock: 2 })).status).toBe(201);
    expect((await organiser('POST', '/v1/communities/c1/catalogue/rice/restock', { quantity: 1 })).status).toBe(200);
    expect((await organiser('POST', '/v1/communities/c1/catalogue/rice/reprice', { pointsCost: '20.00' })).status).toBe(200);
    const shelf = await member('GET', '/v1/communities/c1/catalogue');
    expect(shelf.body.items).toEqual([expect.objectContaining({ itemId: 'rice', pointsCost: '20.00', available: 3 })]);
    r = await member('POST', '/v1/communities/c1/members/m1/redemptions', { redemptionId: 'red-1', itemId: 'rice' }, { 'idempotency-key': 'redeem-1' });
    expect(r.status).toBe(201);
    expect((await member('GET', '/v1/communities/c1/members/m1')).body).toMatchObject({ balance: '50.00', held: '20.00', available: '30.00' });
    expect((await member('GET', '/v1/communities/c1/redemptions/red-1')).body.status).toBe('held');
    expect((await organiser('POST', '/v1/communities/c1/redemptions/red-1/fulfil', {})).status).toBe(200);
    expect((await member('GET', '/v1/communities/c1/redemptions/red-1')).body.status).toBe('fulfilled');
    // A second redemption, cancelled by the member.
    await member('POST', '/v1/communities/c1/members/m1/redemptions', { redemptionId: 'red-2', itemId: 'rice' });
    expect((await member('POST', '/v1/communities/c1/redemptions/red-2/cancel', {})).status).toBe(200);
    expect((await organiser('GET', '/v1/communities/c1/redemptions?status=cancelled')).body.redemptions).toHaveLength(1);
    // Too expensive: refused with a domain problem, nothing held.
    r = await member('POST', '/v1/communities/c1/members/m1/redemptions', { redemptionId: 'red-3', itemId: 'rice', quantity: 5 });
    expect(r.status).toBeGreaterThanOrEqual(400);
    expect(r.status).toBeLessThan(500);

    // A gift and a donation.
    expect((await member('POST', '/v1/communities/c1/members/m1/transfers', { transferId: 't1', to: 'm2', points: '5.00' })).status).toBe(201);
    expect((await member('POST', '/v1/communities/c1/members/m1/transfers', { transferId: 't2', to: '_pool', points: '5.00', reason: 'donation' })).status).toBe(201);
    expect((await member('GET', '/v1/communities/c1/members/m1')).body).toMatchObject({ balance: '20.00', held: '0.00' });
    expect((await member('GET', '/v1/communities/c1/members/m1/transfers')).body.transfers).toHaveLength(2);

    // Statement: newest first, a cursor back in time, oldest first on request; each line said in Chinese.
    const first = await member('GET', '/v1/communities/c1/members/m1/statement?limit=2');
    expect(first.body.order).toBe('newest');
    expect(first.body.entries).toHaveLength(2);
    expect(first.body.entries[0]).toMatchObject({ runningBalance: '20.00', amount: '-5.00', description: '捐赠给爱心积分池', descriptionEn: 'donation to _pool (transfer t2)' });
    expect(first.body.entries[1]).toMatchObject({ runningBalance: '25.00', description: '转赠给 m2' });
    const rest = await member('GET', `/v1/communities/c1/members/m1/statement?limit=50&cursor=${first.body.nextCursor}`);
    expect(rest.body.nextCursor).toBeNull();
    const newestFirst = [...first.body.entries, ...rest.body.entries];
    expect(newestFirst.at(-1)).toMatchObject({ amount: '50.00', runningBalance: '50.00', description: '助老服务 荣誉时长 5.00 小时，审核通过（每小时 10 积分）' });
    expect(newestFirst.map((e: { description: string }) => e.description)).toContain('兑换「大米 5kg」，冻结 20.00 积分');
    const oldestFirst = await member('GET', '/v1/communities/c1/members/m1/statement?order=oldest&limit=50');
    expect(oldestFirst.body.entries.map((e: { seq: number }) => e.seq)).toEqual(newestFirst.map((e: { seq: number }) => e.seq).reverse());
    // A cursor continues only the order it came from.
    const mixed = await member('GET', `/v1/communities/c1/members/m1/statement?order=oldest&cursor=${first.body.nextCursor}`);
    expect(mixed.status).toBe(400);
    expect(mixed.body.detail).toContain('order=newest');

    // Thirteen months on, the scheduled expiry takes what is left of every lot (m1 20, m2 20 + 5 gift, pool 5).
    clock.advance(400 * msPerDay);
    await service.server.scheduler.runOnce();
    expect((await member('GET', '/v1/communities/c1/members/m1')).body).toMatchObject({ balance: '0.00', hoursTotal: '5.00' });

    // Reports.
    const report = await organiser('GET', '/v1/communities/c1/reports/summary?from=2026-01-01&to=2027-12-31');
    expect(report.status).toBe(200);
    expect(report.body).toMatchObject({ hoursTotal: '7.00', points: { issued: '70.00', spent: '20.00', expired: '50.00' } });
    const board = await member('GET', '/v1/communities/c1/reports/leaderboard?from=2026-01-01&to=2026-12-31');
    expect(board.body.rows[0]).toEqual({ rank: 1, memberId: 'm1', hours: '5.00' });
    const trial = await organiser('GET', '/v1/communities/c1/reports/trial-balance');
    expect(trial.body).toMatchObject({ total: '0.00', balanced: true });

    // Certificate (ID masked), printable page, erasure.
    const cert = await member('GET', '/v1/communities/c1/members/m1/certificate');
    expect(cert.body.member).toEqual({ memberId: 'm1', name: 'name m1', idNumberMasked: '110***********1234' });
    const page = await fetch(`${service.url}/v1/communities/c1/members/m1/certificate.html`, { headers: { authorization: `Bearer ${service.adminKey}` } });
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(await page.text()).toContain('志愿服务记录证明');
    expect((await member('POST', '/v1/communities/c1/members/m1/erasure', { reason: 'moved away' })).status).toBe(200);
    expect((await member('GET', '/v1/communities/c1/members/m1/profile')).body).toEqual({ profile: null, erased: true });
    expect((await organiser('GET', '/v1/communities/c1/reports/trial-balance')).body.balanced).toBe(true);
  });

  it('serves health, readiness, metrics, the OpenAPI document and the offline reference page', async () => {
    const anon = client(service.url, null);
    expect((await anon('GET', '/healthz')).status).toBe(200);
    expect((await anon('GET', '/readyz')).body).toEqual({ status: 'ready' });
    const metrics = await anon('GET', '/metrics');
    expect(metrics.body).toContain('ledger_http_requests_total{method="POST",route="/v1/communities",status="201"}');
    const doc = await anon('GET', '/openapi.json');
    expect(doc.body.openapi).toBe('3.1.0');
    expect(Object.keys(doc.body.paths)).toContain('/v1/communities/{communityId}/members/{memberId}/redemptions');
    const docs = await fetch(`${service.url}/docs`);
    const html = await docs.text();
    expect(html).not.toMatch(/https?:\/\//);
    for (const asset of ['/docs/swagger-ui.css', '/docs/swagger-ui-bundle.js', '/docs/init.js']) {
      expect(html.includes(asset) || asset === '/docs/init.js').toBe(true);
      expect((await fetch(service.url + asset)).status).toBe(200);
    }
  });
});
