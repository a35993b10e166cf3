/**
 * Rule 9 for activities, service requests and micro-wishes: read models folded live on SQLite — in batches of any
 * size, caught up and reopened at random moments — equal ones rebuilt from scratch on SQLite and in memory, after
 * random days of sign-ups, withdrawals, check-ins and check-outs, closings and approvals, requests posted, taken,
 * dispatched, done, confirmed, cancelled and lapsed, wishes claimed, fulfilled and cancelled (refusals included).
 * And what they say agrees with the ledger's own state and with itself along independent paths.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Actor, type CommandInput, type EventStore, InMemoryEventStore, Ledger, ManualClock, ReadModels, donationPoolId, seatsLeft } from '../../packages/ledger-core/src/index.js';
import { SqliteProjectionStore } from '../../packages/store-sqlite/src/index.js';
import { everythingReadable } from '../support/read-models.js';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const org: Actor = { id: 'org', role: 'organiser', communityId: C };
const asMember = (id: string): Actor => ({ id, role: 'member', communityId: C });
const members = ['m1', 'm2', 'm3', 'm4', 'm5'] as const;
const activityIds = ['A', 'B'] as const;
const requestIds = ['q1', 'q2', 'q3'] as const;
const wishIds = ['w1', 'w2'] as const;

type Action =
  | { kind: 'sign-up' | 'withdraw' | 'check-in' | 'check-out'; activity: string; member: string }
  | { kind: 'close' | 'approve'; activity: string }
  | { kind: 'advance'; minutes: number }
  | { kind: 'post'; request: string; member: string; points: string | null }
  | { kind: 'take' | 'dispatch'; request: string; member: string }
  | { kind: 'done' | 'cancel' | 'expire'; request: string }
  | { kind: 'confirm'; request: string; rating: number }
  | { kind: 'post-wish' | 'fulfil' | 'cancel-wish'; wish: string }
  | { kind: 'claim'; wish: string; claimant: string }
  | { kind: 'catch-up' | 'reopen' }
  /** A whole 点单 → 接单 → 评单, each step as its own command (any may be refused by what came before). */
  | { kind: 'serve'; request: string; requester: string; volunteer: string; points: string | null; rating: number }
  /** A wish posted, claimed by the pool and fulfilled, step by step. */
  | { kind: 'pool-wish'; wish: string };

const member = fc.constantFrom(...members);
const activity = fc.constantFrom(...activityIds);
const request = fc.constantFrom(...requestIds);
const wish = fc.constantFrom(...wishIds);
const actionArb: fc.Arbitrary<Action> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constantFrom('sign-up', 'withdraw', 'check-in', 'check-out' as const), activity, member }), weight: 6 },
  fc.record({ kind: fc.constantFrom('close', 'approve' as const), activity }),
  { arbitrary: fc.record({ kind: fc.constant('advance' as const), minutes: fc.constantFrom(10, 20, 45, 90, 240, 12_000) }), weight: 2 },
  fc.record({ kind: fc.constant('post' as const), request, member, points: fc.constantFrom(null, '5.00', '30.00') }),
  fc.record({ kind: fc.constantFrom('take', 'dispatch' as const), request, member }),
  fc.record({ kind: fc.constantFrom('done', 'cancel', 'expire' as const), request }),
  fc.record({ kind: fc.constant('confirm' as const), request, rating: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constantFrom('post-wish', 'fulfil', 'cancel-wish' as const), wish }),
  fc.record({ kind: fc.constant('claim' as const), wish, claimant: fc.constantFrom(donationPoolId, 'm3') }),
  fc.record({ kind: fc.constantFrom('catch-up', 'reopen' as const) }),
  fc.record({ kind: fc.constant('serve' as const), request, requester: member, volunteer: member, points: fc.constantFrom(null, '5.00'), rating: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ kind: fc.constant('pool-wish' as const), wish }),
);

