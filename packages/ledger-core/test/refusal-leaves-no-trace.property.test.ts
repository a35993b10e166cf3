/**
 * DESIGN §4 rule 10: a refusal leaves no trace. A command that is refused — not allowed, invalid, or against a
 * rule — appends nothing, changes no key in the vault, holds nothing and reserves nothing.
 *
 * Two properties, against the real Ledger with a store and a key store that count every write:
 * - for every command type, an actor who may not issue it is told `not-allowed`, and nothing changes anywhere:
 *   not the store, not the vault, not the idempotency records, not the read models;
 * - every refused command (whatever its domain error), in any random sequence, writes no event and changes no
 *   key in the vault.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type Actor,
  type CommandInput,
  type CommandType,
  type EventStore,
  type ExpectedRevision,
  type IdempotencyRecord,
  type IdempotencyStore,
  InMemoryEventStore,
  InMemoryKeyStore,
  type KeyStore,
  Ledger,
  ManualClock,
  type NewEvent,
  ReadModels,
  WebCryptoVault,
  commandSchemas,
  donationPoolId,
  memberStepTypes,
  rewardStepTypes,
} from '../src/index.js';
import { ForwardingEventStore } from '../src/testing/index.js';

const C = 'c1';
const admin: Actor = { id: 'admin', role: 'admin', communityId: '*' };
const organiser: Actor = { id: 'org', role: 'organiser', communityId: C };
const asMember = (id: string): Actor => ({ id, role: 'member', communityId: C });

/** Counts every write the ledger makes to the event store and to its idempotency records. */
class CountingStore extends ForwardingEventStore {
  appends = 0;
  idempotencyWrites = 0;
  private readonly counted: IdempotencyStore;
  constructor(inner: EventStore) {
    super(inner);
    const records = inner.idempotency;
    const write = <T>(p: Promise<T>) => {
      this.idempotencyWrites += 1;
      return p;
    };
    this.counted = {
      get: (key) => records.get(key),
      tryInsert: async (record: IdempotencyRecord, now: string) => {
        const result = await records.tryInsert(record, now);
        if (result.inserted) this.idempotencyWrites += 1;
        return result;
      },
      put: (record) => write(records.put(record)),
      delete: (key) => write(records.delete(key)),
      deleteExpired: (now) => records.deleteExpired(now),
    };
  }
  override get idempotency(): IdempotencyStore {
    return this.counted;
  }
  override appendToStream(stream: string, events: readonly NewEvent[], options: { readonly expectedRevision: ExpectedRevision }) {
    this.appends += 1;
    return super.appendToStream(stream, events, options);
  }
}

/** Counts every key the vault makes or destroys. */
class CountingKeyStore implements KeyStore {
  writes = 0;
  private readonly inner = new InMemoryKeyStore();
  get(keyId: string) {
    return this.inner.get(keyId);
  }
  async putIfAbsent(keyId: string, key: Uint8Array) {
    const had = await this.inner.get(keyId);
    if (!had) this.writes += 1;
    return this.inner.putIfAbsent(keyId, key);
  }
  async delete(keyId: string) {
    if (await this.inner.get(keyId)) this.writes += 1;
    return this.inner.delete(keyId);
  }
}

/**
 * A community with everything a command may point at: members with points and profiles, an organiser and an
 * unappointed "organiser", goods and a service, a held redemption, a pending and an approved service record,
 * a second community whose staff are outsiders here.
 */
