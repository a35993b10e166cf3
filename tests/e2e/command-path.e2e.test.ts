/**
 * The command path as a client meets it over HTTP (issue 13): values that cannot be parsed get a 4xx problem
 * and change nothing; what Node's parser refuses still gets a problem document; a shop opening — many
 * redemptions of one item at once — gets decisions, not conflicts; a keyed request's events carry its key and
 * its request id on every stream it touched, each naming the event that caused it.
 */
import { connect } from 'node:net';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { amountPattern, factorPattern } from '@volunteer-ledger/core';
import { client, startService, type TestService } from './support.js';

/** Texts that look like numbers or dates to someone, and are not what the API accepts. */
const trickyAmounts = ['8.123', '+5', '5e0', '５', 'Infinity', '-Infinity', 'NaN', '0x10', '1,5', ' 5', '5 ', '٥', '1e-2', '', '.5', '5.', '00.5', '1'.repeat(40), '-0.001', '1_000'];
const trickyDates = ['2023-02-29', '2026-13-01', '2026-04-31', '2026-00-10', '0000-01-01', '2026-1-1', '20260501', '2026-05-01T00:00:00Z', '٢٠٢٦-٠٥-٠١', '2026-02-30'];
const trickyInstants = ['2026-05-01T24:00:00Z', '2026-02-30T00:00:00Z', '2026-05-01T00:00:00', 'yesterday', '1746057600', '2026-05-01T00:00:00+25:00'];

const valueArb = fc.oneof(
  fc.constantFrom<unknown>(...trickyAmounts, ...trickyDates, ...trickyInstants),
  fc.string({ maxLength: 12 }),
  fc.double(),
  fc.integer(),
  fc.constantFrom<unknown>(null, true, [], {}, 10),
);

async function raw(port: number, request: string): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let data = '';
    socket.on('data', (chunk) => {
      data += chunk.toString();
      // A keep-alive answer ends when its body is in.
      const [head, body] = data.split('\r\n\r\n');
      const length = /content-length: (\d+)/i.exec(head ?? '')?.[1];
      if (length !== undefined && body !== undefined && Buffer.byteLength(body) >= Number(length)) socket.end();
    });
    socket.on('close', () => resolve(data));
    socket.on('error', () => resolve(data));
  });
}