/** The single steps a compound action is made of. */
function stepsOf(a: Action): Action[] {
  if (a.kind === 'serve') {
    return [
      { kind: 'post', request: a.request, member: a.requester, points: a.points },
      { kind: 'take', request: a.request, member: a.volunteer },
      { kind: 'done', request: a.request },
      { kind: 'confirm', request: a.request, rating: a.rating },
    ];
  }
  if (a.kind === 'pool-wish') return [{ kind: 'post-wish', wish: a.wish }, { kind: 'claim', wish: a.wish, claimant: donationPoolId }, { kind: 'fulfil', wish: a.wish }];
  return [a];
}

/** The command an action stands for, and who issues it; null for the projection's own steps. */
function commandOf(a: Action, now: Date): { command: CommandInput; actor: Actor } | null {
  switch (a.kind) {
    case 'sign-up':
      return { command: { type: 'SignUpForActivity', communityId: C, activityId: a.activity, memberId: a.member }, actor: asMember(a.member) };
    case 'withdraw':
      return { command: { type: 'WithdrawFromActivity', communityId: C, activityId: a.activity, memberId: a.member }, actor: asMember(a.member) };
    case 'check-in':
      return { command: { type: 'CheckInAttendee', communityId: C, activityId: a.activity, memberId: a.member }, actor: org };
    case 'check-out':
      return { command: { type: 'CheckOutAttendee', communityId: C, activityId: a.activity, memberId: a.member }, actor: org };
    case 'close':
      return { command: { type: 'CloseActivity', communityId: C, activityId: a.activity }, actor: org };
    case 'approve':
      return { command: { type: 'ApproveActivityAttendance', communityId: C, activityId: a.activity }, actor: org };
    case 'post': {
      const wantedAt = new Date(now.getTime() + 86_400_000).toISOString();
      const command: CommandInput = { type: 'PostServiceRequest', communityId: C, requestId: a.request, memberId: a.member, category: 'elder-care', description: '帮忙', wantedAt, place: '1号楼', ...(a.points ? { pointsOffered: a.points } : {}) };
      return { command, actor: asMember(a.member) };
    }
    case 'take':
      return { command: { type: 'TakeServiceRequest', communityId: C, requestId: a.request, memberId: a.member }, actor: asMember(a.member) };
    case 'dispatch':
      return { command: { type: 'DispatchServiceRequest', communityId: C, requestId: a.request, volunteerId: a.member }, actor: org };
    case 'done':
      return { command: { type: 'MarkServiceRequestDone', communityId: C, requestId: a.request, hours: '1.5' }, actor: admin };
    case 'confirm':
      return { command: { type: 'ConfirmServiceRequest', communityId: C, requestId: a.request, rating: a.rating }, actor: admin };
    case 'cancel':
      return { command: { type: 'CancelServiceRequest', communityId: C, requestId: a.request }, actor: admin };
    case 'expire':
      return { command: { type: 'ExpireServiceRequest', communityId: C, requestId: a.request }, actor: admin };
    case 'post-wish':
      return { command: { type: 'PostWish', communityId: C, wishId: a.wish, beneficiaryId: 'm4', title: '书包', points: '12.00' }, actor: org };
    case 'claim':
      return { command: { type: 'ClaimWish', communityId: C, wishId: a.wish, memberId: a.claimant }, actor: org };
    case 'fulfil':
      return { command: { type: 'FulfilWish', communityId: C, wishId: a.wish }, actor: org };
    case 'cancel-wish':
      return { command: { type: 'CancelWish', communityId: C, wishId: a.wish, reason: '不需要了' }, actor: org };
    case 'advance':
    case 'catch-up':
    case 'reopen':
    case 'serve':
    case 'pool-wish':
      return null;
  }
}