async function world() {
  const store = new CountingStore(new InMemoryEventStore());
  const keys = new CountingKeyStore();
  const clock = new ManualClock(new Date('2026-05-01T02:00:00Z'));
  const ledger = new Ledger({ store, clock, vault: new WebCryptoVault(keys), validateOnAppend: true });
  const must = async (command: CommandInput, actor: Actor = admin) => {
    const r = await ledger.execute(command, { actor });
    if (!r.ok) throw new Error(`set-up ${command.type}: ${r.error.message}`);
  };
  for (const c of [C, 'c2']) {
    await must({ type: 'RegisterCommunity', communityId: c, name: c, policy: { maxBalance: { points: '1000', overflow: 'refuse' }, transfers: { allowed: true, recipients: 'anyone', dailyLimit: '200' } } });
    await must({ type: 'AppointOrganiser', communityId: c, memberId: 'org' });
  }
  for (const m of ['alice', 'bob', 'carol']) await must({ type: 'RegisterMember', communityId: C, memberId: m, householdId: 'h1', profile: { name: `${m} 张`, phone: '13800138000' } });
  await must({ type: 'GrantPoints', communityId: C, memberId: 'alice', grantId: 'g1', points: '100', reason: 'start' });
  await must({ type: 'GrantPoints', communityId: C, memberId: 'carol', grantId: 'g1', points: '990', reason: 'nearly full' });
  await must({ type: 'ListItem', communityId: C, itemId: 'rice', name: '大米', kind: 'goods', pointsCost: '30', stock: 2 }, organiser);
  await must({ type: 'ListItem', communityId: C, itemId: 'haircut', name: '理发', kind: 'service', pointsCost: '15', serviceHours: '1.00', serviceCategory: 'culture' }, organiser);
  await must({ type: 'RequestRedemption', communityId: C, memberId: 'alice', redemptionId: 'held', itemId: 'rice' }, asMember('alice'));
  await must({ type: 'ReportHours', communityId: C, memberId: 'bob', recordId: 'pending', category: 'culture', serviceDate: '2026-04-30', hours: '2.00', activityHours: '2.00' }, organiser);
  await must({ type: 'ReportHours', communityId: C, memberId: 'alice', recordId: 'approved', category: 'culture', serviceDate: '2026-04-29', hours: '1.00', activityHours: '1.00' }, organiser);
  await must({ type: 'ApproveService', communityId: C, memberId: 'alice', recordId: 'approved' }, organiser);
  // An activity Alice signed up for, a request of Alice's and one Alice was dispatched to, a wish for Carol.
  await must({ type: 'PublishActivity', communityId: C, activityId: 'act', title: '义诊', category: 'culture', startsAt: '2026-05-01T03:00:00Z', endsAt: '2026-05-01T05:00:00Z', place: '活动室', capacity: 2 }, organiser);
  await must({ type: 'SignUpForActivity', communityId: C, activityId: 'act', memberId: 'alice' }, asMember('alice'));
  await must({ type: 'PostServiceRequest', communityId: C, requestId: 'req', memberId: 'alice', category: 'culture', description: '修水管', wantedAt: '2026-05-02T02:00:00Z', place: '3号楼', pointsOffered: '5' }, asMember('alice'));
  await must({ type: 'PostServiceRequest', communityId: C, requestId: 'job', memberId: 'bob', category: 'culture', description: '理发', wantedAt: '2026-05-02T02:00:00Z', place: '活动室' }, asMember('bob'));
  await must({ type: 'DispatchServiceRequest', communityId: C, requestId: 'job', volunteerId: 'alice' }, organiser);
  await must({ type: 'PostWish', communityId: C, wishId: 'wish', beneficiaryId: 'carol', title: '书包', points: '20' }, organiser);
  const models = await new ReadModels(store).open();
  return { store, keys, clock, ledger, models };
}

type World = Awaited<ReturnType<typeof world>>;

/** What a snapshot of "anything anywhere" is: every write counter, the global position, the read models' checkpoint. */
async function footprint(w: World) {
  await w.models.catchUp();
  const last = (await w.store.readAll({ maxCount: 10_000 })).at(-1)?.position ?? null;
  return { appends: w.store.appends, idempotencyWrites: w.store.idempotencyWrites, keyWrites: w.keys.writes, position: last, readModels: w.models.checkpoint, folded: w.models.eventsFolded };
}

// ── One valid command of every type, aimed at `member` (whose account it acts on, when it acts on one) ──

const later = '2026-05-01T01:00:00Z';
const earlier = '2026-05-01T00:00:00Z';

