/**
 * Kiosk codes (签到码): a code is accepted once per member per activity, only inside its window, only for its
 * activity — against the real Ledger, with codes taken from the activities' kiosks at random moments, replayed
 * later, presented at the other activity, tampered with. And a code cannot be made from the events alone.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type CommandInput,
  InMemoryEventStore,
  Ledger,
  ManualClock,
  WebCryptoVault,
  currentKioskCode,
  kioskCodeFor,
  kioskCodeGraceSteps,
  kioskCodeRotationMs,
  kioskStepAt,
  openKioskSecret,
  checkInOpensBeforeStartMs,
} from '../src/index.js';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId: C };
const asMember = (id: string): Actor => ({ id, role: 'member', communityId: C });
const members = ['m1', 'm2', 'm3', 'm4'] as const;
/** Two activities a day apart in the morning, so a member's presence at one never overlaps the other's window. */
const activities = {
  A: { startsAt: '2026-06-06T01:00:00.000Z', endsAt: '2026-06-06T03:00:00.000Z', seated: ['m1', 'm2', 'm3'] },
  B: { startsAt: '2026-06-06T04:00:00.000Z', endsAt: '2026-06-06T06:00:00.000Z', seated: ['m2', 'm3', 'm4'] },
} as const;
type Name = keyof typeof activities;

async function world() {
  const clock = new ManualClock(new Date('2026-06-05T00:00:00.000Z'));
  const store = new InMemoryEventStore();
  const ledger = new Ledger({ store, clock });
  const must = async (command: CommandInput, actor: Actor) => {
    const r = await ledger.execute(command, { actor });
    if (!r.ok) throw new Error(`${command.type}: ${r.error.message}`);
  };
  await must({ type: 'RegisterCommunity', communityId: C, name: 'c' }, admin);
  await must({ type: 'AppointOrganiser', communityId: C, memberId: 'org' }, admin);
  for (const m of members) await must({ type: 'RegisterMember', communityId: C, memberId: m }, organiser);
  for (const [name, a] of Object.entries(activities)) {
    await must({ type: 'PublishActivity', communityId: C, activityId: name, title: name, category: 'public-health', startsAt: a.startsAt, endsAt: a.endsAt, place: '活动室', capacity: 3 }, organiser);
    for (const m of a.seated) await must({ type: 'SignUpForActivity', communityId: C, activityId: name, memberId: m }, asMember(m));
  }
  clock.set('2026-06-06T00:00:00.000Z');
  return { clock, store, ledger };
}

/** The code the kiosk of `name` showed (or would have shown) in `step`. */
async function codeAt(ledger: Ledger, name: Name, step: number): Promise<string> {
  const state = await ledger.fresh.activity(C, name);
  const secret = await openKioskSecret(ledger.vault, C, name, state.kioskSecret!);
  return kioskCodeFor(secret!, C, name, step);
}

const inWindow = (name: Name, instantMs: number) => {
  const a = activities[name];
  return instantMs >= Date.parse(a.startsAt) - checkInOpensBeforeStartMs && instantMs < Date.parse(a.endsAt);
};

type Op =
  | { kind: 'advance'; seconds: number }
  /** A code taken from `shownAt`'s kiosk `age` steps ago, presented by `member` at `at` (maybe the other activity). */
  | { kind: 'present'; member: number; shownAt: Name; at: Name; age: number; out: boolean; tamper: boolean };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  { weight: 2, arbitrary: fc.record({ kind: fc.constant('advance' as const), seconds: fc.oneof(fc.integer({ min: 1, max: 90 }), fc.integer({ min: 1, max: 40 * 60 })) }) },
  {
    weight: 5,
    arbitrary: fc
      .record({
        kind: fc.constant('present' as const),
        member: fc.nat(members.length - 1),
        shownAt: fc.constantFrom<Name>('A', 'B'),
        // Mostly at the kiosk's own activity: the interesting refusals are rarer than the acceptances.
        elsewhere: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
        age: fc.oneof(fc.constant(0), fc.constant(1), fc.integer({ min: -1, max: 5 })),
        out: fc.boolean(),
        tamper: fc.integer({ min: 0, max: 9 }).map((n) => n < 2),
      })
      .map(({ elsewhere, ...op }): Op => ({ ...op, at: elsewhere ? (op.shownAt === 'A' ? 'B' : 'A') : op.shownAt })),
  },
);