async function setUp(store: EventStore, clock: ManualClock, autoApprove: boolean, capacities: readonly [number, number]): Promise<Ledger> {
  const ledger = new Ledger({ store, clock });
  const must = async (command: CommandInput, actor: Actor) => {
    const r = await ledger.execute(command, { actor });
    if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
  };
  await must({ type: 'RegisterCommunity', communityId: C, name: 'c', timeZone: 'Asia/Shanghai', policy: { autoApproveCheckedIn: autoApprove } }, admin);
  await must({ type: 'AppointOrganiser', communityId: C, memberId: 'org' }, admin);
  for (const m of [...members, 'org']) await must({ type: 'RegisterMember', communityId: C, memberId: m }, admin);
  for (const m of ['m1', 'm2']) await must({ type: 'GrantPoints', communityId: C, memberId: m, grantId: 'g', points: '50', reason: 'start' }, admin);
  await must({ type: 'RequestTransfer', communityId: C, memberId: 'm2', transferId: 'to-pool', to: donationPoolId, points: '20' }, asMember('m2'));
  await must({ type: 'PublishActivity', communityId: C, activityId: 'A', title: '义诊', category: 'public-health', startsAt: '2026-06-06T01:00:00Z', endsAt: '2026-06-06T03:00:00Z', place: '站', capacity: capacities[0] }, org);
  await must({ type: 'PublishActivity', communityId: C, activityId: 'B', title: '义剪', category: 'elder-care', startsAt: '2026-06-06T02:00:00Z', endsAt: '2026-06-06T04:00:00Z', place: '室', capacity: capacities[1] }, org);
  return ledger;
}

const open = (store: EventStore, file: string, pageSize: number) => new ReadModels(store, { projections: SqliteProjectionStore.open(file), pageSize }).open();

