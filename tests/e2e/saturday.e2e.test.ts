/**
 * A Saturday at 阳光社区 over HTTP, modelled on the seed reports: a free health check (义诊) and a haircut morning
 * (义剪) for 60 residents and a health talk in the afternoon; sign-ups with a wait list that moves up; check-in and
 * check-out with the kiosks' rotating codes (members presenting them with their own credentials) and by an
 * organiser marking a walk-in; closing each activity and approving its attendance in one go; two service requests
 * (点单 → 接单/派单 → 评单) paid in points; a micro-wish (微心愿) paid from the donation pool; then the report, the
 * trial balance and every balance, exactly. And the refusals: another community's member, a member who is not an
 * organiser, a full activity, a stale or foreign kiosk code, malformed input — each answered with a problem
 * document, each leaving the store as it was.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../packages/ledger-core/src/index.js';
import { signHs256Token } from '../../packages/ledger-server/src/tokens.js';
import { EventStoreStandIn } from '../../packages/store-eventstoredb/src/testing/stand-in-server.js';
import { client, jwtSecret, type Reply, startService, type StoreKind, type TestService } from './support.js';

const c = 'sunshine';
const base = `/v1/communities/${c}`;
/** Shanghai time on Saturday 2026-06-06. */
const saturday = (hhmm: string) => new Date(`2026-06-06T${hhmm}:00+08:00`);
const residents = Array.from({ length: 60 }, (_, i) => `r${String(i + 1).padStart(2, '0')}`);
const range = (from: number, to: number) => residents.slice(from - 1, to);

type Call = ReturnType<typeof client>;

