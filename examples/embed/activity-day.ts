/**
 * A Saturday at 阳光社区 (Sunshine Community), embedding the ledger with the in-memory store: a free health check
 * (义诊) and a haircut morning (义剪) for 60 residents, a health talk in the afternoon; sign-ups with a wait list
 * that moves up; check-in and check-out with the kiosks' rotating codes (and what they refuse); closing each
 * activity, which turns every attendance into a service record, and approving each one's attendance in one go;
 * two service requests (点单 → 派单/接单 → 评单) paid in points; a micro-wish (微心愿) paid from the donation pool.
 * Ends with credit and honour hours, balances and the trial balance: every account, summing to zero.
 *
 * Run it: pnpm example:activity-day
 */
import {
  type Actor,
  type CommandInput,
  type ExecuteResult,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  Points,
  currentKioskCode,
  kioskCodeFor,
  kioskStepAt,
  openKioskSecret,
  postingsOf,
  waitListPosition,
} from '@volunteer-ledger/core';

const c = 'sunshine';
const clock = new ManualClock(new Date('2026-06-05T04:00:00Z')); // Friday 12:00 in Shanghai
const store = new InMemoryEventStore();
const ledger = new Ledger({ store, clock });
const platform: Actor = { id: 'platform-admin', role: 'admin', communityId: '*' };
const wang: Actor = { id: 'wang', role: 'organiser', communityId: c };
const resident = (id: string): Actor => ({ id, role: 'member', communityId: c });
const residents = Array.from({ length: 60 }, (_, i) => `r${String(i + 1).padStart(2, '0')}`);
/** Shanghai time on Saturday 2026-06-06 as an instant. */
const saturday = (hhmm: string) => new Date(`2026-06-06T${hhmm}:00+08:00`);

async function run(what: string, command: CommandInput, actor: Actor, quiet = false): Promise<ExecuteResult> {
  const r = await ledger.execute(command, { actor });
  if (!quiet || !r.ok) console.log(r.ok ? `✔ ${what}` : `✘ ${what}: ${r.error.message}`);
  return r;
}
async function must(command: CommandInput, actor: Actor): Promise<void> {
  const r = await ledger.execute(command, { actor });
  if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
}

// ── Friday: set-up and sign-ups ─────────────────────────────────────────────────────────────────────
await run(
  'register 阳光社区: activity hours approved by an organiser; honour hours (typed in) earn no points; a confirmed request approves its hours',
  { type: 'RegisterCommunity', communityId: c, name: '阳光社区', policy: { autoApproveCheckedIn: false, reportedHoursEarnPoints: false, autoApproveConfirmedRequests: true } },
  platform,
);
await must({ type: 'AppointOrganiser', communityId: c, memberId: 'wang' }, platform);
for (const r of residents) await must({ type: 'RegisterMember', communityId: c, memberId: r }, wang);
// Two residents start with points from earlier months, to ask for services with.
for (const r of ['r55', 'r56']) await must({ type: 'GrantPoints', communityId: c, memberId: r, grantId: 'may', points: '50', reason: '五月活动积分' }, platform);
console.log('✔ 60 residents registered; r55 and r56 hold 50 points each from May');

