/**
 * The projections as a reader meets them: statement lines said in Chinese with category and item names
 * (English kept beside), newest first with an opaque cursor; a fold cache that stays within its bound and
 * answers the same as an unbounded one; a commit refused when another writer moved the checkpoint.
 */
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  decodeAccount,
  decodeStatementCursor,
  encodeAccount,
  encodeStatementCursor,
  lotView,
  type ExecuteResult,
  InMemoryEventStore,
  InMemoryProjectionStore,
  Ledger,
  ManualClock,
  msPerDay,
  outstandingAtMonthEnds,
  ProjectionCheckpointMoved,
  projectionVersion,
  ReadModels,
  WeightedLru,
} from '../src/index.js';

const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const must = (result: ExecuteResult) => {
  if (!result.ok) throw new Error(result.error.message);
  return result.value;
};

async function aDayAtTheShop() {
  const store = new InMemoryEventStore();
  const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
  const ledger = new Ledger({ store, clock });
  const run = async (command: Parameters<Ledger['execute']>[0]) => must(await ledger.execute(command, { actor: admin }));
  await run({ type: 'RegisterCommunity', communityId: 'c1', name: '阳光社区', policy: { categoryMultipliers: { 'elder-care': '2' }, expiry: { kind: 'months-after-accrual', months: 1 } } });
  for (const memberId of ['m1', 'm2']) await run({ type: 'RegisterMember', communityId: 'c1', memberId });
  await run({ type: 'ReportHours', communityId: 'c1', memberId: 'm1', recordId: 'r1', category: 'elder-care', serviceDate: '2026-04-30', hours: '2', activityHours: '2' });
  await run({ type: 'ApproveService', communityId: 'c1', memberId: 'm1', recordId: 'r1' });
  await run({ type: 'RecordCheckedInHours', communityId: 'c1', memberId: 'm1', recordId: 'r2', category: 'safety', checkedInAt: '2026-05-01T00:00:00Z', checkedOutAt: '2026-05-01T01:00:00Z' });
  await run({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g1', points: '5', reason: '重阳节敬老' });
  await run({ type: 'ListItem', communityId: 'c1', itemId: 'rice', name: '大米 5kg', kind: 'goods', pointsCost: '20', stock: 5 });
  await run({ type: 'ListItem', communityId: 'c1', itemId: 'haircut', name: '理发', kind: 'service', pointsCost: '4', serviceHours: '0.50', serviceCategory: 'culture' });
  await run({ type: 'RequestRedemption', communityId: 'c1', memberId: 'm1', redemptionId: 'red1', itemId: 'rice' });
  await run({ type: 'FulfilRedemption', communityId: 'c1', redemptionId: 'red1' });
  await run({ type: 'RequestRedemption', communityId: 'c1', memberId: 'm1', redemptionId: 'red2', itemId: 'rice' });
  await run({ type: 'CancelRedemption', communityId: 'c1', redemptionId: 'red2' });
  await run({ type: 'RequestRedemption', communityId: 'c1', memberId: 'm1', redemptionId: 'red3', itemId: 'haircut' });
  await run({ type: 'FulfilRedemption', communityId: 'c1', redemptionId: 'red3', volunteerId: 'm2' });
  await run({ type: 'RequestTransfer', communityId: 'c1', memberId: 'm1', transferId: 't1', to: 'm2', points: '5' });
  await run({ type: 'RequestTransfer', communityId: 'c1', memberId: 'm1', transferId: 't2', to: '_pool', points: '3', reason: 'donation' });
  await run({ type: 'ReverseService', communityId: 'c1', memberId: 'm1', recordId: 'r2', reason: '重复登记' });
  clock.advance(40 * msPerDay);
  await run({ type: 'ExpirePoints', communityId: 'c1', memberId: 'm1', asOf: clock.now().toISOString() });
  return { store, clock, ledger };
}

describe('statement lines', () => {
  it('say what happened in Chinese, with category and item names, and keep the English beside', async () => {
    const { store } = await aDayAtTheShop();
    const models = await new ReadModels(store).open();
    const page = await models.statement('c1', 'm1', { order: 'oldest', limit: 50 });
    if (!page.ok || !page.value) throw new Error('no statement');
    expect(page.value.entries.map((e) => [e.amount, e.description])).toEqual([
      ['40.00', '助老服务 荣誉时长 2.00 小时，审核通过（每小时 10 积分 × 2）'],
      ['10.00', '平安巡逻 信用时长 1.00 小时，签到时长自动确认（每小时 10 积分）'],
      ['5.00', '积分奖励：重阳节敬老'],
      ['0.00', '兑换「大米 5kg」，冻结 20.00 积分'],
      ['-20.00', '兑换「大米 5kg」，已领取'],
      ['0.00', '兑换「大米 5kg」，冻结 20.00 积分'],
      ['0.00', '兑换「大米 5kg」已取消，解冻 20.00 积分'],
      ['0.00', '兑换服务「理发」，冻结 4.00 积分'],
      ['-4.00', '兑换服务「理发」，服务已完成'],
      ['-5.00', '转赠给 m2'],
      ['-3.00', '捐赠给爱心积分池'],
      ['-10.00', '平安巡逻 1.00 小时（2026-05-01）撤销，追回积分，原因：重复登记'],
      ['-13.00', '2026-05-01 获得的积分到期（到期日 2026-06-01）'],
    ]);
    expect(page.value.entries[0]!.descriptionEn).toBe('2.00 h of elder-care (honour hours, record r1, policy v1)');
    expect(page.value.entries.at(-1)!.runningBalance).toBe('0.00');
    const received = await models.statement('c1', 'm2', { order: 'oldest' });
    expect(received.ok && received.value!.entries.map((e) => e.description)).toContain('收到 m1 的转赠');
    const pool = await models.statement('c1', '_pool', { order: 'oldest' });
    expect(pool.ok && pool.value!.entries.map((e) => e.description)).toEqual(['收到 m1 的捐赠']);
  });

  it('come newest first by default, page back with an opaque cursor, and refuse a cursor of the other order', async () => {
    const { store } = await aDayAtTheShop();
    const models = await new ReadModels(store).open();
    const seen: number[] = [];
    let cursor: string | undefined;
    do {
      const page = await models.statement('c1', 'm1', { limit: 4, ...(cursor === undefined ? {} : { cursor }) });
      if (!page.ok || !page.value) throw new Error('no page');
      expect(page.value.order).toBe('newest');
      seen.push(...page.value.entries.map((e) => e.seq));
      cursor = page.value.nextCursor ?? undefined;
      // Opaque: not the seq it continues after.
      if (cursor !== undefined) expect(cursor).not.toBe(String(page.value.entries.at(-1)!.seq));
    } while (cursor !== undefined);
    expect(seen).toEqual([12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0]);

    const newest = encodeStatementCursor('newest', 9);
    expect(decodeStatementCursor(newest, 'newest')).toEqual({ ok: true, value: 9 });
    const wrongOrder = decodeStatementCursor(newest, 'oldest');
    expect(wrongOrder.ok ? 'accepted' : wrongOrder.error.message).toMatch(/read newest first, not oldest first; send order=newest/);
    for (const bad of ['', '9', 'not a cursor', encodeStatementCursor('newest', 9).slice(0, -2), btoa('st1:newest:-1')]) {
      const decoded = decodeStatementCursor(bad, 'newest');
      expect(decoded.ok ? `accepted ${bad}` : decoded.error.code).toBe('validation');
    }
    expect(await models.statement('c1', 'nobody')).toEqual({ ok: true, value: null });
  });
});

describe('account rows', () => {
  it('keep lots as compact tuples, and still read rows that kept them as objects (written before)', async () => {
    const { store, clock, ledger } = await aDayAtTheShop();
    for (const grantId of ['g2', 'g3']) must(await ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'm2', grantId, points: '2.5', reason: '敬老' }, { actor: admin }));
    must(await ledger.execute({ type: 'RequestTransfer', communityId: 'c1', memberId: 'm2', transferId: 't3', to: 'm1', points: '3' }, { actor: admin }));
    const models = new ReadModels(store);
    await models.open();
    const row = await models.projections.account('c1', 'm2');
    const entry = decodeAccount(row!);
    expect(entry.state.lots.size).toBeGreaterThan(1);
    const payload = JSON.parse(row!.payload) as { lots: unknown[] };
    expect(payload.lots.every((lot) => Array.isArray(lot))).toBe(true);
    // The same row as an older version wrote it: each lot an object of decimal strings.
    const older = { ...row!, payload: JSON.stringify({ ...payload, lots: [...entry.state.lots.values()].map(lotView) }) };
    const decodedOlder = decodeAccount(older);
    expect(decodedOlder).toEqual(entry);
    expect(encodeAccount(decodedOlder)).toEqual(row);
    expect((await models.account('c1', 'm2', clock.now()))?.lots.length).toBe(entry.state.lots.size);
  });
});