// On EventStoreDB too: activities, service requests and wishes were once refused there (their stream categories
// were not in the store's global order), which no test on SQLite or in memory could see.
describe.each<StoreKind>(['sqlite', 'eventstoredb'])('a Saturday of activities, service requests and a micro-wish, over HTTP, on %s', (kind) => {
  const clock = new ManualClock(new Date('2026-06-05T04:00:00Z')); // Friday noon in Shanghai
  let service: TestService;
  let standIn: EventStoreStandIn | undefined;
  let admin: Call;
  let wang: Call;
  const as = new Map<string, Call>();
  const me = (id: string) => as.get(id)!;

  /** A command that must be carried out; its reply. */
  const must = async (call: Call, path: string, body: unknown = {}): Promise<Reply> => {
    const reply = await call('POST', path, body);
    expect(reply.status, `POST ${path} ${JSON.stringify(body)}: ${JSON.stringify(reply.body)}`).toBeLessThan(300);
    return reply;
  };
  const read = async (call: Call, path: string): Promise<any> => {
    const reply = await call('GET', path);
    expect(reply.status, `GET ${path}: ${JSON.stringify(reply.body)}`).toBe(200);
    return reply.body;
  };
  /** What a resident's phone reads off an activity's kiosk right now. */
  const scan = async (activityId: string): Promise<string> => (await read(wang, `${base}/activities/${activityId}/kiosk-code`)).code;
  const kiosk = (r: string, activityId: string, code: string, out = false) => me(r)('POST', `${base}/activities/${activityId}/kiosk-check-${out ? 'outs' : 'ins'}`, { memberId: r, code });
  /** Every event in the store: what "nothing changed" is measured by. */
  const eventCount = async () => (await service.runtime.store.readAll({ maxCount: 1_000_000 })).length;

  beforeAll(async () => {
    if (kind === 'eventstoredb') standIn = await EventStoreStandIn.start();
    service = await startService(kind, { clock, ...(standIn ? { env: { LEDGER_ESDB_CONNECTION_STRING: standIn.connectionString } } : {}) });
    admin = client(service.url, service.adminKey);
    const token = (sub: string, role: 'member' | 'organiser', community = c) => signHs256Token(jwtSecret, { sub, role, community });
    wang = client(service.url, await token('wang', 'organiser'));
    for (const r of residents) as.set(r, client(service.url, await token(r, 'member')));

    await must(admin, '/v1/communities', {
      communityId: c,
      name: '阳光社区',
      timeZone: 'Asia/Shanghai',
      // Activity hours wait for an organiser; typed-in hours (honour hours) earn no points; a confirmed request approves its hours.
      policy: { autoApproveCheckedIn: false, reportedHoursEarnPoints: false, autoApproveConfirmedRequests: true },
    });
    await must(admin, `${base}/organisers`, { memberId: 'wang' });
    for (const r of residents) await must(wang, `${base}/members`, { memberId: r });
    for (const r of ['r55', 'r56']) await must(admin, `${base}/members/${r}/grants`, { grantId: 'may', points: '50', reason: '五月活动积分' });
  }, 120_000);
  afterAll(async () => {
    await service?.close();
    await standIn?.close();
  });

  it('runs the day end to end and the books say exactly what happened', async () => {
    // ── Friday: three activities, sign-ups, a wait list that moves up ──
    const activities = {
      'health-check': { title: '社区义诊', category: 'public-health', startsAt: saturday('08:00'), endsAt: saturday('11:00'), place: '社区卫生站', capacity: 30 },
      haircut: { title: '便民义剪', category: 'elder-care', startsAt: saturday('09:00'), endsAt: saturday('11:30'), place: '活动室', capacity: 12 },
      'health-talk': { title: '健康讲座', category: 'culture', startsAt: saturday('14:00'), endsAt: saturday('16:00'), place: '会议室', capacity: 25 },
    };
    for (const [activityId, a] of Object.entries(activities)) {
      const published = await must(wang, `${base}/activities`, { activityId, ...a, startsAt: a.startsAt.toISOString(), endsAt: a.endsAt.toISOString() });
      expect(published.status).toBe(201);
    }
    for (const r of range(1, 35)) await must(me(r), `${base}/activities/health-check/sign-ups`, { memberId: r });
    for (const r of range(36, 49)) await must(me(r), `${base}/activities/haircut/sign-ups`, { memberId: r });
    for (const r of range(50, 60)) await must(me(r), `${base}/activities/health-talk/sign-ups`, { memberId: r });
    let healthCheck = await read(me('r01'), `${base}/activities/health-check`);
    expect([healthCheck.seatsTaken, healthCheck.seatsLeft, healthCheck.waitListLength]).toEqual([30, 0, 5]);
    expect((await read(me('r33'), `${base}/members/r33/activities`)).activities[0].attendance).toMatchObject({ signUp: 'wait-list', waitListPosition: 3 });
    const open = await read(me('r01'), `${base}/activities?withSeatsLeft=true`);
    expect(open.activities.map((a: any) => [a.activityId, a.seatsLeft])).toEqual([['health-talk', 14]]);

    await must(me('r03'), `${base}/activities/health-check/withdraw`, { memberId: 'r03' });
    await must(me('r04'), `${base}/activities/health-check/withdraw`, { memberId: 'r04' });
    const attendees = (await read(wang, `${base}/activities/health-check/attendees`)).attendees as any[];
    const waiting = attendees.filter((a) => a.signUp === 'wait-list').map((a) => [a.memberId, a.waitListPosition]);
    expect(waiting).toEqual([['r33', 1], ['r34', 2], ['r35', 3]]);
    expect(attendees.filter((a) => a.signUp === 'seat').map((a) => a.memberId)).toEqual([...range(1, 2), ...range(5, 32)]);
    expect((await read(me('r31'), `${base}/members/r31/activities`)).activities[0].attendance).toMatchObject({ signUp: 'seat', waitListPosition: null });

    // ── Saturday morning: the kiosks ──
    clock.set(saturday('07:45'));
    const noShows = new Set(['r10', 'r20', 'r30']);
    const healthSeats = [...range(1, 2), ...range(5, 32)];
    for (const r of healthSeats) {
      if (noShows.has(r)) continue;
      const reply = await kiosk(r, 'health-check', await scan('health-check'));
      expect(reply.status, JSON.stringify(reply.body)).toBe(201);
    }
    const earlyCode = await scan('health-check');
    clock.set(saturday('08:25'));
    const before = await eventCount();
    const stale = await kiosk('r10', 'health-check', earlyCode);
    expect([stale.status, stale.body.code]).toEqual([409, 'invalid-state']);
    expect(stale.body.detail).toMatch(/not current/);
    const again = await kiosk('r05', 'health-check', await scan('health-check'));
    expect([again.status, again.body.code]).toEqual([409, 'already-exists']);
    const waitListed = await kiosk('r33', 'health-check', await scan('health-check'));
    expect([waitListed.status, waitListed.body.code]).toEqual([409, 'invalid-state']);
    const foreign = await kiosk('r36', 'haircut', await scan('health-check'));
    expect([foreign.status, foreign.body.code]).toEqual([403, 'not-allowed']);
    expect(await eventCount()).toBe(before);

    clock.set(saturday('08:55'));
    for (const r of range(36, 47)) await must(me(r), `${base}/activities/haircut/kiosk-check-ins`, { memberId: r, code: await scan('haircut') });
    clock.set(saturday('10:30'));
    for (const r of ['r01', 'r02']) await must(me(r), `${base}/activities/health-check/kiosk-check-outs`, { memberId: r, code: await scan('health-check') });

    // ── Closing the morning and approving it in one go ──
    clock.set(saturday('11:40'));
    const queue = await read(wang, `${base}/organiser-queue?organiserId=wang`);
    expect(queue.activitiesToClose.map((a: any) => a.activityId)).toEqual(['health-check', 'haircut']);
    for (const activityId of ['health-check', 'haircut']) {
      await must(wang, `${base}/activities/${activityId}/close`);
      const closedOnce = await eventCount();
      await must(wang, `${base}/activities/${activityId}/close`);
      expect(await eventCount(), 'closing twice is closing once').toBe(closedOnce);
      await must(wang, `${base}/activities/${activityId}/approve-attendance`);
    }
    healthCheck = await read(wang, `${base}/activities/health-check`);
    expect([healthCheck.status, healthCheck.checkedIn, healthCheck.closing.recorded, healthCheck.closing.voided]).toEqual(['approved', 27, 27, 0]);
    const r01Day = (await read(me('r01'), `${base}/members/r01/activities`)).activities[0].attendance;
    expect(r01Day).toMatchObject({ signUp: 'seat', checkedInAt: saturday('07:45').toISOString(), checkedOutAt: saturday('10:30').toISOString(), outcome: { kind: 'recorded', hours: '2.50' }, approval: 'approved' });

    // ── Afternoon: the talk, marked by the organiser, with a walk-in ──
    clock.set(saturday('13:50'));
    for (const r of range(50, 54)) await must(wang, `${base}/activities/health-talk/check-ins`, { memberId: r });
    const walkIn = await must(wang, `${base}/activities/health-talk/check-ins`, { memberId: 'r48' });
    expect(walkIn.body.events.map((e: any) => e.type)).toContain('AttendeeSignedUp');
    clock.set(saturday('16:10'));
    await must(wang, `${base}/activities/health-talk/close`);
    await must(wang, `${base}/activities/health-talk/approve-attendance`);
    expect((await read(wang, `${base}/organiser-queue`)).activitiesToClose).toEqual([]);

    // ── Evening: two service requests ──
    clock.set(saturday('18:00'));
    const wantedAt = saturday('19:00').toISOString();
    await must(me('r55'), `${base}/service-requests`, { requestId: 'home-haircut', memberId: 'r55', category: 'elder-care', description: '行动不便，请上门理发', wantedAt, place: '5号楼302', pointsOffered: '15' });
    await must(me('r56'), `${base}/service-requests`, { requestId: 'radio', memberId: 'r56', category: 'elder-care', description: '收音机坏了', wantedAt, place: '2号楼101', pointsOffered: '10' });
    expect((await read(me('r40'), `${base}/service-requests?status=open`)).requests.map((q: any) => q.requestId)).toEqual(['home-haircut', 'radio']);
    expect((await read(wang, `${base}/organiser-queue`)).requestsToDispatch.map((q: any) => q.requestId)).toEqual(['home-haircut', 'radio']);
    expect((await read(me('r55'), `${base}/members/r55`)).held).toBe('15.00');
    await must(me('r40'), `${base}/service-requests/home-haircut/take`, { memberId: 'r40' });
    await must(wang, `${base}/service-requests/radio/dispatch`, { volunteerId: 'r41' });
    clock.set(saturday('19:30'));
    await must(me('r40'), `${base}/service-requests/home-haircut/done`, { hours: '1' });
    await must(me('r41'), `${base}/service-requests/radio/done`, { hours: '0.5' });
    await must(me('r55'), `${base}/service-requests/home-haircut/confirm`, { rating: 5, comment: '手艺好，很耐心' });
    await must(me('r56'), `${base}/service-requests/radio/confirm`, { rating: 4 });
    const rateTwice = await me('r56')('POST', `${base}/service-requests/radio/confirm`, { rating: 5 });
    expect(rateTwice.status).toBe(409);
    const served = await read(me('r55'), `${base}/service-requests/home-haircut`);
    expect(served).toMatchObject({ status: 'confirmed', volunteerId: 'r40', assignedVia: 'take', hours: '1.00', rating: 5, payment: 'delivered', ended: 'confirmed' });

    // ── A micro-wish paid from the donation pool ──
    await must(me('r11'), `${base}/members/r11/transfers`, { transferId: 'donation-r11', to: '_pool', points: '20', reason: 'donation' });
    await must(me('r12'), `${base}/members/r12/transfers`, { transferId: 'donation-r12', to: '_pool', points: '25', reason: 'donation' });
    await must(wang, `${base}/wishes`, { wishId: 'picture-books', beneficiaryId: 'r60', title: '一套绘本', points: '40' });
    expect((await read(me('r60'), `${base}/wishes?status=posted`)).wishes.map((w: any) => w.wishId)).toEqual(['picture-books']);
    await must(wang, `${base}/wishes/picture-books/claim`, { memberId: '_pool' });
    await must(wang, `${base}/wishes/picture-books/fulfil`);
    expect(await read(me('r60'), `${base}/wishes/picture-books`)).toMatchObject({ status: 'fulfilled', claimantId: '_pool', points: '40.00' });

    // ── The books ──
    const balance = async (m: string) => (await read(admin, `${base}/members/${m}`)).balance;
    const expected: Record<string, string> = {
      r01: '25.00', // 08:00–10:30 at the health check (time before the start never counts)
      r05: '30.00', // 08:00–11:00
      r10: '0.00', // a no-show
      r11: '10.00', // 30.00 less 20 given to the pool
      r12: '5.00', // 30.00 less 25
      r33: '0.00', // stayed on the wait list
      r36: '25.00', // 09:00–11:30 at the haircut
      r40: '40.00', // the haircut, and 15 points for the haircut at home (its hour is an honour hour: no points)
      r41: '35.00', // the haircut, and 10 points for the radio
      r48: '20.00', // walked in to the talk
      r50: '20.00',
      r55: '35.00', // 50 less the 15 paid
      r56: '40.00', // 50 less the 10 paid
    };
    for (const [m, points] of Object.entries(expected)) expect(await balance(m), m).toBe(points);
    expect((await read(admin, `${base}/members/r40`)).hoursTotal).toBe('3.50');
    // Credit hours (信用时长, measured at the haircut) and honour hours (荣誉时长, the request's, typed in): both count,
    // only the credit hours earned points here; the certificate and the statement say which is which.
    const certificate = await read(me('r40'), `${base}/members/r40/certificate`);
    expect([certificate.approvedHours, certificate.creditHours, certificate.honourHours]).toEqual(['3.50', '2.50', '1.00']);
    expect(certificate.records.map((r: any) => [r.recordId, r.hoursKind, r.hours])).toEqual([
      ['activity.haircut', 'credit', '2.50'],
      ['request.home-haircut', 'honour', '1.00'],
    ]);
    const page = await me('r40')('GET', `${base}/members/r40/certificate.html`);
    expect(page.body).toContain('信用时长（签到签退记录）<strong>2.50</strong> 小时，荣誉时长（事后补录）<strong>1.00</strong> 小时');
    const statement = (await read(me('r01'), `${base}/members/r01/statement`)).entries;
    expect(statement.map((e: any) => e.description)).toEqual(['卫生健康 信用时长 2.50 小时，审核通过（每小时 10 积分）']);

    const report = await read(wang, `${base}/reports/summary?from=2026-06-05&to=2026-06-06`);
    expect(report).toMatchObject({
      activitiesHeld: 3,
      volunteerTurns: 27 + 12 + 6,
      requestsFulfilled: 2,
      ratings: [
        { volunteerId: 'r40', ratings: 1, averageRating: '5.00' },
        { volunteerId: 'r41', ratings: 1, averageRating: '4.00' },
      ],
      hoursByCategory: { culture: '12.00', 'elder-care': '31.50', 'public-health': '80.00' },
      hoursTotal: '123.50',
      // The pool: 45 donated, 40 spent on the picture books.
      points: { issued: '1320.00', spent: '40.00', donated: '45.00', donationPool: '5.00', outstanding: '1275.00' }, // 1320 issued less 45 given to the pool
    });
    const books = await read(admin, `${base}/reports/trial-balance`);
    expect(books.balanced).toBe(true);
    expect(books.total).toBe('0.00');
  }, 240_000);

  it('refuses, with a problem document and no trace: another community, not an organiser, a full activity, malformed input', async () => {
    const harbour = client(service.url, await signHs256Token(jwtSecret, { sub: 'h1', role: 'member', community: 'harbour' }));
    const harbourOrganiser = client(service.url, await signHs256Token(jwtSecret, { sub: 'h-org', role: 'organiser', community: 'harbour' }));
    await must(admin, '/v1/communities', { communityId: 'harbour', name: '港湾社区', timeZone: 'Asia/Shanghai' });
    await must(admin, '/v1/communities/harbour/organisers', { memberId: 'h-org' });
    await must(admin, '/v1/communities/harbour/members', { memberId: 'h1' });
    clock.set(saturday('20:00'));
    await must(wang, `${base}/activities`, { activityId: 'sunday-walk', title: '健步走', category: 'fitness', startsAt: '2026-06-07T00:00:00Z', endsAt: '2026-06-07T02:00:00Z', place: '江边', capacity: 1 });
    await must(me('r07'), `${base}/activities/sunday-walk/sign-ups`, { memberId: 'r07' });
    await must(harbour, `/v1/communities/harbour/service-requests`, { requestId: 'h-req', memberId: 'h1', category: 'elder-care', description: '帮忙', wantedAt: '2026-06-08T02:00:00Z', place: '港湾1号' });

    const before = await eventCount();
    const refusals: Array<[string, Call, string, unknown, number, string]> = [
      ['a member of another community signs up here', harbour, `${base}/activities/sunday-walk/sign-ups`, { memberId: 'h1' }, 403, 'not-allowed'],
      ['an organiser of another community closes an activity here', harbourOrganiser, `${base}/activities/sunday-walk/cancel`, { reason: 'x' }, 403, 'not-allowed'],
      ['a member signs up someone else', me('r08'), `${base}/activities/sunday-walk/sign-ups`, { memberId: 'r09' }, 403, 'not-allowed'],
      ['a member, not an organiser, publishes an activity', me('r08'), `${base}/activities`, { activityId: 'x', title: 'x', category: 'fitness', startsAt: '2026-06-07T00:00:00Z', endsAt: '2026-06-07T01:00:00Z', place: 'x', capacity: 5 }, 403, 'not-allowed'],
      ['a member, not an organiser, dispatches a request', me('r08'), `${base}/service-requests/radio/dispatch`, { volunteerId: 'r08' }, 403, 'not-allowed'],
      ['a member reads the kiosk code', me('r08'), `${base}/activities/sunday-walk/kiosk-code`, undefined, 403, 'not-allowed'],
      ['a requester rates a request of another community', harbour, `${base}/service-requests/radio/confirm`, { rating: 1 }, 403, 'not-allowed'],
      ['an offer of more points than are available', me('r10'), `${base}/service-requests`, { requestId: 'broke', memberId: 'r10', category: 'elder-care', description: '帮忙', wantedAt: '2026-06-08T02:00:00Z', place: '1号楼', pointsOffered: '1' }, 422, 'insufficient-points'],
      ['a capacity of zero', wang, `${base}/activities`, { activityId: 'bad', title: 'x', category: 'fitness', startsAt: '2026-06-07T00:00:00Z', endsAt: '2026-06-07T01:00:00Z', place: 'x', capacity: 0 }, 400, 'validation'],
      ['an activity that ends before it starts', wang, `${base}/activities`, { activityId: 'bad', title: 'x', category: 'fitness', startsAt: '2026-06-07T02:00:00Z', endsAt: '2026-06-07T01:00:00Z', place: 'x', capacity: 5 }, 400, 'validation'],
      ['a rating of six', me('r55'), `${base}/service-requests/home-haircut/confirm`, { rating: 6 }, 400, 'validation'],
      ['a kiosk code that is not one', me('r07'), `${base}/activities/sunday-walk/kiosk-check-ins`, { memberId: 'r07', code: 'letmein' }, 400, 'validation'],
      ['a body field the command does not have', wang, `${base}/wishes`, { wishId: 'w9', beneficiaryId: 'r60', title: 'x', points: '5', colour: 'red' }, 400, 'validation'],
      ['points with three decimals', wang, `${base}/wishes`, { wishId: 'w9', beneficiaryId: 'r60', title: 'x', points: '5.001' }, 400, 'validation'],
      ['a body that is not JSON', wang, `${base}/wishes`, '{"wishId":', 400, 'validation'],
    ];
    for (const [what, call, path, body, status, code] of refusals) {
      const reply = await call(body === undefined ? 'GET' : 'POST', path, body);
      expect([reply.status, reply.body.code], `${what}: ${JSON.stringify(reply.body)}`).toEqual([status, code]);
      expect(reply.headers.get('content-type'), what).toMatch(/^application\/problem\+json/);
      expect(reply.body.detail.length, what).toBeGreaterThan(10);
    }
    expect(await eventCount()).toBe(before);

    // Full: the only seat is taken, so a sign-up waits, the capacity cannot drop below the seats taken, and a walk-in is refused.
    await must(me('r08'), `${base}/activities/sunday-walk/sign-ups`, { memberId: 'r08' });
    expect((await read(me('r08'), `${base}/members/r08/activities`)).activities.at(-1).attendance).toMatchObject({ signUp: 'wait-list', waitListPosition: 1 });
    const afterSignUp = await eventCount();
    await must(wang, `${base}/activities/sunday-walk/change`, { capacity: 2 }); // r08 moves up
    const shrink = await wang('POST', `${base}/activities/sunday-walk/change`, { capacity: 1, place: '公园' });
    expect([shrink.status, shrink.body.code], JSON.stringify(shrink.body)).toEqual([409, 'invalid-state']);
    const afterChange = await eventCount();
    expect(afterChange).toBeGreaterThan(afterSignUp);
    clock.set(new Date('2026-06-07T00:10:00Z'));
    const full = await wang('POST', `${base}/activities/sunday-walk/check-ins`, { memberId: 'r09' });
    expect([full.status, full.body.code]).toEqual([422, 'limit-reached']);
    const walk = await read(wang, `${base}/activities/sunday-walk`);
    expect([walk.seatsTaken, walk.capacity, walk.checkedIn, walk.place]).toEqual([2, 2, 0, '江边']);
    expect(await eventCount()).toBe(afterChange);
  }, 120_000);
});