function commandOf(type: CommandType, member: string, n: number): CommandInput {
  const m = { communityId: C, memberId: member };
  const id = `x${n}`;
  switch (type) {
    case 'RegisterCommunity':
      return { type, communityId: `new${n}`, name: '新社区' };
    case 'PublishPolicy':
      return { type, communityId: C, policy: {} };
    case 'AddCategory':
      return { type, communityId: C, categoryId: `cat-${n}`, name: '新类别' };
    case 'RetireCategory':
      return { type, communityId: C, categoryId: 'culture' };
    case 'AppointOrganiser':
      return { type, communityId: C, memberId: member };
    case 'DismissOrganiser':
      return { type, communityId: C, memberId: 'org' };
    case 'RegisterMember':
      return { type, communityId: C, memberId: `${member}-${n}`, profile: { name: '张伟', phone: '13900139000' } };
    case 'RecordProfile':
      return { type, ...m, profile: { name: '王芳', idNumber: '110101199001011234' } };
    case 'ErasePersonalData':
      return { type, ...m, reason: 'asked' };
    case 'RecordCheckedInHours':
      return { type, ...m, recordId: id, category: 'culture', checkedInAt: earlier, checkedOutAt: later };
    case 'ReportHours':
      return { type, ...m, recordId: id, category: 'culture', serviceDate: '2026-04-30', hours: '1.00', activityHours: '1.00' };
    case 'ApproveService':
      return { type, ...m, recordId: 'pending' };
    case 'RejectService':
      return { type, ...m, recordId: 'pending', reason: 'no' };
    case 'ReverseService':
      return { type, ...m, recordId: 'approved', reason: 'wrong' };
    case 'GrantPoints':
      return { type, ...m, grantId: id, points: '5', reason: 'thanks' };
    case 'ExpirePoints':
      return { type, ...m };
    case 'ListItem':
      return { type, communityId: C, itemId: id, name: '油', kind: 'goods', pointsCost: '10', stock: 1 };
    case 'RepriceItem':
      return { type, communityId: C, itemId: 'rice', pointsCost: '31' };
    case 'RestockItem':
      return { type, communityId: C, itemId: 'rice', quantity: 1 };
    case 'DelistItem':
      return { type, communityId: C, itemId: 'rice' };
    case 'RequestRedemption':
      return { type, ...m, redemptionId: id, itemId: 'haircut' };
    case 'FulfilRedemption':
      return { type, communityId: C, redemptionId: 'held' };
    case 'CancelRedemption':
      return { type, communityId: C, redemptionId: 'held' };
    case 'ExpireRedemption':
      return { type, communityId: C, redemptionId: 'held' };
    case 'RequestTransfer':
      return { type, ...m, transferId: id, to: donationPoolId, points: '1' };
    case 'PlaceHold':
      return { type, ...m, holdId: id, redemptionId: id, points: '1', expiresAt: later };
    case 'ReleaseHold':
      return { type, ...m, holdId: 'held', reason: 'cancelled' };
    case 'SpendHold':
      return { type, ...m, holdId: 'held' };
    case 'SendPoints':
      return { type, ...m, transferId: id, to: donationPoolId, points: '1', reason: 'donation', recipientHouseholdId: null };
    case 'ReceivePoints':
      return { type, ...m, transferId: id, from: 'bob', points: '1.00', portions: [] };
    case 'RefundTransfer':
      return { type, ...m, transferId: id, reason: 'no' };
    case 'RecordServiceGiven':
      return { type, ...m, recordId: id, redemptionId: 'held', category: 'culture', serviceDate: '2026-04-30', hours: '1.00' };
    case 'WithdrawServiceGiven':
      return { type, ...m, recordId: 'pending', reason: 'no' };
    case 'ReserveStock':
      return { type, communityId: C, itemId: 'rice', redemptionId: id, memberId: member, quantity: 1 };
    case 'ReleaseStock':
      return { type, communityId: C, itemId: 'rice', redemptionId: 'held' };
    case 'IssueStock':
      return { type, communityId: C, itemId: 'rice', redemptionId: 'held' };
    case 'BeginPresence':
      return { type, ...m, activityId: 'act', at: earlier, until: later };
    case 'EndPresence':
      return { type, ...m, activityId: 'act', at: later };
    case 'RecordAttendance':
      return { type, ...m, activityId: 'act', recordId: id, category: 'culture', checkedInAt: earlier, checkedOutAt: later, hours: '1.00', selfMarked: false };
    case 'ApproveRecord':
      return { type, ...m, recordId: 'pending', automatic: false };
    case 'RecordRequestService':
      return { type, ...m, recordId: id, requestId: 'req', category: 'culture', serviceDate: '2026-04-30', hours: '1.00' };
    case 'PayHold':
      return { type, ...m, requestId: 'req', to: 'bob' };
    case 'ReceivePayment':
      return { type, ...m, requestId: 'req', from: 'bob' };
    case 'ReturnPayment':
      return { type, ...m, requestId: 'req', reason: 'no' };
    case 'PublishActivity':
      return { type, communityId: C, activityId: `a${n}`, title: '理发', category: 'culture', startsAt: '2026-05-02T01:00:00Z', endsAt: '2026-05-02T03:00:00Z', place: '活动室', capacity: 2 };
    case 'ChangeActivity':
      return { type, communityId: C, activityId: 'act', capacity: 3 };
    case 'CancelActivity':
      return { type, communityId: C, activityId: 'act', reason: 'rain' };
    case 'SignUpForActivity':
    case 'WithdrawFromActivity':
    case 'CheckInAttendee':
    case 'CheckOutAttendee':
      return { type, communityId: C, activityId: 'act', memberId: member };
    case 'CheckInWithKioskCode':
    case 'CheckOutWithKioskCode':
      return { type, communityId: C, activityId: 'act', memberId: member, code: '59000000.AAAAAAAAAAAAAAAAAAAAAA' };
    case 'CloseActivity':
    case 'ApproveActivityAttendance':
    case 'ResumeActivity':
      return { type, communityId: C, activityId: 'act' };
    case 'PostServiceRequest':
      return { type, communityId: C, requestId: `q${n}`, memberId: member, category: 'culture', description: '修水管', wantedAt: '2026-05-02T02:00:00Z', place: '3号楼', pointsOffered: '5' };
    case 'DispatchServiceRequest':
      return { type, communityId: C, requestId: 'req', volunteerId: 'carol' };
    case 'TakeServiceRequest':
      return { type, communityId: C, requestId: 'req', memberId: member };
    case 'DeclineServiceRequest':
      return { type, communityId: C, requestId: 'job' };
    case 'MarkServiceRequestDone':
      return { type, communityId: C, requestId: 'job', hours: '1.00' };
    case 'ConfirmServiceRequest':
      return { type, communityId: C, requestId: 'req', rating: 5 };
    case 'CancelServiceRequest':
    case 'ExpireServiceRequest':
    case 'ResumeServiceRequest':
      return { type, communityId: C, requestId: 'req' };
    case 'RefuseServiceRequest':
      return { type, communityId: C, requestId: 'req', reason: 'no' };
    case 'PostWish':
      return { type, communityId: C, wishId: `w${n}`, beneficiaryId: 'carol', title: '书包', points: '20' };
    case 'ClaimWish':
      return { type, communityId: C, wishId: 'wish', memberId: member };
    case 'FulfilWish':
    case 'ResumeWish':
      return { type, communityId: C, wishId: 'wish' };
    case 'CancelWish':
      return { type, communityId: C, wishId: 'wish', reason: 'no' };
  }
}

