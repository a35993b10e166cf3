/** ExecuteOptions.expectedRevision (the HTTP If-Match) and the append signal's listener hygiene. */
import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { AppendSignal, type Actor, InMemoryEventStore, Ledger, ManualClock, streamNames } from '../src/index.js';

const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };

async function ledgerWithMember() {
  const store = new InMemoryEventStore();
  const ledger = new Ledger({ store, clock: new ManualClock(new Date('2026-03-01T00:00:00Z')) });
  await ledger.execute({ type: 'RegisterCommunity', communityId: 'c1', name: 'c' }, { actor: admin });
  await ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId: 'm1' }, { actor: admin });
  return { store, ledger };
}

const grant = (grantId: string) => ({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId, points: '5', reason: 'r' }) as const;

describe('expectedRevision: decide only at the revision the caller saw', () => {
  it('refuses with precondition-failed and appends nothing when the account moved on', async () => {
    const { store, ledger } = await ledgerWithMember();
    const seen = (await ledger.member('c1', 'm1')).revision;
    expect((await ledger.execute(grant('g1'), { actor: admin })).ok).toBe(true);
    const before = (await store.readStream(streamNames.member('c1', 'm1'))).length;
    const stale = await ledger.execute(grant('g2'), { actor: admin, expectedRevision: seen });
    expect(stale.ok ? 'accepted' : stale.error.code).toBe('precondition-failed');
    expect((await store.readStream(streamNames.member('c1', 'm1'))).length).toBe(before);
    const current = (await ledger.member('c1', 'm1')).revision;
    expect((await ledger.execute(grant('g2'), { actor: admin, expectedRevision: current })).ok).toBe(true);
  });

  it('of two ledgers deciding at the same revision at once, exactly one lands', async () => {
    const { store, ledger } = await ledgerWithMember();
    const other = new Ledger({ store, clock: new ManualClock(new Date('2026-03-01T00:00:00Z')) });
    const revision = (await ledger.member('c1', 'm1')).revision;
    await other.member('c1', 'm1');
    const results = await Promise.all([
      ledger.execute(grant('a'), { actor: admin, expectedRevision: revision }),
      other.execute(grant('b'), { actor: admin, expectedRevision: revision }),
    ]);
    expect(results.map((r) => (r.ok ? 'ok' : r.error.code)).sort()).toEqual(['ok', 'precondition-failed']);
  });
});

describe('AppendSignal', () => {
  it('leaves no abort listener behind once a wait ends, however many waits a subscription makes', async () => {
    const signal = new AppendSignal();
    const stop = new AbortController();
    for (let i = 0; i < 50; i += 1) {
      const waiting = signal.wait(stop.signal);
      signal.notify();
      await waiting;
    }
    expect(getEventListeners(stop.signal, 'abort')).toHaveLength(0);
  });
});

describe('event ids', () => {
  it('are ULIDs (26 Crockford base32 characters), unique and increasing in append order', async () => {
    const { store, ledger } = await ledgerWithMember();
    for (let i = 0; i < 300; i += 1) await ledger.execute(grant(`g${i}`), { actor: admin });
    const ids = (await store.readAll({ maxCount: 10_000 })).map((e) => e.eventId);
    for (const id of ids) expect(id).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
  });
});
