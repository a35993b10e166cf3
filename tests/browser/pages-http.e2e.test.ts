/**
 * The pages' sessions without a browser: sign-in cards are one-time and revocable, a member's session
 * reaches only their own page and no console page, POSTs need the session's CSRF token (a refused one
 * changes nothing), and sessions and cards survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communityId, FormClient, hiddenField, makeCard, organiserClient, organiserId, type PageService, startPageService } from './support.js';
import { join } from 'node:path';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
import { SqliteSessionStore, sessionsFileName } from '../../packages/ledger-server/src/ui/index.js';
import { calendarDateIn } from '../../packages/ledger-core/src/index.js';
import { client, jwtSecret, startService } from '../e2e/support.js';

let service: PageService;
let organiser: { client: FormClient; csrf: string };

beforeAll(async () => {
  service = await startPageService('sqlite', { keepData: true });
  organiser = await organiserClient(service.url, service.organiserKey);
});
afterAll(async () => service?.close());

async function residentOf(memberId: string): Promise<{ client: FormClient; csrf: string; page: string }> {
  const link = await makeCard(organiser, memberId);
  const client = new FormClient(service.url);
  const path = new URL(link).pathname;
  expect((await client.get(path)).status).toBe(200);
  const used = await client.post(path, {});
  expect(used.status).toBe(303);
  expect(used.location).toBe('/app');
  const page = await client.get('/app');
  expect(page.status).toBe(200);
  return { client, csrf: hiddenField(page.text, '_csrf'), page: page.text };
}

/** The account as the JSON API answers it, read with the admin key. */
const accountOf = async (memberId: string) => (await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/members/${memberId}`)).body as { available: string; held: string };
const heldOf = async (memberId: string) => (await accountOf(memberId)).held;

describe('activities on the resident page', () => {
  it('a resident signs up, the next one waits, and moves up when the first withdraws — through the same commands as the API', async () => {
    const day = 86_400_000;
    const startsAt = new Date(Math.ceil((Date.now() + 2 * day) / 3_600_000) * 3_600_000);
    const published = await client(service.url, service.adminKey)('POST', `/v1/communities/${communityId}/activities`, {
      activityId: 'page-health-check',
      title: '健康义诊',
      category: 'elder-care',
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 2 * 3_600_000).toISOString(),
      place: '社区活动室',
      capacity: 1,
    });
    expect(published.status, JSON.stringify(published.body)).toBe(201);
    const first = await residentOf('liu-yang');
    const second = await residentOf('chen-jie');
    expect(first.page).toContain('健康义诊');
    expect(first.page).toContain('还有 1 个名额');
    const signUp = (r: { client: FormClient; csrf: string }) => r.client.post('/app/activities/page-health-check/sign-up', { _csrf: r.csrf, _once: crypto.randomUUID() });
    expect((await signUp(first)).location).toBe('/app?done=signed-up');
    expect((await signUp(second)).location).toBe('/app?done=signed-up');
    expect((await first.client.get('/app')).text).toContain('data-testid="my-seat"');
    expect((await second.client.get('/app')).text).toMatch(/data-testid="my-wait">您在候补名单第 (<!-- -->)?1(<!-- -->)? 位/);
    // Without the page's token nothing happens.
    expect((await first.client.post('/app/activities/page-health-check/withdraw', {})).status).toBe(403);
    const withdrawn = await first.client.post('/app/activities/page-health-check/withdraw', { _csrf: first.csrf, _once: crypto.randomUUID() });
    expect(withdrawn.location).toBe('/app?done=withdrawn');
    expect((await second.client.get('/app')).text).toContain('data-testid="my-seat"');
    const activity = await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/activities/page-health-check`);
    expect(activity.body).toMatchObject({ seatsTaken: 1, waitListLength: 0 });
  });
});