// ── The oracle: who may issue what, written from DESIGN §8 (not read from the code's table) ────────────

/** The ledger's own commands: process steps, and carrying on processes a crash interrupted. */
const steps = new Set<string>([...memberStepTypes, ...rewardStepTypes, 'ResumeActivity', 'ResumeServiceRequest', 'ResumeWish']);
/** A member may do these, on their own account only (their sign-up, their request, the request assigned to them, their claim). */
const memberMay = new Set<string>([
  'RegisterMember',
  'RecordProfile',
  'ErasePersonalData',
  'ReportHours',
  'RequestRedemption',
  'CancelRedemption',
  'RequestTransfer',
  'SignUpForActivity',
  'WithdrawFromActivity',
  'CheckInWithKioskCode',
  'CheckOutWithKioskCode',
  'PostServiceRequest',
  'TakeServiceRequest',
  'DeclineServiceRequest',
  'MarkServiceRequestDone',
  'ConfirmServiceRequest',
  'CancelServiceRequest',
  'ClaimWish',
]);
/** Organisers may not do these: only admins (and, where members may, the member themselves). */
const adminOnly = new Set<string>([
  'RegisterCommunity',
  'PublishPolicy',
  'AddCategory',
  'RetireCategory',
  'AppointOrganiser',
  'DismissOrganiser',
  'GrantPoints',
  'ErasePersonalData',
  'RequestTransfer',
  // A kiosk code checks in the member who presents it; organisers mark members with CheckInAttendee.
  'CheckInWithKioskCode',
  'CheckOutWithKioskCode',
]);
/** Commands that act on a member's account (their `memberId`, or the redemption's member). */
const ownedCommands = new Set<string>([...memberMay, 'RecordCheckedInHours', 'ApproveService', 'RejectService', 'ReverseService', 'GrantPoints', 'ExpirePoints', 'FulfilRedemption', 'ExpireRedemption']);

