/**
 * The pages' sessions without a browser: sign-in cards are one-time and revocable, a member's session
 * reaches only their own page and no console page, POSTs need the session's CSRF token (a refused one
 * changes nothing), and sessions and cards survive a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { communityId, FormClient, hiddenField, makeCard, organiserClient, type PageService, startPageService } from './support.js';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
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

  it('a form from another origin is refused even with the token', async () => {
    const res = await organiser.client.post('/console/records/bulk', { _csrf: organiser.csrf, action: 'approve', record: 'helper-3/pending-3' }, { origin: 'https://evil.example' });
    expect(res.status).toBe(403);
    const pending = (await service.runtime.models.serviceRecords(communityId, { status: 'pending' })).map((r) => r.recordId);
    expect(pending).toContain('pending-3');
  });
});

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