const activities = {
  'health-check': { title: '社区义诊', category: 'public-health', startsAt: saturday('08:00'), endsAt: saturday('11:00'), place: '社区卫生站', capacity: 30 },
  haircut: { title: '便民义剪', category: 'elder-care', startsAt: saturday('09:00'), endsAt: saturday('11:30'), place: '活动室', capacity: 12 },
  'health-talk': { title: '健康讲座', category: 'culture', startsAt: saturday('14:00'), endsAt: saturday('16:00'), place: '会议室', capacity: 25 },
} as const;
for (const [activityId, a] of Object.entries(activities)) {
  await run(`publish ${a.title} (${a.capacity} seats)`, { type: 'PublishActivity', communityId: c, activityId, ...a, startsAt: a.startsAt.toISOString(), endsAt: a.endsAt.toISOString() }, wang);
}
const signUp = (activityId: string, r: string) => run(`${r} signs up for ${activityId}`, { type: 'SignUpForActivity', communityId: c, activityId, memberId: r }, resident(r), true);
// r20 signs up for the haircut first, then 35 residents for the health check (30 seats), 14 more for the haircut (12 seats).
await signUp('haircut', 'r20');
for (const r of residents.slice(0, 35)) await signUp('health-check', r);
for (const r of residents.slice(35, 49)) await signUp('haircut', r);
for (const r of [...residents.slice(50, 60), ...residents.slice(0, 12)]) await signUp('health-talk', r);
const hc = await ledger.fresh.activity(c, 'health-check');
console.log(`✔ health-check: ${hc.seats.size} seats taken, ${hc.waitList.length} on the wait list (r31 is number ${waitListPosition(hc, 'r31')})`);
await run('r03 withdraws from the health check: r31 moves up', { type: 'WithdrawFromActivity', communityId: c, activityId: 'health-check', memberId: 'r03' }, resident('r03'));
await run('r04 withdraws too: r32 moves up', { type: 'WithdrawFromActivity', communityId: c, activityId: 'health-check', memberId: 'r04' }, resident('r04'));
const haircutFull = await ledger.fresh.activity(c, 'haircut');
console.log(`✔ haircut: ${haircutFull.seats.size} seats taken, wait list ${haircutFull.waitList.join(', ')}`);

// ── Saturday morning: the kiosks ────────────────────────────────────────────────────────────────────
/** What a resident's phone reads off the activity's kiosk at this moment. */
async function scan(activityId: string): Promise<string> {
  const shown = await currentKioskCode(ledger, wang, c, activityId);
  if (!shown.ok) throw new Error(shown.error.message);
  return shown.value.code;
}
const kiosk = (what: string, activityId: string, r: string, code: string, out = false) =>
  run(what, { type: out ? 'CheckOutWithKioskCode' : 'CheckInWithKioskCode', communityId: c, activityId, memberId: r, code }, resident(r), true);

const healthCheckSeats = [...(await ledger.fresh.activity(c, 'health-check')).seats.keys()];
clock.set(saturday('07:40'));
let arrived = 0;
for (const [i, r] of healthCheckSeats.entries()) {
  if (i % 10 === 9) continue; // three seats stay empty: no-shows
  clock.set(new Date(saturday('07:40').getTime() + i * 70_000));
  if ((await kiosk(`${r} scans the health-check kiosk`, 'health-check', r, await scan('health-check'))).ok) arrived += 1;
}
console.log(`✔ ${arrived} residents checked in at the health check with the kiosk's code`);
const staleCode = await scan('health-check');
clock.set(saturday('08:25'));
await run('r09 scans again with the same code 20 minutes later', { type: 'CheckInWithKioskCode', communityId: c, activityId: 'health-check', memberId: 'r09', code: staleCode }, resident('r09'));
await run('r33 (on the wait list) scans the kiosk', { type: 'CheckInWithKioskCode', communityId: c, activityId: 'health-check', memberId: 'r33', code: await scan('health-check') }, resident('r33'));
await run('r05 presents the health-check code at the haircut', { type: 'CheckInWithKioskCode', communityId: c, activityId: 'haircut', memberId: 'r05', code: await scan('health-check') }, resident('r05'));

clock.set(saturday('08:55'));
for (const r of [...(await ledger.fresh.activity(c, 'haircut')).seats.keys()].filter((r) => r !== 'r20')) await kiosk(`${r} scans the haircut kiosk`, 'haircut', r, await scan('haircut'));
console.log('✔ 11 residents checked in at the haircut');
clock.set(saturday('09:05'));
await run('r20, still at the health check, scans the haircut kiosk', { type: 'CheckInWithKioskCode', communityId: c, activityId: 'haircut', memberId: 'r20', code: await scan('haircut') }, resident('r20'));
await run('r20 checks out of the health check', { type: 'CheckOutWithKioskCode', communityId: c, activityId: 'health-check', memberId: 'r20', code: await scan('health-check') }, resident('r20'));
clock.set(saturday('09:07'));
await run('r20 checks in at the haircut', { type: 'CheckInWithKioskCode', communityId: c, activityId: 'haircut', memberId: 'r20', code: await scan('haircut') }, resident('r20'));