describe('the fold cache', () => {
  it('evicts the least recently used entries to stay within its weight', () => {
    const lru = new WeightedLru<string>(10);
    lru.set('a', 'A', 4);
    lru.set('b', 'B', 4);
    expect(lru.get('a')).toBe('A');
    lru.set('c', 'C', 4);
    expect([lru.get('a'), lru.get('b'), lru.get('c')]).toEqual(['A', undefined, 'C']);
    expect(lru.weight).toBeLessThanOrEqual(10);
    lru.set('huge', 'H', 11);
    expect(lru.get('huge')).toBeUndefined();
    expect(lru.weight).toBe(8);
  });

  it('stays within maxCacheWeight over a long history, and answers exactly as an unbounded one', async () => {
    const store = new InMemoryEventStore();
    const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
    const ledger = new Ledger({ store, clock });
    must(await ledger.execute({ type: 'RegisterCommunity', communityId: 'c1', name: 'c' }, { actor: admin }));
    const memberIds = Array.from({ length: 60 }, (_, i) => `m${i}`);
    for (const memberId of memberIds) must(await ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId }, { actor: admin }));
    for (let round = 0; round < 5; round += 1) {
      for (const memberId of memberIds) {
        must(await ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId, grantId: `g${round}`, points: '3', reason: 'r' }, { actor: admin }));
      }
    }
    const maxCacheWeight = 8_000;
    const bounded = new ReadModels(store, { maxCacheWeight, pageSize: 50 });
    let peak = 0;
    const watched = new ReadModels(store, { maxCacheWeight, pageSize: 50, onFolded: () => (peak = Math.max(peak, watched.cacheStats().weight)) });
    await watched.open();
    await bounded.open();
    const unbounded = await new ReadModels(store, { maxCacheWeight: 1e12 }).open();
    expect(peak).toBeGreaterThan(maxCacheWeight / 2);
    expect(peak).toBeLessThanOrEqual(maxCacheWeight);
    expect(unbounded.cacheStats().weight).toBeGreaterThan(maxCacheWeight);
    for (const memberId of memberIds) expect(await bounded.account('c1', memberId, clock.now())).toEqual(await unbounded.account('c1', memberId, clock.now()));
    expect(await bounded.trialBalance('c1')).toEqual(await unbounded.trialBalance('c1'));
  });
});