describe('service requests and micro-wishes on the resident page', () => {
  const admin = { id: 'test-admin', role: 'admin' as const, communityId };
  const as = (r: { csrf: string }, extra: Record<string, string> = {}) => ({ _csrf: r.csrf, _once: crypto.randomUUID(), ...extra });
  const balances = async (memberId: string) => {
    const { available, held, balance } = (await accountOf(memberId)) as { available: string; held: string; balance: string };
    return { available, held, balance };
  };
  const requestOf = async (requestId: string) => (await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/service-requests/${requestId}`)).body as { status: string; volunteerId: string | null; rating: number | null };

  beforeAll(async () => {
    for (const [memberId, name] of [['sun-li', '孙丽'], ['zhou-qiang', '周强'], ['wu-hao', '吴昊']] as const) {
      for (const command of [
        { type: 'RegisterMember', communityId, memberId, profile: { name } },
        { type: 'GrantPoints', communityId, memberId, grantId: `grant-${memberId}`, points: '40.00', reason: '测试起始积分' },
      ] as const) {
        const result = await service.runtime.ledger.execute(command, { actor: admin });
        if (!result.ok) throw new Error(`${command.type}: ${result.error.message}`);
      }
    }
  });

  it('post → take → done → confirm and rate: the offered points move from requester to volunteer, exactly', async () => {
    const requester = await residentOf('sun-li');
    const volunteer = await residentOf('zhou-qiang');
    const other = await residentOf('wu-hao');
    const before = { requester: await balances('sun-li'), volunteer: await balances('zhou-qiang') };
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);

    const posted = await requester.client.post('/app/requests', as(requester, { category: 'elder-care', description: '帮忙买菜送上楼', place: '3号楼 502', date: tomorrow, time: '10:00', points: '12.5' }));
    expect(posted.location).toBe('/app?done=request-posted');
    const mine = await requester.client.get('/app');
    expect(mine.text).toContain('帮忙买菜送上楼');
    expect(mine.text).toContain('悬赏 12.50 积分');
    expect(mine.text).toContain('10:00');
    const requestId = /\/app\/requests\/([^/"]+)\/cancel/.exec(mine.text)![1]!;
    // Held at once: available down by the offer, balance unchanged.
    expect(await balances('sun-li')).toEqual({ ...before.requester, available: (Number(before.requester.available) - 12.5).toFixed(2), held: '12.50' });

    // The volunteer sees it among the open ones and takes it; another member cannot mark it done or cancel it.
    const page = await volunteer.client.get('/app');
    expect(page.text).toContain(`/app/requests/${requestId}/take`);
    expect((await requester.client.get('/app')).text).not.toContain(`/app/requests/${requestId}/take`);
    expect((await volunteer.client.post(`/app/requests/${requestId}/take`, as(volunteer))).location).toBe('/app?done=request-taken');
    expect(await requestOf(requestId)).toMatchObject({ status: 'assigned', volunteerId: 'zhou-qiang' });
    expect((await other.client.post(`/app/requests/${requestId}/done`, as(other, { hours: '1' }))).location).toBe('/app?error=not-allowed');
    expect((await other.client.post(`/app/requests/${requestId}/cancel`, as(other))).location).toBe('/app?error=not-allowed');
    // The requester cannot mark their own request done either: that is the volunteer's.
    expect((await requester.client.post(`/app/requests/${requestId}/done`, as(requester, { hours: '1' }))).location).toBe('/app?error=not-allowed');
    const refused = await other.client.get('/app?error=not-allowed');
    expect(refused.text).toContain('您没有权限进行这项操作');
    expect((await requestOf(requestId)).status).toBe('assigned');

    expect((await volunteer.client.post(`/app/requests/${requestId}/done`, as(volunteer, { hours: '1.5' }))).location).toBe('/app?done=request-done');
    // Only the requester confirms (评单).
    expect((await volunteer.client.post(`/app/requests/${requestId}/confirm`, as(volunteer, { rating: '5' }))).location).toBe('/app?error=not-allowed');
    const toConfirm = await requester.client.get('/app');
    expect(toConfirm.text).toContain(`/app/requests/${requestId}/confirm`);
    expect(toConfirm.text).toContain('志愿者服务了 1.50 小时');
    expect((await requester.client.post(`/app/requests/${requestId}/confirm`, as(requester, { rating: '4', comment: '很及时，谢谢' }))).location).toBe('/app?done=request-confirmed');
    expect(await requestOf(requestId)).toMatchObject({ status: 'confirmed', rating: 4 });

    const after = { requester: await balances('sun-li'), volunteer: await balances('zhou-qiang') };
    expect(after.requester).toEqual({ balance: (Number(before.requester.balance) - 12.5).toFixed(2), available: (Number(before.requester.available) - 12.5).toFixed(2), held: '0.00' });
    // The hours wait for an organiser (the policy does not approve confirmed requests itself): only the offer moved.
    expect(after.volunteer).toEqual({ ...before.volunteer, balance: (Number(before.volunteer.balance) + 12.5).toFixed(2), available: (Number(before.volunteer.available) + 12.5).toFixed(2) });
    const statement = (await requester.client.get('/app')).text;
    expect(statement).toContain('您的评价：★★★★');
    // The statement says what moved, in words: the offer held, then paid to the volunteer.
    expect(statement).toContain(`邻里互助需求 ${requestId} 的悬赏，冻结 12.50 积分`);
    expect(statement).toContain(`邻里互助需求 ${requestId} 已确认，悬赏的积分付给 zhou-qiang`);
    expect((await volunteer.client.get('/app')).text).toContain(`邻里互助需求 ${requestId}：收到 sun-li 的悬赏积分`);
  });

  it('a requester cancels an open request and the hold comes back; a refused post changes nothing', async () => {
    const requester = await residentOf('wu-hao');
    const before = await balances('wu-hao');
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    // More than they have: refused in words, nothing held.
    const tooMuch = await requester.client.post('/app/requests', as(requester, { category: 'elder-care', description: '陪同看病', place: '社区医院', date: tomorrow, time: '08:30', points: '999' }));
    expect(tooMuch.location).toBe('/app?error=insufficient-points');
    expect((await requester.client.get(tooMuch.location!)).text).toContain('可用积分不够');
    const noCategory = await requester.client.post('/app/requests', as(requester, { category: 'no-such', description: '陪同看病', place: '社区医院', date: tomorrow, time: '08:30' }));
    expect(noCategory.location).toMatch(/^\/app\?error=/);
    expect(await balances('wu-hao')).toEqual(before);

    expect((await requester.client.post('/app/requests', as(requester, { category: 'elder-care', description: '陪同看病', place: '社区医院', date: tomorrow, time: '08:30', points: '5' }))).location).toBe('/app?done=request-posted');
    expect((await balances('wu-hao')).held).toBe('5.00');
    const page = await requester.client.get('/app');
    const requestId = /\/app\/requests\/([^/"]+)\/cancel/.exec(page.text)![1]!;
    expect((await requester.client.post(`/app/requests/${requestId}/cancel`, as(requester))).location).toBe('/app?done=request-cancelled');
    expect(await balances('wu-hao')).toEqual(before);
    expect((await requester.client.get('/app')).text).toContain('已取消');
  });

  it('a resident sees wishes waiting and claims one; posting a wish stays an organiser\'s', async () => {
    const posted = await client(service.url, service.organiserKey)('POST', `/v1/communities/${communityId}/wishes`, { wishId: 'wish-radio', beneficiaryId: 'li-wei', title: '一台收音机', points: '30' });
    expect(posted.status, JSON.stringify(posted.body)).toBe(201);
    const resident = await residentOf('zhou-qiang');
    expect(resident.page).toContain('一台收音机');
    expect(resident.page).not.toContain('action="/app/wishes"');
    expect((await resident.client.post('/app/wishes/wish-radio/claim', as(resident))).location).toBe('/app?done=wish-claimed');
    const wish = (await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/wishes/wish-radio`)).body;
    expect(wish).toMatchObject({ status: 'claimed', claimantId: 'zhou-qiang' });
    const page = await resident.client.get('/app');
    expect(page.text).toContain('data-testid="my-wish"');
    expect(page.text).not.toContain('/app/wishes/wish-radio/claim');
    // Claimed once: another member's claim is refused in words and changes nothing.
    const other = await residentOf('sun-li');
    expect((await other.client.post('/app/wishes/wish-radio/claim', as(other))).location).toMatch(/^\/app\?error=/);
    expect((await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/wishes/wish-radio`)).body.claimantId).toBe('zhou-qiang');
  });
});

describe('sign-in cards', () => {
  it('a card signs its member in once, with a cookie scripts cannot read', async () => {
    const link = await makeCard(organiser, 'li-wei');
    const client = new FormClient(service.url);
    const path = new URL(link).pathname;
    // Opening the link (a link previewer does) does not use the card up.
    expect((await client.get(path)).status).toBe(200);
    const used = await client.post(path, {});
    expect(used.status).toBe(303);
    const cookie = used.res.headers.getSetCookie().join('\n');
    expect(cookie).toMatch(/vl_app_session=/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    expect(cookie).toMatch(/Path=\/app/);
    expect(cookie).not.toMatch(/Secure/); // plain http here; Secure over TLS
    const page = await client.get('/app');
    expect(page.text).toContain('李伟');
    const account = await accountOf('li-wei');
    expect(page.text).toContain(`data-testid="available">${account.available}<`);

    const again = await new FormClient(service.url).post(path, {});
    expect(again.status).toBe(410);
    expect(again.text).toContain('已经用过');
  });

  it('a revoked card does not sign in, and revoking ends the sessions it started', async () => {
    const first = await residentOf('zhang-min');
    const unused = await makeCard(organiser, 'zhang-min');
    const page = await organiser.client.get('/console/members/zhang-min');
    const cardIds = [...page.text.matchAll(/\/cards\/([0-9a-f]{16})\/revoke/g)].map((m) => m[1]!);
    expect(cardIds).toHaveLength(2);
    for (const id of cardIds) {
      const revoked = await organiser.client.post(`/console/members/zhang-min/cards/${id}/revoke`, { _csrf: organiser.csrf });
      expect(revoked.status).toBe(303);
    }
    const refused = await new FormClient(service.url).post(new URL(unused).pathname, {});
    expect(refused.status).toBe(410);
    expect(refused.text).toContain('作废');
    // The phone that signed in with the first card is signed out.
    expect((await first.client.get('/app')).status).toBe(401);
  });

  it('an unknown card is refused', async () => {
    const res = await new FormClient(service.url).post('/app/card/0123456789abcdef.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', {});
    expect(res.status).toBe(404);
  });
});

describe("a member's session", () => {
  it('opens no console page, whichever cookie name it is sent under', async () => {
    const { client } = await residentOf('chen-jie');
    const token = client.cookies.get('vl_app_session')!;
    const asConsole = new FormClient(service.url);
    asConsole.cookies.set('vl_console_session', token);
    for (const path of ['/console', '/console/members', '/console/members/li-wei', '/console/shop', '/console/reports', '/console/reports/monthly.csv']) {
      const res = await asConsole.get(path);
      expect(res.status, path).toBe(303);
      expect(res.location, path).toBe('/console/sign-in');
    }
    const post = await asConsole.post('/console/records/bulk', { action: 'approve', record: 'helper-0/pending-0' });
    expect(post.status).toBe(401);
    const pending = await service.runtime.models.serviceRecords(communityId, { status: 'pending' });
    expect(pending.some((r) => r.recordId === 'pending-0')).toBe(true);
  });

  it("cannot act on another member's redemption, and sees only its own page", async () => {
    // 陈杰 has 30 points, enough for the haircut; 刘洋 tries to cancel it.
    const liu = await residentOf('chen-jie');
    const chen = await residentOf('liu-yang');
    const redeemed = await liu.client.post('/app/redeem', { _csrf: liu.csrf, _once: crypto.randomUUID(), itemId: 'haircut' });
    expect(redeemed.location).toBe('/app?done=redeemed');
    const liuPage = await liu.client.get('/app');
    const redemptionId = /\/app\/redemptions\/([^/]+)\/cancel/.exec(liuPage.text)![1]!;
    const heldBefore = await heldOf('chen-jie');
    expect(heldBefore).toBe('20.00');
    const cancel = await chen.client.post(`/app/redemptions/${redemptionId}/cancel`, { _csrf: chen.csrf, _once: crypto.randomUUID() });
    expect(cancel.location).toBe('/app?error=not-found');
    expect(await heldOf('chen-jie')).toBe(heldBefore);
    expect(chen.page).toContain('刘洋');
    expect(chen.page).not.toContain('陈杰');
  });

  it('a member credential cannot sign in to the console', async () => {
    const { token } = await service.runtime.credentials.createApiKey({ role: 'member', communityId, subject: 'li-wei' });
    const res = await new FormClient(service.url).post('/console/sign-in', { credential: token });
    expect(res.status).toBe(403);
    expect(res.res.headers.getSetCookie()).toEqual([]);
  });

  it("an embedding app's member JWT opens the page as that member", async () => {
    const jwt = await signHs256Token(jwtSecret, { sub: 'li-wei', role: 'member', community: communityId });
    const page = await new FormClient(service.url).get('/app', { authorization: `Bearer ${jwt}` });
    expect(page.status).toBe(200);
    expect(page.text).toContain('李伟');
    const client = new FormClient(service.url);
    const exchanged = await client.post('/app/sign-in', { token: jwt });
    expect(exchanged.status).toBe(303);
    expect((await client.get('/app')).text).toContain('李伟');
  });
});

describe('a console session and the key it was started with', () => {
  it('ends when the key is revoked: the next page goes to sign-in and a POST with the old token does nothing', async () => {
    const { record, token } = await service.runtime.credentials.createApiKey({ role: 'organiser', communityId, subject: organiserId, label: 'revoked in a test' });
    const desk = await organiserClient(service.url, token);
    expect((await desk.client.get('/console')).status).toBe(200);
    // Another desk signed in with another key is not affected.
    const otherDesk = await organiserClient(service.url, service.organiserKey);
    expect(await service.runtime.credentials.revokeApiKey(record.id)).toBe(true);

    const page = await desk.client.get('/console');
    expect(page.status).toBe(303);
    expect(page.location).toBe('/console/sign-in');
    const post = await desk.client.post('/console/records/bulk', { _csrf: desk.csrf, _once: crypto.randomUUID(), action: 'approve', record: 'helper-9/pending-9' });
    expect(post.status).toBe(401);
    const pending = (await service.runtime.models.serviceRecords(communityId, { status: 'pending' })).map((r) => r.recordId);
    expect(pending).toContain('pending-9');
    // Ended, not only refused: the session is gone from the store.
    const stored = SqliteSessionStore.open(join(service.dataDir, sessionsFileName));
    try {
      const stillThere = await stored.session(otherDesk.client.cookies.get('vl_console_session')!, new Date());
      expect(stillThere).not.toBeNull();
      expect(await stored.session(desk.client.cookies.get('vl_console_session')!, new Date())).toBeNull();
    } finally {
      await stored.close();
    }
    expect((await otherDesk.client.get('/console')).status).toBe(200);
    // Signing in again with the revoked key is refused.
    expect((await new FormClient(service.url).post('/console/sign-in', { credential: token })).status).toBe(401);
  });
});

describe('CSRF', () => {
  it('a resident POST without the token, or with another, is refused and changes nothing', async () => {
    const { client } = await residentOf('li-wei');
    const held = await heldOf('li-wei');
    for (const form of [{ itemId: 'haircut' }, { itemId: 'haircut', _csrf: 'not-the-token' }] as Array<Record<string, string>>) {
      const res = await client.post('/app/redeem', form);
      expect(res.status).toBe(403);
    }
    expect(await heldOf('li-wei')).toBe(held);
    expect((await service.runtime.models.redemptions(communityId, { memberId: 'li-wei' })).filter((r) => r.status === 'held')).toEqual([]);
  });

  it('a console POST without the token is refused and approves nothing', async () => {
    const res = await organiser.client.post('/console/records/bulk', { action: 'approve', record: ['helper-1/pending-1', 'helper-2/pending-2'] });
    expect(res.status).toBe(403);
    const pending = (await service.runtime.models.serviceRecords(communityId, { status: 'pending' })).map((r) => r.recordId);
    expect(pending).toEqual(expect.arrayContaining(['pending-1', 'pending-2']));
  });

  it('a form larger than any page makes is refused before it is read', async () => {
    const res = await organiser.client.post('/console/records/bulk', { _csrf: organiser.csrf, action: 'approve', record: Array.from({ length: 20_000 }, (_, i) => `helper-3/pending-${i}`) });
    expect(res.status).toBe(413);
    const pending = (await service.runtime.models.serviceRecords(communityId, { status: 'pending' })).map((r) => r.recordId);
    expect(pending).toContain('pending-3');
  });

  it('a form from another origin is refused even with the token', async () => {
    const res = await organiser.client.post('/console/records/bulk', { _csrf: organiser.csrf, action: 'approve', record: 'helper-3/pending-3' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const pending = (await service.runtime.models.serviceRecords(communityId, { status: 'pending' })).map((r) => r.recordId);
    expect(pending).toContain('pending-3');
  });
});

describe("the console's actions are the ledger's commands", () => {
  const api = () => client(service.url, service.adminKey);
  const form = (extra: Record<string, string | string[]> = {}) => ({ _csrf: organiser.csrf, _once: crypto.randomUUID(), ...extra });
  const recordStatus = async (memberId: string, recordId: string) =>
    ((await api()('GET', `/v1/communities/${communityId}/members/${memberId}/service-records`)).body.records as Array<{ recordId: string; status: string }>).find((r) => r.recordId === recordId)?.status;

  it('reject needs a reason; with one the record is rejected; an approved record is reversed', async () => {
    const noReason = await organiser.client.post('/console/records/bulk', form({ action: 'reject', record: 'helper-4/pending-4' }));
    expect(noReason.status).toBe(400);
    expect(await recordStatus('helper-4', 'pending-4')).toBe('pending');
    const rejected = await organiser.client.post('/console/records/bulk', form({ action: 'reject', reason: '重复登记', record: 'helper-4/pending-4' }));
    expect(rejected.location).toBe('/console?done=rejected&count=1');
    expect(await recordStatus('helper-4', 'pending-4')).toBe('rejected');

    const approved = await organiser.client.post('/console/records/bulk', form({ action: 'approve', record: 'helper-5/pending-5' }));
    expect(approved.location).toBe('/console?done=approved&count=1');
    const reversed = await organiser.client.post('/console/records/reverse', form({ memberId: 'helper-5', recordId: 'pending-5', reason: '登记错误' }));
    expect(reversed.status).toBe(303);
    expect(await recordStatus('helper-5', 'pending-5')).toBe('reversed');
  });

  it('the same form sent twice does the command once', async () => {
    const once = form({ action: 'approve', record: 'helper-6/pending-6' });
    const first = await organiser.client.post('/console/records/bulk', once);
    const second = await organiser.client.post('/console/records/bulk', once);
    expect([first.location, second.location]).toEqual(['/console?done=approved&count=1', '/console?done=approved&count=1']);
    const account = (await api()('GET', `/v1/communities/${communityId}/members/helper-6`)).body;
    expect(account.balance).toBe('10.00');
  });

  it('registers a member, records a profile, lists, reprices and delists an item, hands a redemption over', async () => {
    expect((await organiser.client.post('/console/members', form({ memberId: 'zhao-lei', name: '赵磊', building: '5号楼' }))).status).toBe(303);
    expect((await organiser.client.post('/console/members/zhao-lei/profile', form({ name: '赵磊', phone: '13800000000' }))).status).toBe(303);
    const profile = (await api()('GET', `/v1/communities/${communityId}/members/zhao-lei/profile`)).body.profile;
    expect(profile).toEqual({ name: '赵磊', phone: '13800000000' });

    expect((await organiser.client.post('/console/shop/items', form({ itemId: 'soap', name: '肥皂', kind: 'goods', pointsCost: '5', stock: '3' }))).status).toBe(303);
    expect((await organiser.client.post('/console/shop/items/soap/reprice', form({ pointsCost: '6.5' }))).status).toBe(303);
    let soap = (await api()('GET', `/v1/communities/${communityId}/catalogue`)).body.items.find((i: { itemId: string }) => i.itemId === 'soap');
    expect([soap.pointsCost, soap.available]).toEqual(['6.50', 3]);
    expect((await organiser.client.post('/console/shop/items/soap/delist', form())).status).toBe(303);
    soap = (await api()('GET', `/v1/communities/${communityId}/catalogue`)).body.items.find((i: { itemId: string }) => i.itemId === 'soap');
    expect(soap).toBeUndefined();

    // A refused command is a page that says why, and changes nothing.
    const bad = await organiser.client.post('/console/shop/items', form({ itemId: 'soap', name: '肥皂', kind: 'goods', pointsCost: '5' }));
    expect(bad.status).toBe(409);
    expect(bad.text).toContain('already-exists');

    const resident = await residentOf('zhang-min');
    await resident.client.post('/app/redeem', { _csrf: resident.csrf, _once: crypto.randomUUID(), itemId: 'haircut' });
    const held = (await api()('GET', `/v1/communities/${communityId}/redemptions?memberId=zhang-min&status=held`)).body.redemptions;
    expect(held).toHaveLength(1);
    const shop = await organiser.client.get('/console/shop');
    expect(shop.text).toContain(`/console/redemptions/${held[0].redemptionId}/fulfil`);
    expect((await organiser.client.post(`/console/redemptions/${held[0].redemptionId}/fulfil`, form())).status).toBe(303);
    expect((await api()('GET', `/v1/communities/${communityId}/redemptions/${held[0].redemptionId}`)).body.status).toBe('fulfilled');
  });

  it("erasure goes through the ledger's rules: the console's answer is the API's for the same organiser", async () => {
    const viaApi = await client(service.url, service.organiserKey)('POST', `/v1/communities/${communityId}/members/helper-7/erasure`, { reason: '本人申请' });
    const viaConsole = await organiser.client.post('/console/members/helper-8/erasure', form({ reason: '本人申请' }));
    const erased = async (memberId: string) => (await api()('GET', `/v1/communities/${communityId}/members/${memberId}/profile`)).body.erased as boolean;
    expect(viaConsole.status).toBe(viaApi.status === 200 ? 303 : viaApi.status);
    expect(await erased('helper-8')).toBe(await erased('helper-7'));
  });
});

describe("the console's report: points outstanding over time", () => {
  it("has each month end's outstanding points in the CSV and as a line on the chart: none before anything happened, the API's outstanding now for this month", async () => {
    const today = calendarDateIn(new Date(), 'Asia/Shanghai');
    const [year, month] = today.split('-').map(Number) as [number, number];
    const start = new Date(Date.UTC(year, month - 3, 1)).toISOString().slice(0, 10);
    const csv = await organiser.client.get(`/console/reports/monthly.csv?from=${start}&to=${today}`);
    expect(csv.status).toBe(200);
    const [head, ...rows] = csv.text.replace(/^\uFEFF/, '').trim().split('\r\n').map((line) => line.split(','));
    const column = head!.indexOf('月末未使用积分');
    expect(column).toBeGreaterThan(0);
    const summary = await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/reports/summary?from=${today}&to=${today}`);
    const outstanding = summary.body.points.outstanding as string;
    expect(Number(outstanding)).toBeGreaterThan(0);
    // The service started today: the months before it end with nothing outstanding; this one ends (so far) at what is outstanding now.
    expect(rows.map((row) => row[column])).toEqual([...rows.slice(0, -1).map(() => '0.00'), outstanding]);
    expect(rows.at(-1)![0]).toBe(today.slice(0, 7));

    const page = await organiser.client.get(`/console/reports?from=${start}&to=${today}`);
    expect(page.text).toContain('class="line-series"');
    expect(page.text).toContain(`${today.slice(2, 7)} 月末未使用: ${Number(outstanding) % 1 === 0 ? Number(outstanding) : Number(outstanding).toFixed(1)}`);
  });
});

// Last: it closes the service the other tests share.
describe('across a restart', () => {
  it('sessions and unused cards survive it', async () => {
    const signedIn = await residentOf('li-wei');
    const card = await makeCard(organiser, 'li-wei');
    const { dataDir } = service;
    await service.server.close();
    const again = await startService('sqlite', { dataDir, keepData: false, adminKey: service.adminKey });
    try {
      const moved = (client: FormClient) => Object.assign(new FormClient(again.url), { cookies: client.cookies }) as FormClient;
      expect((await moved(signedIn.client).get('/app')).status).toBe(200);
      expect((await moved(organiser.client).get('/console')).status).toBe(200);
      const used = await new FormClient(again.url).post(new URL(card).pathname, {});
      expect(used.status).toBe(303);
    } finally {
      await again.close();
      service = { ...service, close: async () => undefined };
    }
  });
});
