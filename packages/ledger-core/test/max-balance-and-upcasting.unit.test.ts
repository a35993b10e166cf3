/** DESIGN §5 maximum balance (refuse / route the excess to the pool), and the event upcasting hook. */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  EventRegistry,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  ReadModels,
  defineEvent,
  donationPoolId,
} from '../src/index.js';

const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };

async function community(overflow: 'refuse' | 'donate') {
  const store = new InMemoryEventStore();
  const ledger = new Ledger({ store, clock: new ManualClock(new Date('2026-03-01T00:00:00Z')) });
  await ledger.execute({ type: 'RegisterCommunity', communityId: 'c1', name: 'c', policy: { maxBalance: { points: '50', overflow } } }, { actor: admin });
  await ledger.execute({ type: 'RegisterMember', communityId: 'c1', memberId: 'm1' }, { actor: admin });
  return { store, ledger };
}

describe('maximum balance (time banks cap storage)', () => {
  it("'refuse': an accrual that would pass the cap is refused and nothing changes", async () => {
    const { ledger } = await community('refuse');
    expect((await ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g1', points: '40', reason: 'r' }, { actor: admin })).ok).toBe(true);
    const over = await ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g2', points: '20', reason: 'r' }, { actor: admin });
    expect(over.ok ? 'accepted' : over.error.code).toBe('max-balance-exceeded');
    expect((await ledger.member('c1', 'm1')).state.balance.toString()).toBe('40.00');
  });

  it("'donate': the excess goes on to the donation pool at once, and the books still balance", async () => {
    const { store, ledger } = await community('donate');
    expect((await ledger.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g1', points: '80', reason: 'r' }, { actor: admin })).ok).toBe(true);
    expect((await ledger.member('c1', 'm1')).state.balance.toString()).toBe('50.00');
    expect((await ledger.member('c1', donationPoolId)).state.balance.toString()).toBe('30.00');
    expect((await ledger.transfer('c1', 'overflow-grant:g1')).status).toBe('completed');
    const models = await new ReadModels(store).open();
    expect((await models.trialBalance('c1'))!.total).toBe('0.00');
  });
});

describe('upcasting: stored events of an older schema version are lifted before they are read', () => {
  const v2 = defineEvent('ThingHappened', z.object({ amount: z.string(), unit: z.literal('points') }), {
    schemaVersion: 2,
    upcasters: { 1: (data) => ({ amount: String(data['points']), unit: 'points' }) },
  });
  const registry = new EventRegistry([v2]);
  const stored = { type: 'ThingHappened', streamName: 's', revision: 0 };

  it('lifts v1 data through the upcaster, then validates it as v2', () => {
    expect(registry.decode({ ...stored, schemaVersion: 1, data: { points: '5.00' } }).data).toEqual({ amount: '5.00', unit: 'points' });
  });

  it('refuses data newer than this library reads, and malformed data', () => {
    expect(() => registry.decode({ ...stored, schemaVersion: 3, data: {} })).toThrow(/newer than this ledger reads/);
    expect(() => registry.decode({ ...stored, schemaVersion: 2, data: { amount: 5 } })).toThrow(/malformed/);
  });
});