type ActorKind = 'platform-admin' | 'organiser' | 'unappointed' | 'outsider-admin' | 'outsider-organiser' | 'outsider-member' | 'member-other';

const actors: Record<ActorKind, Actor> = {
  'platform-admin': admin,
  organiser,
  unappointed: { id: 'ghost', role: 'organiser', communityId: C },
  'outsider-admin': { id: 'admin2', role: 'admin', communityId: 'c2' },
  'outsider-organiser': { id: 'org', role: 'organiser', communityId: 'c2' },
  'outsider-member': { id: 'alice', role: 'member', communityId: 'c2' },
  // Bob acting on Alice's account (or her redemption).
  'member-other': asMember('bob'),
};

function mayIssue(kind: ActorKind, type: string): boolean {
  if (steps.has(type)) return false;
  switch (kind) {
    case 'platform-admin':
      return true;
    case 'organiser':
      return !adminOnly.has(type);
    case 'member-other':
      // Bob may register a member id of his own choosing that is not Alice's only as himself; every command here targets Alice.
      return false;
    default:
      return false;
  }
}

const allTypes = Object.keys(commandSchemas) as CommandType[];
const refusedPairs = allTypes.flatMap((type) =>
  (Object.keys(actors) as ActorKind[]).filter((kind) => !mayIssue(kind, type)).map((kind) => ({ type, kind })),
);

