/**
 * A command sent again without an Idempotency-Key gets the first answer when the first did it (issue 12,
 * pipeline/repeats.ts) — and nothing else: a changed command with the same ids is refused as what it is, a
 * first attempt that was refused is decided afresh, a command that may rightly happen again happens again,
 * and a workflow's steps never borrow the caller's fingerprint (a refused step must stay refused).
 */
import { describe, expect, it } from 'vitest';
import { createTestLedger, mustOk } from '../src/testing/index.js';
import type { Actor } from '../src/events.js';

const report = { type: 'ReportHours', communityId: 'c1', memberId: 'm1', recordId: 'r1', category: 'elder-care', serviceDate: '2026-02-27', hours: '2.00', activityHours: '2.00' } as const;

describe('a repeated command without a key', () => {
  it('gets the first answer, event for event', async () => {
    const t = await createTestLedger();
    const first = mustOk(await t.execute(report));
    const again = mustOk(await t.execute(report));
    expect({ ...again, replayed: false }).toEqual(first);
    expect(again.replayed).toBe(true);
    expect((await t.store.readStream(t.memberStream('m1'))).filter((e) => e.type === 'ServiceRecorded')).toHaveLength(1);
  });

  it('from someone else is theirs, refused on its own merits', async () => {
    const t = await createTestLedger();
    mustOk(await t.execute(report, t.organisers[0]));
    const other = await t.execute(report, t.organisers[1]);
    expect(other.ok ? null : other.error.code).toBe('already-exists');
  });

  it('with other data under the same id is refused as already existing', async () => {
    const t = await createTestLedger();
    mustOk(await t.execute(report));
    const changed = await t.execute({ ...report, hours: '3.00' });
    expect(changed.ok ? null : changed.error.code).toBe('already-exists');
  });

  it('registering a member again with other personal data is refused, with the same data answered as the first', async () => {
    const t = await createTestLedger();
    const register = { type: 'RegisterMember', communityId: 'c1', memberId: 'zw', profile: { name: '张伟', phone: '13800000000' } } as const;
    const first = mustOk(await t.execute(register, t.admin));
    expect(mustOk(await t.execute(register, t.admin)).events).toEqual(first.events);
    const other = await t.execute({ ...register, profile: { name: '张伟', phone: '13900000000' } }, t.admin);
    expect(other.ok ? null : other.error.code).toBe('already-exists');
  });

  it('after a refused first attempt is decided afresh, and then done', async () => {
    const t = await createTestLedger();
    mustOk(await t.execute({ type: 'ListItem', communityId: 'c1', itemId: 'rice', name: '大米 5kg', kind: 'goods', pointsCost: '20', stock: 5 }, t.admin));
    const redeem = { type: 'RequestRedemption', communityId: 'c1', memberId: 'm1', redemptionId: 'red1', itemId: 'rice' } as const;
    const refused = await t.execute(redeem);
    expect(refused.ok ? null : refused.error.code).toBe('insufficient-points');
    mustOk(await t.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g1', points: '30.00', reason: 'seed' }, t.admin));
    const done = mustOk(await t.execute(redeem));
    expect(done.events.map((e) => e.type)).toContain('RedemptionRequested');
    // …and its repeat is that answer exactly, events of every stream it touched included.
    expect({ ...mustOk(await t.execute(redeem)), replayed: false }).toEqual(done);
    expect((await t.ledger.account('c1', 'm1')).held.toString()).toBe('20.00');
  });

  it('that may rightly happen again happens again (a category re-added after it was retired)', async () => {
    const t = await createTestLedger();
    const add = { type: 'AddCategory', communityId: 'c1', categoryId: 'tutoring', name: '课业辅导' } as const;
    const first = mustOk(await t.execute(add, t.admin));
    mustOk(await t.execute({ type: 'RetireCategory', communityId: 'c1', categoryId: 'tutoring' }, t.admin));
    const again = mustOk(await t.execute(add, t.admin));
    expect(again.replayed).toBe(false);
    expect(again.revision).toBeGreaterThan(first.revision as number);
  });

  it('signing up again after withdrawing signs up again; the same sign-up sent twice is answered as the first', async () => {
    const t = await createTestLedger();
    const m1: Actor = { id: 'm1', role: 'member', communityId: 'c1' };
    mustOk(await t.execute({ type: 'PublishActivity', communityId: 'c1', activityId: 'a1', title: '健康义诊', category: 'public-health', startsAt: '2026-03-05T01:00:00.000Z', endsAt: '2026-03-05T03:00:00.000Z', place: '社区活动室', capacity: 5 }));
    const signUp = { type: 'SignUpForActivity', communityId: 'c1', activityId: 'a1', memberId: 'm1' } as const;
    const first = mustOk(await t.execute(signUp, m1));
    expect({ ...mustOk(await t.execute(signUp, m1)), replayed: false }).toEqual(first);
    mustOk(await t.execute({ type: 'WithdrawFromActivity', communityId: 'c1', activityId: 'a1', memberId: 'm1' }, m1));
    const again = mustOk(await t.execute(signUp, m1));
    expect(again.replayed).toBe(false);
    expect(again.events.length).toBeGreaterThan(0);
    expect((await t.ledger.fresh.activity('c1', 'a1')).seats.has('m1')).toBe(true);
  });

  it("leaves the workflow's steps without the caller's fingerprint", async () => {
    const t = await createTestLedger();
    mustOk(await t.execute({ type: 'GrantPoints', communityId: 'c1', memberId: 'm1', grantId: 'g1', points: '30.00', reason: 'seed' }, t.admin));
    const m1: Actor = { id: 'm1', role: 'member', communityId: 'c1' };
    mustOk(await t.execute({ type: 'RequestTransfer', communityId: 'c1', memberId: 'm1', transferId: 't1', to: 'm2', points: '5.00' }, m1));
    const memberEvents = [...(await t.store.readStream(t.memberStream('m1'))), ...(await t.store.readStream(t.memberStream('m2')))];
    const steps = memberEvents.filter((e) => e.type !== 'MemberRegistered' && e.type !== 'PointsAccrued');
    expect(steps.length).toBeGreaterThan(0);
    for (const e of steps) expect(e.metadata.commandFingerprint).toBeUndefined();
    const processEvents = await t.store.readStream('transfer-c1-t1');
    for (const e of processEvents) expect(e.metadata.commandFingerprint).toMatch(/^fp1:[0-9a-f]{16}$/);
  });
});