describe('one projection, two writers', () => {
  it('a commit from a checkpoint another writer has moved is refused and changes nothing', async () => {
    const projections = new InMemoryProjectionStore();
    const empty = { streams: [], communities: [], accounts: [], records: [], statementLines: [], items: [], redemptions: [], transfers: [], inTransitPut: [], inTransitDelete: [], dayTotals: [], hoursByCategory: [], memberHours: [], activeMembers: [], redemptionsByItem: [], trialBalance: [], outstanding: [], outstandingByMonth: [], processes: [], activityMembers: [], serviceDays: [], ratings: [] };
    await projections.commit(empty, { position: 5n, eventsFolded: 5, version: projectionVersion }, null);
    await expect(projections.commit({ ...empty, trialBalance: [{ communityId: 'c1', account: 'issuance', amount: -100n }] }, { position: 9n, eventsFolded: 9, version: projectionVersion }, 3n)).rejects.toBeInstanceOf(
      ProjectionCheckpointMoved,
    );
    expect(await projections.readCheckpoint()).toMatchObject({ position: 5n });
    expect(await projections.trialBalance('c1')).toEqual([]);
  });

  it('two read models folding into one store in turns end where a single rebuild ends', async () => {
    const { store, clock } = await aDayAtTheShop();
    const shared = new InMemoryProjectionStore();
    const a = new ReadModels(store, { projections: shared, pageSize: 3 });
    const b = new ReadModels(store, { projections: shared, pageSize: 5 });
    await Promise.all([a.open(), b.open()]);
    await a.catchUp();
    await b.catchUp();
    const single = await new ReadModels(store).open();
    expect(a.checkpoint).toBe(single.checkpoint);
    expect(b.checkpoint).toBe(single.checkpoint);
    for (const memberId of ['m1', 'm2', '_pool']) {
      const lines = async (m: ReadModels) => {
        const page = await m.statement('c1', memberId, { order: 'oldest', limit: 500 });
        return page.ok ? page.value : page.error;
      };
      expect(await lines(b)).toEqual(await lines(single));
      expect(await b.account('c1', memberId, clock.now())).toEqual(await single.account('c1', memberId, clock.now()));
    }
  });
});

describe('outstanding points at month ends', () => {
  const deltas = [
    { month: '2026-03', amount: -250n },
    { month: '2026-01', amount: 1000n },
    { month: '2026-05', amount: 75n },
  ];
  it('is the running sum of every delta up to and including the month, months before the period counted', () => {
    expect(outstandingAtMonthEnds(deltas, ['2025-12', '2026-02', '2026-03', '2026-04', '2026-05', '2026-09'])).toEqual([
      { month: '2025-12', outstanding: '0.00' },
      { month: '2026-02', outstanding: '10.00' },
      { month: '2026-03', outstanding: '7.50' },
      { month: '2026-04', outstanding: '7.50' },
      { month: '2026-05', outstanding: '8.25' },
      { month: '2026-09', outstanding: '8.25' },
    ]);
  });
  it('is zero everywhere with no deltas', () => {
    expect(outstandingAtMonthEnds([], ['2026-01'])).toEqual([{ month: '2026-01', outstanding: '0.00' }]);
  });
});
