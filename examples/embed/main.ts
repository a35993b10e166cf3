/**
 * Embedding the ledger in an app: the library with its in-memory store, a community with a small pilot
 * policy, an organiser, two residents; hours checked in (approved by the policy at once) and reported
 * (approved by the organiser), a grant, a refused self-approval; then balances and levels.
 *
 *   pnpm example:embed
 *
 * Swap InMemoryEventStore for the SQLite or EventStoreDB adapter and nothing else changes.
 */
import { type Actor, type ExecuteResult, InMemoryEventStore, Ledger, type LedgerCommandInput, ManualClock } from '@volunteer-ledger/core';

const store = new InMemoryEventStore();
// A manual clock keeps the example's output the same on every run; an app passes none (the system clock).
const clock = new ManualClock(new Date('2026-03-02T10:00:00.000Z'));
const ledger = new Ledger({ store, clock });

const admin: Actor = { id: 'street-office', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'li', role: 'organiser', communityId: 'sunshine' };

async function run(command: LedgerCommandInput, actor: Actor): Promise<ExecuteResult> {
  return ledger.execute(command, { actor });
}

async function must(command: LedgerCommandInput, actor: Actor): Promise<void> {
  const result = await run(command, actor);
  if (!result.ok) throw new Error(`${command.type} refused: ${result.error.message}`);
}

async function pointsOf(memberId: string): Promise<string> {
  return (await ledger.member('sunshine', memberId)).state.balance.toString();
}

const community = { communityId: 'sunshine' };

await must(
  {
    type: 'RegisterCommunity',
    ...community,
    name: '阳光社区',
    timeZone: 'Asia/Shanghai',
    // A pilot: 10 points an hour, safety patrols count ×1.5, levels after 2, 5 and 10 hours.
    policy: { basePointsPerHour: '10', categoryMultipliers: { safety: '1.5' }, levelThresholdsHours: ['2', '5', '10'] },
  },
  admin,
);
await must({ type: 'AppointOrganiser', ...community, memberId: 'li' }, admin);
console.log('registered community sunshine (阳光社区, Asia/Shanghai) with organiser li');

for (const [memberId, name] of [['wang', '王阿姨'], ['zhang', '张师傅'], ['li', '李老师']] as const) {
  await must({ type: 'RegisterMember', ...community, memberId, profile: { name } }, organiser);
}
console.log('registered members wang, zhang, li (names sealed, never stored in clear)');

// 签到时长: measured by sign-in and sign-out, approved at once by the default policy.
await must(
  { type: 'RecordCheckedInHours', ...community, memberId: 'wang', recordId: 'w-1', category: 'elder-care', checkedInAt: '2026-03-02T01:00:00Z', checkedOutAt: '2026-03-02T03:30:00Z' },
  organiser,
);
console.log(`wang: checked in 2.50 h of elder-care, approved automatically → ${await pointsOf('wang')} points`);

await must(
  { type: 'RecordCheckedInHours', ...community, memberId: 'zhang', recordId: 'z-1', category: 'safety', checkedInAt: '2026-03-01T12:00:00Z', checkedOutAt: '2026-03-01T16:00:00Z' },
  organiser,
);
console.log(`zhang: checked in 4.00 h of safety patrol (×1.5), approved automatically → ${await pointsOf('zhang')} points`);

// 补录时长: reported afterwards, waits for an organiser who is not the member.
await must({ type: 'ReportHours', ...community, memberId: 'zhang', recordId: 'z-2', category: 'culture', serviceDate: '2026-02-28', hours: '1.5', activityHours: '2' }, { id: 'zhang', role: 'member', communityId: 'sunshine' });
await must({ type: 'ApproveService', ...community, memberId: 'zhang', recordId: 'z-2' }, organiser);
console.log(`zhang: reported 1.50 h of culture, approved by li → ${await pointsOf('zhang')} points`);

await must({ type: 'ReportHours', ...community, memberId: 'li', recordId: 'l-1', category: 'mediation', serviceDate: '2026-03-01', hours: '2', activityHours: '2' }, organiser);
const self = await run({ type: 'ApproveService', ...community, memberId: 'li', recordId: 'l-1' }, organiser);
console.log(`li: approving her own record is refused: ${self.ok ? 'accepted?!' : self.error.code}`);

await must({ type: 'GrantPoints', ...community, memberId: 'wang', grantId: 'spring-festival', points: '20.00', reason: 'Spring Festival volunteers' }, admin);
console.log(`wang: granted 20.00 points for the Spring Festival → ${await pointsOf('wang')} points`);

console.log('');
console.log('member  balance  hours  level');
for (const memberId of ['wang', 'zhang', 'li']) {
  const { state } = await ledger.member('sunshine', memberId);
  console.log(`${memberId.padEnd(6)} ${state.balance.toString().padStart(8)} ${state.hoursTotal.toString().padStart(6)} ${String(state.level).padStart(6)}`);
}
const events = await store.readAll({ maxCount: 10_000 });
console.log(`\n${events.length} events in the store`);
