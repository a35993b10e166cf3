/**
 * A day at the community rewards shop (积分超市), embedding the ledger with the in-memory store:
 * volunteers earn points for their hours, residents redeem rice and a haircut given by another volunteer
 * (the time bank), someone donates to the pool, a gift goes to a neighbour, and months later an expiry
 * run takes what was never spent. Prints a resident's statement as they read it (newest first, in Chinese)
 * and ends with the trial balance: every account, summing to zero.
 *
 * Run it: pnpm example:shop-day
 */
import {
  type Actor,
  type ExecuteResult,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  ReadModels,
  expireDue,
} from '@volunteer-ledger/core';

const clock = new ManualClock(new Date('2026-06-06T00:30:00Z')); // 08:30 in Shanghai
const store = new InMemoryEventStore();
const ledger = new Ledger({ store, clock });
const community = 'sunshine';
const platform: Actor = { id: 'platform-admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'wang-organiser', role: 'organiser', communityId: community };
const resident = (id: string): Actor => ({ id, role: 'member', communityId: community });

async function run(what: string, result: Promise<ExecuteResult>): Promise<void> {
  const r = await result;
  console.log(r.ok ? `✔ ${what}` : `✘ ${what}: ${r.error.message}`);
}

await run(
  'register 阳光社区 with points that expire 6 months after they are earned',
  ledger.execute({ type: 'RegisterCommunity', communityId: community, name: '阳光社区', policy: { expiry: { kind: 'months-after-accrual', months: 6 } } }, { actor: platform }),
);
await run('appoint organiser 王', ledger.execute({ type: 'AppointOrganiser', communityId: community, memberId: 'wang-organiser' }, { actor: platform }));
for (const [memberId, household] of [['li', 'h1'], ['zhang', 'h2'], ['chen', 'h2'], ['zhao', 'h3']] as const) {
  await run(`register ${memberId}`, ledger.execute({ type: 'RegisterMember', communityId: community, memberId, householdId: household }, { actor: organiser }));
}
await run('list rice (50 points, 10 bags, 1 per member a month)', ledger.execute({ type: 'ListItem', communityId: community, itemId: 'rice', name: '大米 5kg', kind: 'goods', pointsCost: '50', stock: 10, limitPerMember: { count: 1, period: 'month' } }, { actor: organiser }));
await run('list a haircut given by a volunteer (15 points, 0.5 h)', ledger.execute({ type: 'ListItem', communityId: community, itemId: 'haircut', name: '理发', kind: 'service', pointsCost: '15', serviceHours: '0.50', serviceCategory: 'elder-care' }, { actor: organiser }));

// Morning: volunteers sign in and out of activities; the policy approves checked-in hours at once.
const served = [
  ['li', 'elder-care', '2026-06-05T23:00:00Z', '2026-06-06T05:00:00Z'],
  ['zhang', 'safety', '2026-06-05T23:30:00Z', '2026-06-06T02:30:00Z'],
  ['chen', 'environment', '2026-06-06T00:00:00Z', '2026-06-06T02:00:00Z'],
] as const;
clock.set('2026-06-06T06:00:00Z');
for (const [memberId, category, checkedInAt, checkedOutAt] of served) {
  await run(
    `${memberId} served ${category}`,
    ledger.execute({ type: 'RecordCheckedInHours', communityId: community, memberId, recordId: `${memberId}-0606`, category, checkedInAt, checkedOutAt }, { actor: organiser }),
  );
}

// Afternoon at the shop.
await run('li redeems a bag of rice', ledger.execute({ type: 'RequestRedemption', communityId: community, memberId: 'li', redemptionId: 'rice-li-0606', itemId: 'rice' }, { actor: resident('li') }));
await run('the organiser hands it over', ledger.execute({ type: 'FulfilRedemption', communityId: community, redemptionId: 'rice-li-0606' }, { actor: organiser }));
await run('li tries a second bag this month', ledger.execute({ type: 'RequestRedemption', communityId: community, memberId: 'li', redemptionId: 'rice-li-0606b', itemId: 'rice' }, { actor: resident('li') }));
await run('zhang redeems a haircut', ledger.execute({ type: 'RequestRedemption', communityId: community, memberId: 'zhang', redemptionId: 'cut-zhang', itemId: 'haircut' }, { actor: resident('zhang') }));
await run('chen gives the haircut (and earns service hours for it)', ledger.execute({ type: 'FulfilRedemption', communityId: community, redemptionId: 'cut-zhang', volunteerId: 'chen' }, { actor: organiser }));
await run('the organiser approves chen\'s half hour of haircut', ledger.execute({ type: 'ApproveService', communityId: community, memberId: 'chen', recordId: 'redemption.cut-zhang' }, { actor: organiser }));
await run('zhao (no points yet) tries to redeem rice', ledger.execute({ type: 'RequestRedemption', communityId: community, memberId: 'zhao', redemptionId: 'rice-zhao', itemId: 'rice' }, { actor: resident('zhao') }));
await run('li donates 5 points to the community pool (爱心积分池)', ledger.execute({ type: 'RequestTransfer', communityId: community, memberId: 'li', transferId: 'donation-li-1', to: '_pool', points: '5' }, { actor: resident('li') }));
await run('zhang gives 10 points to neighbour zhao', ledger.execute({ type: 'RequestTransfer', communityId: community, memberId: 'zhang', transferId: 'gift-zhang-zhao', to: 'zhao', points: '10' }, { actor: resident('zhang') }));

// Read models in memory here; a service keeps them in SQLite (SqliteProjectionStore) so memory stays bounded.
const models = await new ReadModels(store).open();
const show = async (title: string) => {
  console.log(`\n${title}`);
  for (const memberId of ['li', 'zhang', 'chen', 'zhao', '_pool']) {
    const view = await models.account(community, memberId, clock.now());
    if (!view) continue;
    console.log(`  ${memberId.padEnd(6)} balance ${view.balance.padStart(7)}  available ${view.available.padStart(7)}  hours ${view.hoursTotal}`);
  }
};
await show('Balances at closing time:');
console.log('\nShelf:', (await models.catalogue(community)).map((i) => `${i.name} ${i.available ?? '∞'} left`).join(', '));
const statement = await models.statement(community, 'li', { limit: 5 });
if (statement.ok && statement.value) {
  console.log("\nli's statement, newest first:");
  for (const line of statement.value.entries) console.log(`  ${line.amount.padStart(7)} → ${line.runningBalance.padStart(7)}  ${line.description}`);
}

// Half a year later, an expiry run takes whatever was never spent.
clock.set('2026-12-07T00:00:00Z');
const expiry = await expireDue(ledger, models);
console.log(`\nExpiry run on 2026-12-07: ${expiry.changed} accounts had points expire`);
await models.catchUp();
await show('Balances after expiry:');

const report = (await models.communityReport(community, '2026-06-01', '2026-12-31'))!;
console.log('\nReport for June–December:', JSON.stringify(report.points));
const books = (await models.trialBalance(community))!;
console.log('\nTrial balance:');
for (const { account, balance } of books.accounts) console.log(`  ${account.padEnd(16)} ${balance.padStart(8)}`);
console.log(`  ${'total'.padEnd(16)} ${books.total.padStart(8)}  ${books.balanced ? '(balanced)' : '(NOT BALANCED)'}`);