clock.set(saturday('10:30'));
for (const r of ['r01', 'r02', 'r06', 'r07', 'r08']) await kiosk(`${r} leaves the health check early`, 'health-check', r, await scan('health-check'), true);
console.log('✔ five residents checked out of the health check at 10:30; the rest are counted until 11:00');

// ── Closing the morning, approving it in one go ─────────────────────────────────────────────────────
clock.set(saturday('11:40'));
for (const activityId of ['health-check', 'haircut']) {
  await run(`close ${activityId}`, { type: 'CloseActivity', communityId: c, activityId }, wang);
  await run(`close ${activityId} again (closing twice is closing once)`, { type: 'CloseActivity', communityId: c, activityId }, wang, true);
  await run(`approve ${activityId}'s attendance in one go`, { type: 'ApproveActivityAttendance', communityId: c, activityId }, wang);
}

// ── Afternoon: the talk, a walk-in ──────────────────────────────────────────────────────────────────
clock.set(saturday('13:50'));
for (const r of [...(await ledger.fresh.activity(c, 'health-talk')).seats.keys()]) {
  if (r === 'r01' || r === 'r02') continue;
  await kiosk(`${r} scans the talk's kiosk`, 'health-talk', r, await scan('health-talk'));
}
await run('the organiser checks in r40, a walk-in, to a free seat', { type: 'CheckInAttendee', communityId: c, activityId: 'health-talk', memberId: 'r40' }, wang);
clock.set(saturday('16:10'));
await run('close the health talk', { type: 'CloseActivity', communityId: c, activityId: 'health-talk' }, wang);
await run('approve the talk\'s attendance in one go', { type: 'ApproveActivityAttendance', communityId: c, activityId: 'health-talk' }, wang);

for (const activityId of Object.keys(activities)) {
  const a = await ledger.fresh.activity(c, activityId);
  const recorded = [...a.outcomes.values()].filter((o) => o.kind === 'recorded');
  const hours = recorded.reduce((sum, o) => sum + Number(o.hours), 0);
  const approved = [...a.approvals.values()].filter((v) => v === 'approved').length;
  console.log(`  ${a.title.padEnd(6)} ${a.status}: ${a.seats.size}/${a.capacity} seats, ${a.attendance.size} attended, ${recorded.length} records, ${hours.toFixed(2)} h, ${approved} approved`);
}