describe('kiosk codes', () => {
  it('a code is accepted once per member per activity, only inside its window, only for its activity', async () => {
    const seen = new Map<string, number>();
    await fc.assert(
      // Starting anywhere from before A's check-in opens to after B ends.
      fc.asyncProperty(fc.integer({ min: 0, max: 7 * 3_600 }), fc.array(opArb, { minLength: 10, maxLength: 60 }), async (startSeconds, ops) => {
        const { clock, ledger } = await world();
        clock.advance(startSeconds * 1_000);
        // The model: who is checked in / out where.
        const checkedIn = new Set<string>();
        const checkedOut = new Set<string>();
        const acceptedRequests = new Set<string>();
        for (const op of ops) {
          if (op.kind === 'advance') {
            clock.advance(op.seconds * 1_000);
            continue;
          }
          const member = members[op.member]!;
          const now = clock.now().getTime();
          const step = kioskStepAt(clock.now()) - op.age;
          let code = await codeAt(ledger, op.shownAt, step);
          if (op.tamper) code = code.slice(0, -1) + (code.endsWith('A') ? 'B' : 'A');
          const key = `${member}@${op.at}`;
          const fresh = op.age >= 0 && op.age <= kioskCodeGraceSteps;
          const stepShownInWindow = inWindow(op.at, step * kioskCodeRotationMs) || inWindow(op.at, (step + 1) * kioskCodeRotationMs - 1);
          const valid = !op.tamper && op.shownAt === op.at && fresh && inWindow(op.at, now) && stepShownInWindow;
          const seated = (activities[op.at].seated as readonly string[]).includes(member);
          const expected = op.out ? valid && checkedIn.has(key) && !checkedOut.has(key) : valid && seated && !checkedIn.has(key);
          const type = op.out ? 'CheckOutWithKioskCode' : 'CheckInWithKioskCode';
          const result = await ledger.execute({ type, communityId: C, activityId: op.at, memberId: member, code }, { actor: asMember(member) });
          const label = `${type} ${member} at ${op.at} with ${op.shownAt}'s code (age ${op.age}, tamper ${op.tamper}) at ${clock.now().toISOString()}`;
          const request = `${type} ${key} ${code}`;
          if (result.ok && result.value.replayed) {
            // The very request that was accepted, sent again by the same member: answered as the first was
            // (pipeline/repeats.ts), never accepted anew — the attendance below still counts it once.
            expect(expected, `${label}: a repeat answered where a new check-in was due`).toBe(false);
            expect(acceptedRequests.has(request), `${label}: answered as a repeat of a request never accepted`).toBe(true);
            seen.set(`${type} repeat`, (seen.get(`${type} repeat`) ?? 0) + 1);
            continue;
          }
          expect(result.ok ? 'accepted' : `refused: ${result.error.code}: ${result.error.message}`, label).toEqual(expected ? 'accepted' : expect.stringMatching(/^refused/));
          if (result.ok) acceptedRequests.add(request);
          const outcome = result.ok ? 'accepted' : result.error.code;
          seen.set(`${type} ${outcome}`, (seen.get(`${type} ${outcome}`) ?? 0) + 1);
          if (result.ok) (op.out ? checkedOut : checkedIn).add(key);
        }
        // The activity's stream agrees with the model: each accepted check-in recorded once, stamped by the ledger.
        for (const name of ['A', 'B'] as const) {
          const state = await ledger.fresh.activity(C, name);
          expect([...state.attendance.keys()].sort()).toEqual([...checkedIn].filter((k) => k.endsWith(`@${name}`)).map((k) => k.split('@')[0]).sort());
        }
      }),
      { numRuns: 100 },
    );
    // The property saw both sides of every rule.
    for (const outcome of ['CheckInWithKioskCode accepted', 'CheckOutWithKioskCode accepted', 'CheckInWithKioskCode not-allowed', 'CheckInWithKioskCode invalid-state', 'CheckInWithKioskCode already-exists']) {
      expect(seen.get(outcome) ?? 0, `${outcome} never happened: ${JSON.stringify([...seen])}`).toBeGreaterThan(0);
    }
  });

  it('the kiosk shows a code to organisers only, only while check-in is open, and it turns over every step', async () => {
    const { clock, ledger } = await world();
    expect((await currentKioskCode(ledger, organiser, C, 'A')).ok, 'before the window').toBe(false);
    clock.set('2026-06-06T00:45:00.000Z');
    const refused = await currentKioskCode(ledger, asMember('m1'), C, 'A');
    expect(refused.ok ? 'shown' : refused.error.code).toBe('not-allowed');
    const first = await currentKioskCode(ledger, organiser, C, 'A');
    clock.advance(kioskCodeRotationMs);
    const next = await currentKioskCode(ledger, organiser, C, 'A');
    expect(first.ok && next.ok && first.value.code !== next.value.code && next.value.step === first.value.step + 1).toBe(true);
    const r = await ledger.execute({ type: 'CheckInWithKioskCode', communityId: C, activityId: 'A', memberId: 'm1', code: next.ok ? next.value.code : '' }, { actor: asMember('m1') });
    expect(r.ok).toBe(true);
  });

  it('a code cannot be made from the events alone: the secret is not in them, and a ledger without the vault\'s keys cannot check one', async () => {
    const { clock, store, ledger } = await world();
    clock.set('2026-06-06T01:10:00.000Z');
    const state = await ledger.fresh.activity(C, 'A');
    const secret = (await openKioskSecret(ledger.vault, C, 'A', state.kioskSecret!))!;
    const events = JSON.stringify((await store.readAll({ maxCount: 10_000 })).map((e) => [e.data, e.metadata]));
    for (const encoding of [Buffer.from(secret).toString('base64'), Buffer.from(secret).toString('base64url'), Buffer.from(secret).toString('hex')]) {
      expect(events.includes(encoding.replace(/=+$/, '')), `the secret appears in the events (${encoding.slice(0, 8)}…)`).toBe(false);
    }
    // Every event, but other keys: the sealed secret does not open, so no code can be checked (or made).
    const elsewhere = new Ledger({ store, clock, vault: new WebCryptoVault() });
    const shown = await currentKioskCode(ledger, organiser, C, 'A');
    const code = shown.ok ? shown.value.code : '';
    const r = await elsewhere.execute({ type: 'CheckInWithKioskCode', communityId: C, activityId: 'A', memberId: 'm1', code }, { actor: asMember('m1') });
    expect(r.ok ? 'accepted' : r.error.code).toBe('invalid-state');
    // A MAC keyed with anything the events hold (the sealed secret's parts) is not the kiosk's code.
    const sealed = state.kioskSecret!;
    for (const guess of [sealed.ciphertext, sealed.iv, sealed.keyId]) {
      const forged = await kioskCodeFor(new TextEncoder().encode(guess), C, 'A', kioskStepAt(clock.now()));
      const f = await ledger.execute({ type: 'CheckInWithKioskCode', communityId: C, activityId: 'A', memberId: 'm2', code: forged }, { actor: asMember('m2') });
      expect(f.ok ? 'accepted' : f.error.code).toBe('not-allowed');
    }
  });
});