describe('the command path over HTTP', () => {
  let service: TestService;
  let api: ReturnType<typeof client>;
  const eventCount = async () => (await service.runtime.store.readAll({ maxCount: 10_000 })).length;

  beforeAll(async () => {
    service = await startService('sqlite');
    api = client(service.url, service.adminKey);
    expect((await api('POST', '/v1/communities', { communityId: 'c1', name: '阳光社区' })).status).toBe(201);
    expect((await api('POST', '/v1/communities/c1/members', { memberId: 'm1' })).status).toBe(201);
    expect((await api('POST', '/v1/communities/c1/members/m1/grants', { grantId: 'g1', points: '100.00', reason: 'start' })).status).toBe(201);
  });
  afterAll(async () => {
    await service.close();
  });

  it('answers what Node refuses before the app sees it with a problem document, too', async () => {
    const port = Number(new URL(service.url).port);
    for (const request of [
      'GET /v1/communities/c1 HTTP/1.1\r\n\r\n',
      'GARBLED\r\n\r\n',
      'GET /health HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      'GET / HTTP/9.9\r\nHost: x\r\n\r\n',
    ]) {
      const reply = await raw(port, request);
      expect(reply, JSON.stringify(request)).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(reply.toLowerCase()).toContain('content-type: application/problem+json');
      const body = JSON.parse(reply.slice(reply.indexOf('\r\n\r\n') + 4)) as { type: string; status: number };
      expect(body.type).toMatch(/^urn:volunteer-ledger:problem:/);
      expect(body.status).toBeGreaterThanOrEqual(400);
    }
  });

  it('every malformed amount, factor, date or instant gets a 4xx problem and changes nothing; no value at all gets a 5xx', async () => {
    // Tricky for one kind of value, plain for another ("20260501" is a fine amount): each route gets what it must refuse.
    const notAmounts = [...trickyAmounts, ...trickyDates, ...trickyInstants].filter((v) => !amountPattern.test(v) && !factorPattern.test(v));
    const notDates = [...trickyAmounts, ...trickyDates];
    const notInstants = [...trickyAmounts, ...trickyInstants, ...trickyDates.filter((d) => !d.includes('T'))];
    const routes: Array<{ refuse: readonly string[]; make: (v: unknown) => [string, Record<string, unknown>] }> = [
      { refuse: notAmounts, make: (v) => ['/v1/communities', { communityId: 'cx', name: 'x', policy: { dailyHoursCap: v } }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities', { communityId: 'cx', name: 'x', policy: { basePointsPerHour: v } }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities', { communityId: 'cx', name: 'x', policy: { categoryMultipliers: { culture: v } } }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities', { communityId: 'cx', name: 'x', policy: { maxBalance: { points: v, overflow: 'refuse' } } }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities', { communityId: 'cx', name: 'x', policy: { transfers: { allowed: true, recipients: 'anyone', dailyLimit: v } } }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities', { communityId: 'cx', name: 'x', policy: { levelThresholdsHours: ['10.00', v] } }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities', { communityId: 'cx', name: 'x', policy: { minimumServiceHours: v } }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities/c1/policies', { policy: { dailyHoursCap: v } }] },
      { refuse: notDates, make: (v) => ['/v1/communities/c1/members/m1/service-records/reported', { recordId: 'r', category: 'culture', serviceDate: v, hours: '1.00', activityHours: '1.00' }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities/c1/members/m1/service-records/reported', { recordId: 'r', category: 'culture', serviceDate: '2026-01-05', hours: v, activityHours: '1.00' }] },
      { refuse: notInstants, make: (v) => ['/v1/communities/c1/members/m1/service-records/checked-in', { recordId: 'r', category: 'culture', checkedInAt: v, checkedOutAt: '2026-01-05T10:00:00Z' }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities/c1/members/m1/grants', { grantId: 'gx', points: v, reason: 'x' }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities/c1/members/m1/transfers', { transferId: 'tx', to: '_pool', points: v }] },
      { refuse: notAmounts, make: (v) => ['/v1/communities/c1/catalogue', { itemId: 'ix', name: 'x', kind: 'goods', pointsCost: v, stock: 1 }] },
      { refuse: notInstants, make: (v) => ['/v1/communities/c1/members/m1/expiry', { asOf: v }] },
    ];
    await fc.assert(
      fc.asyncProperty(
        fc.nat(routes.length - 1).chain((i) => fc.tuple(fc.constant(i), fc.constantFrom(...routes[i]!.refuse), valueArb)),
        async ([route, tricky, other]) => {
          const { make } = routes[route]!;
          const before = await eventCount();
          const [path, body] = make(tricky);
          const refused = await api('POST', path, body);
          expect(refused.status, `${path} ${JSON.stringify(body)} → ${JSON.stringify(refused.body)}`).toBeGreaterThanOrEqual(400);
          expect(refused.status).toBeLessThan(500);
          expect(refused.headers.get('content-type')).toBe('application/problem+json');
          expect(await eventCount()).toBe(before);
          // Any other value: a decision or a refusal, never a fault.
          const [otherPath, otherBody] = make(other);
          const reply = await api('POST', otherPath, otherBody);
          expect(reply.status, `${otherPath} ${JSON.stringify(otherBody)} → ${JSON.stringify(reply.body)}`).toBeLessThan(500);
          if (reply.status >= 400) expect(reply.headers.get('content-type')).toBe('application/problem+json');
        },
      ),
      { numRuns: 150 },
    );
  });

  it('refuses each tricky value on its own, writing nothing', async () => {
    for (const [path, make] of [
      ['/v1/communities', (v: string) => ({ communityId: 'cy', name: 'y', policy: { dailyHoursCap: v } })],
      ['/v1/communities/c1/members/m1/grants', (v: string) => ({ grantId: 'gy', points: v, reason: 'y' })],
    ] as const) {
      for (const value of trickyAmounts) {
        const before = await eventCount();
        const reply = await api('POST', path, make(value));
        expect(reply.status, `${path} ${JSON.stringify(value)}`).toBe(400);
        expect(await eventCount()).toBe(before);
      }
    }
    for (const serviceDate of trickyDates) {
      const reply = await api('POST', '/v1/communities/c1/members/m1/service-records/reported', { recordId: 'ry', category: 'culture', serviceDate, hours: '1.00', activityHours: '1.00' });
      expect(reply.status, serviceDate).toBe(400);
    }
  });

  it('a shop opening: 200 redemptions of one item, 64 in flight, all decided — 30 held, 170 out of stock, none a conflict', async () => {
    await api('POST', '/v1/communities/c1/catalogue', { itemId: 'oil', name: '食用油', kind: 'goods', pointsCost: '1.00', stock: 30 });
    const buyers = Array.from({ length: 200 }, (_, i) => `buyer${i}`);
    for (const b of buyers) {
      await api('POST', '/v1/communities/c1/members', { memberId: b });
      await api('POST', `/v1/communities/c1/members/${b}/grants`, { grantId: 'g', points: '5.00', reason: 'start' });
    }
    const statuses = new Map<number, number>();
    let next = 0;
    await Promise.all(
      Array.from({ length: 64 }, async () => {
        while (next < buyers.length) {
          const b = buyers[next++]!;
          const reply = await api('POST', `/v1/communities/c1/members/${b}/redemptions`, { redemptionId: `open-${b}`, itemId: 'oil' });
          statuses.set(reply.status, (statuses.get(reply.status) ?? 0) + 1);
        }
      }),
    );
    expect(Object.fromEntries(statuses)).toEqual({ 201: 30, 409: 170 });
    const stock = (await api('GET', '/v1/communities/c1/catalogue')).body.items.find((i: { itemId: string }) => i.itemId === 'oil');
    expect(stock).toMatchObject({ reserved: 30, issued: 0 });
    // 409 here is "stock exhausted", a decision — not "conflict".
    const refusal = await api('POST', '/v1/communities/c1/members/buyer0/redemptions', { redemptionId: 'late', itemId: 'oil' });
    expect(refusal.body.code).toBe('stock-exhausted');
  });

  it("a keyed redemption's events carry the key and the request id on every stream, each naming the event that caused it", async () => {
    await api('POST', '/v1/communities/c1/catalogue', { itemId: 'rice', name: '大米', kind: 'goods', pointsCost: '10.00', stock: 5 });
    const requested = await api('POST', '/v1/communities/c1/members/m1/redemptions', { redemptionId: 'keyed', itemId: 'rice' }, { 'idempotency-key': 'redeem-keyed', 'x-request-id': 'req-keyed-1' });
    expect(requested.status).toBe(201);
    const events = (await service.runtime.store.readAll({ maxCount: 10_000 })).filter((e) => e.metadata.correlationId === 'req-keyed-1');
    expect(new Set(events.map((e) => e.streamName))).toEqual(new Set(['redemption-c1-keyed', 'reward-c1-rice', 'member-c1-m1']));
    expect(events.map((e) => e.type)).toEqual(['RedemptionRequested', 'StockReserved', 'PointsHeld', 'RedemptionHeld']);
    for (const e of events) expect(e.metadata.idempotencyKey).toMatch(/redeem-keyed$/);
    // The request caused the first event; each step names the event that decided its phase; the end names the last step.
    expect(events[0]!.metadata.causationId).toBe('req-keyed-1');
    expect(events[1]!.metadata.causationId).toBe(events[0]!.eventId);
    expect(events[2]!.metadata.causationId).toBe(events[0]!.eventId);
    expect(events[3]!.metadata.causationId).toBe(events[2]!.eventId);
    // The repeat is the first answer again, byte for byte.
    const repeated = await api('POST', '/v1/communities/c1/members/m1/redemptions', { redemptionId: 'keyed', itemId: 'rice' }, { 'idempotency-key': 'redeem-keyed' });
    expect(repeated.status).toBe(201);
    expect(repeated.body).toEqual(requested.body);
    expect(repeated.headers.get('idempotent-replayed')).toBe('true');
  });
});
