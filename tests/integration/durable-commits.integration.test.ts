/**
 * Issue 10: a person waits for one durable commit per phase. On SQLite, a redemption's request (four appends on
 * three streams) and its fulfilment (four more) each cost one synced commit: the steps are deferred and the
 * phase's last record makes them durable with it. A keyed command's claim rides along the same way.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { type Actor, Ledger, ManualClock } from '@volunteer-ledger/core';
import { SqliteEventStore } from '@volunteer-ledger/store-sqlite';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId: C };

describe('durable commits per phase on SQLite', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-commits-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('one synced commit for a redemption request, one for its fulfilment, one for a keyed accrual', async () => {
    const store = SqliteEventStore.open(join(dir, 'ledger.sqlite'));
    const ledger = new Ledger({ store, clock: new ManualClock(new Date('2026-05-01T02:00:00Z')) });
    const run = async (command: Parameters<Ledger['execute']>[0], actor: Actor, idempotencyKey?: string) => {
      const before = store.stats().syncedCommits;
      const result = await ledger.execute(command, { actor, ...(idempotencyKey ? { idempotencyKey } : {}) });
      if (!result.ok) throw new Error(result.error.message);
      return { synced: store.stats().syncedCommits - before, appended: result.value.events.length };
    };
    await run({ type: 'RegisterCommunity', communityId: C, name: 'c' }, admin);
    await run({ type: 'AppointOrganiser', communityId: C, memberId: 'org' }, admin);
    await run({ type: 'RegisterMember', communityId: C, memberId: 'm1' }, organiser);
    await run({ type: 'ListItem', communityId: C, itemId: 'rice', name: '大米', kind: 'goods', pointsCost: '30', stock: 5 }, organiser);
    expect(await run({ type: 'GrantPoints', communityId: C, memberId: 'm1', grantId: 'g1', points: '100', reason: 'start' }, admin, 'grant-g1')).toEqual({ synced: 1, appended: 1 });
    expect(await run({ type: 'RequestRedemption', communityId: C, memberId: 'm1', redemptionId: 'r1', itemId: 'rice' }, { id: 'm1', role: 'member', communityId: C })).toEqual({ synced: 1, appended: 4 });
    expect(await run({ type: 'FulfilRedemption', communityId: C, redemptionId: 'r1' }, organiser)).toEqual({ synced: 1, appended: 4 });
    // A keyed process keeps its outcome record durably too: its repeat must answer with the same body even after a crash.
    expect(await run({ type: 'RequestRedemption', communityId: C, memberId: 'm1', redemptionId: 'r2', itemId: 'rice' }, { id: 'm1', role: 'member', communityId: C }, 'r2')).toEqual({ synced: 2, appended: 4 });
    await store.close();
  });
});
