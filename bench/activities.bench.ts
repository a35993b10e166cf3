/**
 * The ledger's own CPU cost for a large activity, in memory (no disk in the way), one JSON line each:
 * `{"bench":"<name>","value":<n>,"unit":"<unit>"}`. Run: `pnpm bench activities` (a few seconds).
 *
 * One activity with 1,000 seats and 2,000 members:
 * - 2,000 sign-ups, one at a time (1,000 seats, then the wait list): one decision, one append each;
 * - 1,000 kiosk check-ins: open the activity's sealed secret (AES-GCM), check the code's HMAC, then the
 *   check-in workflow: preview the presence on the member's stream, append to the activity, append to the member;
 * - closing: one phase per attendance (a member append — record, automatic approval, points — and an activity
 *   append), 1,000 of them;
 * - the same with approval left to the organiser, then approving the 1,000 records in one command.
 *
 * Back of the envelope: an append in memory costs ≈ 7 µs (spending.bench); a sign-up ≈ 1 append + a member
 * read ≈ 15 µs (≥ 50,000/s); a check-in ≈ 2 appends + a preview + two Web Crypto calls (≈ 20 µs each) ≈ 70 µs
 * (≥ 10,000/s); closing ≈ 2 appends per attendance plus the pick of the next one (a scan of the attendance,
 * O(n) per phase: O(n²) for the whole closing, ≈ 1 µs per 1,000 attendances) ≈ 20 µs (≥ 30,000 attendances/s).
 */
import { pathToFileURL } from 'node:url';
import { type Actor, type CommandInput, InMemoryEventStore, Ledger, ManualClock, currentKioskCode } from '../packages/ledger-core/src/index.js';
import { printFigure } from './sqlite.bench.js';

const c = 'c1';
const seats = 1_000;
const crowd = 2_000;
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId: c };
const member = (id: string): Actor => ({ id, role: 'member', communityId: c });

/** Runs `work` (`count` operations) and prints its rate, and the CPU it took per operation (all threads, GC included: steadier than the rate on a shared machine). */
async function measure(name: string, unit: string, count: number, work: () => Promise<void>): Promise<void> {
  const started = performance.now();
  const cpuBefore = process.cpuUsage();
  await work();
  const cpu = process.cpuUsage(cpuBefore);
  printFigure(name, (count / (performance.now() - started)) * 1_000, `${unit}/s`);
  printFigure(`${name}_cpu_us`, (cpu.user + cpu.system) / count, `µs/${unit.replace(/s$/, '')}`);
}

async function day(autoApprove: boolean): Promise<{ ledger: Ledger; clock: ManualClock; must: (command: CommandInput, actor: Actor) => Promise<void> }> {
  const clock = new ManualClock(new Date('2026-06-05T00:00:00Z'));
  const ledger = new Ledger({ store: new InMemoryEventStore(), clock });
  const must = async (command: CommandInput, actor: Actor) => {
    const r = await ledger.execute(command, { actor });
    if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
  };
  await must({ type: 'RegisterCommunity', communityId: c, name: 'c', policy: { autoApproveCheckedIn: autoApprove } }, admin);
  await must({ type: 'AppointOrganiser', communityId: c, memberId: 'org' }, admin);
  for (let i = 0; i < crowd; i += 1) await must({ type: 'RegisterMember', communityId: c, memberId: `m${i}` }, admin);
  await must({ type: 'PublishActivity', communityId: c, activityId: 'big', title: '大型义诊', category: 'public-health', startsAt: '2026-06-06T01:00:00Z', endsAt: '2026-06-06T05:00:00Z', place: '广场', capacity: seats }, organiser);
  return { ledger, clock, must };
}

async function checkInEveryone(ledger: Ledger, clock: ManualClock, must: (command: CommandInput, actor: Actor) => Promise<void>): Promise<() => Promise<void>> {
  clock.set('2026-06-06T00:40:00Z');
  const shown = await currentKioskCode(ledger, organiser, c, 'big');
  if (!shown.ok) throw new Error(shown.error.message);
  return async () => {
    for (let i = 0; i < seats; i += 1) await must({ type: 'CheckInWithKioskCode', communityId: c, activityId: 'big', memberId: `m${i}`, code: shown.value.code }, member(`m${i}`));
  };
}

export async function runActivitiesBench(): Promise<void> {
  const { ledger, clock, must } = await day(true);
  await measure('activity_sign_ups_memory', 'sign-ups', crowd, async () => {
    for (let i = 0; i < crowd; i += 1) await must({ type: 'SignUpForActivity', communityId: c, activityId: 'big', memberId: `m${i}` }, member(`m${i}`));
  });
  await measure('activity_kiosk_check_ins_memory', 'check-ins', seats, await checkInEveryone(ledger, clock, must));
  clock.set('2026-06-06T05:10:00Z');
  await measure('activity_closing_memory', 'attendances', seats, () => must({ type: 'CloseActivity', communityId: c, activityId: 'big' }, organiser));

  const pending = await day(false);
  for (let i = 0; i < seats; i += 1) await pending.must({ type: 'SignUpForActivity', communityId: c, activityId: 'big', memberId: `m${i}` }, member(`m${i}`));
  await (await checkInEveryone(pending.ledger, pending.clock, pending.must))();
  pending.clock.set('2026-06-06T05:10:00Z');
  await pending.must({ type: 'CloseActivity', communityId: c, activityId: 'big' }, organiser);
  await measure('activity_bulk_approval_memory', 'records', seats, () => pending.must({ type: 'ApproveActivityAttendance', communityId: c, activityId: 'big' }, organiser));
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  await runActivitiesBench();
}