describe('rule 10: a refusal leaves no trace', () => {
  it('covers every command type with at least one actor who may not issue it', () => {
    for (const type of allTypes) expect(refusedPairs.some((p) => p.type === type), type).toBe(true);
    // Members are refused on others' accounts for every command that acts on one.
    for (const type of ownedCommands) expect(refusedPairs.some((p) => p.type === type && p.kind === 'member-other'), type).toBe(true);
  });

  it('an actor who may not issue a command is told not-allowed, and nothing changes anywhere: store, vault, idempotency records, read models', async () => {
    const w = await world();
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...refusedPairs), fc.nat(1_000_000), fc.option(fc.string({ minLength: 1, maxLength: 20 }), { nil: undefined }), async ({ type, kind }, n, key) => {
        const command = commandOf(type, 'alice', n);
        const before = await footprint(w);
        const result = await w.ledger.execute(command, { actor: actors[kind], ...(key === undefined ? {} : { idempotencyKey: key }) });
        expect(result.ok, `${kind} ${type} was accepted`).toBe(false);
        if (!result.ok) expect(result.error.code, `${kind} ${type}: ${result.error.message}`).toBe('not-allowed');
        expect(await footprint(w), `${kind} ${type} left a trace`).toEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('the erasure of the issue: refused for another community, another member and an unappointed organiser — and the profile still opens', async () => {
    const w = await world();
    for (const kind of ['outsider-admin', 'outsider-organiser', 'outsider-member', 'member-other', 'unappointed', 'organiser'] as const) {
      const before = await footprint(w);
      const result = await w.ledger.execute({ type: 'ErasePersonalData', communityId: C, memberId: 'alice', reason: 'not theirs to ask' }, { actor: actors[kind] });
      expect(result.ok ? 'accepted' : result.error.code, kind).toBe('not-allowed');
      expect(await footprint(w)).toEqual(before);
    }
    const alice = await w.ledger.member(C, 'alice');
    expect(alice.state.profileErased).toBe(false);
    const sealed = (await w.store.readStream('member-c1-alice')).find((e) => e.type === 'MemberProfileRecorded')!.data['sealed'];
    expect(await w.ledger.vault.open(C, 'alice', sealed as never)).toEqual({ name: 'alice 张', phone: '13800138000' });
  });

  it('every refused command — whatever its domain error — appends nothing and changes no key in the vault', async () => {
    const refusals = new Map<string, number>();
    const members = ['alice', 'bob', 'carol', 'nobody'];
    const targets = ['alice', 'alice', 'bob', 'carol', 'nobody'];
    const commandArb = fc
      .tuple(
        // Every caller's command, processes three times as often: theirs are the refusals that could leave residue.
        fc.constantFrom(
          ...allTypes.filter((t) => !steps.has(t)),
          ...(['RequestTransfer', 'RequestRedemption', 'FulfilRedemption', 'PostServiceRequest', 'ClaimWish', 'CheckInWithKioskCode'] as const).flatMap((t) => [t, t]),
        ),
        fc.constantFrom(...targets),
        fc.nat(3),
        fc.integer({ min: 1, max: 400 }),
        fc.constantFrom(...members, donationPoolId),
      )
      .map(([type, member, n, points, to]): CommandInput => {
        const base = commandOf(type, member, n);
        // Vary what the rules look at: amounts that may overdraw or overflow, items that run out, ids that repeat.
        if (base.type === 'RequestTransfer') return { ...base, to, points: String(points) };
        if (base.type === 'RequestRedemption') return { ...base, itemId: n % 2 === 0 ? 'rice' : 'haircut', quantity: 1 + (points % 3) };
        if (base.type === 'GrantPoints') return { ...base, points: String(points * 3) };
        if (base.type === 'PostServiceRequest') return { ...base, pointsOffered: String(points) };
        if (base.type === 'ClaimWish') return { ...base, memberId: n % 2 === 0 ? donationPoolId : member };
        return base;
      });
    await fc.assert(
      fc.asyncProperty(fc.array(fc.tuple(commandArb, fc.boolean()), { minLength: 1, maxLength: 25 }), async (steps) => {
        const w = await world();
        // Some commands are sent twice: the repeat of what was accepted is often refused (already-exists, invalid-state).
        for (const command of steps.flatMap(([command, twice]) => (twice ? [command, command] : [command]))) {
          const before = await footprint(w);
          const result = await w.ledger.execute(command, { actor: admin });
          if (result.ok) continue;
          refusals.set(result.error.code, (refusals.get(result.error.code) ?? 0) + 1);
          const after = await footprint(w);
          expect({ appends: after.appends, keyWrites: after.keyWrites, position: after.position }, `${command.type} refused (${result.error.code}: ${result.error.message}) but left a trace`).toEqual({
            appends: before.appends,
            keyWrites: before.keyWrites,
            position: before.position,
          });
        }
      }),
      {
        numRuns: 60,
        // Sequences that meet each kind of refusal for certain; the random ones add breadth around them.
        examples: [
          [
            [
              [{ type: 'GrantPoints', communityId: C, memberId: 'carol', grantId: 'over', points: '30', reason: 'over the cap' }, false],
              [{ type: 'RequestTransfer', communityId: C, memberId: 'alice', transferId: 't1', to: 'bob', points: '150' }, false],
              [{ type: 'RequestTransfer', communityId: C, memberId: 'alice', transferId: 't2', to: 'alice', points: '1' }, false],
              [{ type: 'RequestTransfer', communityId: C, memberId: 'carol', transferId: 't3', to: 'bob', points: '250' }, false],
              [{ type: 'RequestTransfer', communityId: C, memberId: 'alice', transferId: 't4', to: 'carol', points: '20' }, false],
              [{ type: 'RequestRedemption', communityId: C, memberId: 'alice', redemptionId: 'r1', itemId: 'rice', quantity: 2 }, false],
              [{ type: 'GrantPoints', communityId: C, memberId: 'alice', grantId: 'g1', points: '1', reason: 'again' }, false],
              [{ type: 'DelistItem', communityId: C, itemId: 'rice' }, true],
              [{ type: 'ApproveService', communityId: C, memberId: 'nobody', recordId: 'pending' }, false],
            ],
          ],
        ],
      },
    );
    // A property that never saw the refusals it is about proves nothing.
    for (const code of ['not-found', 'insufficient-points', 'stock-exhausted', 'already-exists', 'invalid-state', 'max-balance-exceeded', 'validation', 'limit-reached']) {
      expect(refusals.get(code) ?? 0, `no ${code} refusal happened: ${JSON.stringify([...refusals])}`).toBeGreaterThan(0);
    }
  });
});