describe('rule 9 for activities, requests and wishes: the live projection equals a rebuilt one', () => {
  it('after random days, SQLite live = SQLite rebuilt = in-memory rebuilt, and the views agree with the ledger and with themselves', async () => {
    const seen = { activities: 0, recorded: 0, confirmed: 0, wishesFulfilled: 0 };
    await fc.assert(
      fc.asyncProperty(
        fc.array(actionArb, { minLength: 5, maxLength: 60 }),
        fc.boolean(),
        fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
        fc.integer({ min: 1, max: 9 }),
        async (actions, autoApprove, capacities, pageSize) => {
          const dir = mkdtempSync(join(tmpdir(), 'ledger-process-projection-'));
          const store = new InMemoryEventStore();
          const clock = new ManualClock(new Date('2026-06-06T00:40:00Z'));
          let live = await open(store, join(dir, 'live.sqlite'), pageSize);
          try {
            const ledger = await setUp(store, clock, autoApprove, capacities);
            for (const action of actions.flatMap(stepsOf)) {
              if (action.kind === 'advance') clock.advance(action.minutes * 60_000);
              else if (action.kind === 'catch-up') await live.catchUp();
              else if (action.kind === 'reopen') {
                await live.projections.close();
                live = await open(store, join(dir, 'live.sqlite'), pageSize);
              } else {
                const { command, actor } = commandOf(action, clock.now())!;
                await ledger.execute(command, { actor });
              }
            }
            // The day ends: whatever is still open is closed and approved (a random moment may have done so already).
            if (clock.now() < new Date('2026-06-06T05:00:00Z')) clock.set(new Date('2026-06-06T05:00:00Z'));
            for (const activityId of activityIds) {
              await ledger.execute({ type: 'CloseActivity', communityId: C, activityId }, { actor: org });
              await ledger.execute({ type: 'ApproveActivityAttendance', communityId: C, activityId }, { actor: org });
            }
            await live.catchUp();
            const onDisk = new ReadModels(store, { projections: SqliteProjectionStore.open(join(dir, 'rebuilt.sqlite')) });
            await onDisk.rebuild();
            const inMemory = new ReadModels(store);
            await inMemory.rebuild();
            const asOf = clock.now();
            const expected = await everythingReadable(inMemory, asOf);
            expect(await everythingReadable(live, asOf)).toEqual(expected);
            expect(await everythingReadable(onDisk, asOf)).toEqual(expected);
            await onDisk.projections.close();

            // What the views say is what the ledger decided on, and adds up along other paths.
            const [community] = expected;
            const processes = community!.processes;
            let recorded = 0;
            for (const view of processes.activities) {
              const state = await ledger.fresh.activity(C, view.activityId);
              expect(view.seatsTaken).toBe(state.seats.size);
              expect(view.seatsLeft).toBe(seatsLeft(state));
              expect(view.seatsTaken).toBeLessThanOrEqual(view.capacity);
              expect(view.waitListLength).toBe(state.waitList.length);
              expect(view.checkedIn).toBe(state.attendance.size);
              expect(view.attendees!.filter((a) => a.signUp === 'wait-list').map((a) => a.memberId)).toEqual(state.waitList);
              for (const a of view.attendees!) if (a.outcome?.kind === 'recorded') recorded += 1;
              seen.activities += 1;
            }
            expect(processes.withSeatsLeft).toEqual(processes.openActivities.filter((a) => a.seatsLeft > 0));
            const closed = processes.activities.filter((a) => ['closed', 'approving', 'approved'].includes(a.status));
            const turns = closed.reduce((sum, a) => sum + a.closing!.recorded, 0);
            expect(community!.report!.activitiesHeld).toBe(closed.length);
            expect(community!.report!.volunteerTurns).toBe(turns);
            expect(turns).toBe(recorded);
            seen.recorded += recorded;
            // Each member's list says the same as the activities' attendees.
            for (const [memberId, list] of processes.memberActivities) {
              for (const { activity: a, attendance } of list) {
                const fromActivity = processes.activities.find((x) => x.activityId === a.activityId)!.attendees!.find((x) => x.memberId === memberId);
                expect(attendance).toEqual(fromActivity ?? { ...attendance, signUp: 'none' });
              }
            }
            const confirmed = processes.requests.filter((r) => r.ended === 'confirmed');
            expect(community!.report!.requestsFulfilled).toBe(confirmed.length);
            for (const r of processes.requests) {
              const state = await ledger.fresh.request(C, r.requestId);
              expect([r.status, r.ended, r.volunteerId]).toEqual([state.status, state.ended, state.volunteerId]);
            }
            const byVolunteer = new Map<string, number[]>();
            for (const r of confirmed) byVolunteer.set(r.volunteerId!, [...(byVolunteer.get(r.volunteerId!) ?? []), r.rating!]);
            expect(community!.report!.ratings.map((r) => [r.volunteerId, r.ratings])).toEqual([...byVolunteer].sort(([a], [b]) => (a < b ? -1 : 1)).map(([v, rs]) => [v, rs.length]));
            seen.confirmed += confirmed.length;
            for (const w of processes.wishes) expect(w.status).toBe((await ledger.fresh.wish(C, w.wishId)).status);
            seen.wishesFulfilled += processes.wishes.filter((w) => w.status === 'fulfilled').length;
            expect(community!.trialBalance!.balanced).toBe(true);
          } finally {
            await live.projections.close();
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      {
        numRuns: 25,
        examples: [
          // Found by this test: a member's open presence was not kept in the account row, so a check-out folded
          // after the projection was reopened had nothing to end.
          [[{ kind: 'check-in', activity: 'A', member: 'm1' }, { kind: 'catch-up' }, { kind: 'reopen' }, { kind: 'advance', minutes: 10 }], false, [1, 1], 1],
        ],
      },
    );
    // The runs compared real days, not empty ones.
    // Over 25 runs between 5 and 11 attendances are typically recorded; any at all shows closing was compared.
    expect(seen.recorded).toBeGreaterThan(0);
    expect(seen.confirmed).toBeGreaterThan(0);
    expect(seen.wishesFulfilled).toBeGreaterThan(0);
  }, 300_000);
});