// ── Evening: service requests (点单 → 派单/接单 → 评单) ──────────────────────────────────────────────
clock.set(saturday('18:00'));
await run('r55 asks for a haircut at home, offering 15 points (held at once)', { type: 'PostServiceRequest', communityId: c, requestId: 'home-haircut', memberId: 'r55', category: 'elder-care', description: '行动不便，请上门理发', wantedAt: saturday('19:00').toISOString(), place: '5号楼302', pointsOffered: '15' }, resident('r55'));
await run('r40 takes it (接单)', { type: 'TakeServiceRequest', communityId: c, requestId: 'home-haircut', memberId: 'r40' }, resident('r40'));
await run('r56 asks for a radio repair, offering 80 points', { type: 'PostServiceRequest', communityId: c, requestId: 'radio', memberId: 'r56', category: 'elder-care', description: '收音机坏了', wantedAt: saturday('19:00').toISOString(), place: '2号楼101', pointsOffered: '80' }, resident('r56'));
await run('r56 asks again, offering 10 points', { type: 'PostServiceRequest', communityId: c, requestId: 'radio-2', memberId: 'r56', category: 'elder-care', description: '收音机坏了', wantedAt: saturday('19:00').toISOString(), place: '2号楼101', pointsOffered: '10' }, resident('r56'));
await run('the organiser dispatches it to r41 (派单)', { type: 'DispatchServiceRequest', communityId: c, requestId: 'radio-2', volunteerId: 'r41' }, wang);
clock.set(saturday('19:30'));
await run('r40 marks the haircut done: 1 hour', { type: 'MarkServiceRequestDone', communityId: c, requestId: 'home-haircut', hours: '1' }, resident('r40'));
await run('r41 marks the repair done: half an hour', { type: 'MarkServiceRequestDone', communityId: c, requestId: 'radio-2', hours: '0.5' }, resident('r41'));
await run('r55 confirms and rates it 5 (评单): 15 points move to r40', { type: 'ConfirmServiceRequest', communityId: c, requestId: 'home-haircut', rating: 5, comment: '手艺好，很耐心' }, resident('r55'));
await run('r56 confirms and rates it 4', { type: 'ConfirmServiceRequest', communityId: c, requestId: 'radio-2', rating: 4 }, resident('r56'));
await run('r56 tries to rate it again', { type: 'ConfirmServiceRequest', communityId: c, requestId: 'radio-2', rating: 5 }, resident('r56'));

// ── A micro-wish (微心愿) fulfilled from the donation pool ────────────────────────────────────────────
await run('r10 donates 20 points to the pool (爱心积分池)', { type: 'RequestTransfer', communityId: c, memberId: 'r10', transferId: 'donation-r10', to: '_pool', points: '20' }, resident('r10'));
await run('r11 donates 25 points to the pool', { type: 'RequestTransfer', communityId: c, memberId: 'r11', transferId: 'donation-r11', to: '_pool', points: '25' }, resident('r11'));
await run('the organiser posts r60\'s wish: a set of picture books (40 points)', { type: 'PostWish', communityId: c, wishId: 'picture-books', beneficiaryId: 'r60', title: '一套绘本', points: '40' }, wang);
await run('the organiser claims it for the pool (40 points held)', { type: 'ClaimWish', communityId: c, wishId: 'picture-books', memberId: '_pool' }, wang);
await run('the books are handed over: the pool spends its 40 points', { type: 'FulfilWish', communityId: c, wishId: 'picture-books' }, wang);

// ── The books ───────────────────────────────────────────────────────────────────────────────────────
console.log('\nCredit hours (measured at activities) and honour hours (typed in), and balances:');
for (const m of ['r01', 'r20', 'r40', 'r41', 'r55', 'r56', '_pool']) {
  const s = await ledger.account(c, m);
  let credit = 0;
  let honour = 0;
  for (const r of s.records.values()) {
    if (r.status !== 'approved') continue;
    if (r.kind === 'checked-in') credit += Number(r.hoursApproved.toString());
    else honour += Number(r.hoursApproved.toString());
  }
  console.log(`  ${m.padEnd(6)} credit ${credit.toFixed(2).padStart(5)} h  honour ${honour.toFixed(2).padStart(5)} h  balance ${s.balance.toString().padStart(7)}  held ${s.held.toString()}`);
}
const accounts = new Map<string, Points>();
for (const e of await store.readAll({ maxCount: 100_000 })) {
  if (!e.streamName.startsWith('member-')) continue;
  for (const p of postingsOf(e, e.streamName.slice(`member-${c}-`.length))) accounts.set(p.account.startsWith('member:') ? 'members' : p.account, (accounts.get(p.account.startsWith('member:') ? 'members' : p.account) ?? Points.zero).plus(p.amount));
}
console.log('\nTrial balance:');
for (const [account, balance] of [...accounts].sort()) console.log(`  ${account.padEnd(12)} ${balance.toString().padStart(9)}`);
const total = Points.sum(accounts.values());
console.log(`  ${'total'.padEnd(12)} ${total.toString().padStart(9)}  ${total.isZero() ? '(balanced)' : '(NOT BALANCED)'}`);
