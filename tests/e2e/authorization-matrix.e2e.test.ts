/**
 * The authorization matrix: every role (admin, organiser, member — each bound to community c1) × every
 * route group × own / other member × own / other community. A denied cell must answer 403 with a
 * problem document; an allowed cell must succeed. Community c2 is a mirror of c1 (same member ids, the
 * same organiser appointed), so only the credential's community binding keeps c1's staff out of it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
import { client, jwtSecret, type Reply, startService, type TestService } from './support.js';

type Role = 'admin' | 'organiser' | 'member';
const roles: Role[] = ['admin', 'organiser', 'member'];
/** The actor id each credential acts as; for an admin "own" member is simply m1. */
const self: Record<Role, string> = { admin: 'm1', organiser: 'org-1', member: 'm1' };

interface Cell {
  readonly role: Role;
  readonly member: string;
  readonly ownMember: boolean;
  readonly community: string;
  readonly ownCommunity: boolean;
  readonly tag: string;
}

interface Group {
  readonly name: string;
  readonly allowed: (role: Role, ownMember: boolean) => boolean;
  readonly call: (api: ReturnType<typeof client>, cell: Cell) => Promise<Reply>;
}

const staff = (role: Role) => role === 'admin' || role === 'organiser';
const anyone = () => true;
const staffOrSelf = (role: Role, own: boolean) => staff(role) || (role === 'member' && own);

const groups: Group[] = [
  { name: 'read community', allowed: anyone, call: (api, x) => api('GET', `/v1/communities/${x.community}`) },
  { name: 'change community set-up', allowed: (r) => r === 'admin', call: (api, x) => api('POST', `/v1/communities/${x.community}/categories`, { categoryId: `cat-${x.tag}`, name: 'x' }) },
  { name: 'read account', allowed: staffOrSelf, call: (api, x) => api('GET', `/v1/communities/${x.community}/members/${x.member}`) },
  { name: 'read statement', allowed: staffOrSelf, call: (api, x) => api('GET', `/v1/communities/${x.community}/members/${x.member}/statement`) },
  { name: 'read profile', allowed: staffOrSelf, call: (api, x) => api('GET', `/v1/communities/${x.community}/members/${x.member}/profile`) },
  { name: 'read certificate', allowed: staffOrSelf, call: (api, x) => api('GET', `/v1/communities/${x.community}/members/${x.member}/certificate`) },
  { name: 'certificate print link', allowed: staffOrSelf, call: (api, x) => api('GET', `/v1/communities/${x.community}/members/${x.member}/certificate/link`) },
  { name: 'read own records', allowed: staffOrSelf, call: (api, x) => api('GET', `/v1/communities/${x.community}/members/${x.member}/service-records`) },
  { name: 'read transfers', allowed: staffOrSelf, call: (api, x) => api('GET', `/v1/communities/${x.community}/members/${x.member}/transfers`) },
  { name: 'record profile', allowed: staffOrSelf, call: (api, x) => api('POST', `/v1/communities/${x.community}/members/${x.member}/profile`, { profile: { name: 'n' } }) },
  {
    name: 'report hours',
    allowed: staffOrSelf,
    call: (api, x) =>
      api('POST', `/v1/communities/${x.community}/members/${x.member}/service-records/reported`, {
        recordId: `rep-${x.tag}`,
        category: 'safety',
        serviceDate: '2026-05-01',
        hours: '0.10',
        activityHours: '1.00',
      }),
  },
  {
    name: 'approve hours',
    // Organisers may not approve their own hours; members approve nothing.
    allowed: (r, own) => r === 'admin' || (r === 'organiser' && !own),
    call: (api, x) => api('POST', `/v1/communities/${x.community}/members/${x.member}/service-records/ap-${x.tag}/approve`, {}),
  },
  { name: 'grant points', allowed: (r) => r === 'admin', call: (api, x) => api('POST', `/v1/communities/${x.community}/members/${x.member}/grants`, { grantId: `g-${x.tag}`, points: '1.00', reason: 'matrix' }) },
  { name: 'list pending records', allowed: staff, call: (api, x) => api('GET', `/v1/communities/${x.community}/service-records?status=pending`) },
  { name: 'read catalogue', allowed: anyone, call: (api, x) => api('GET', `/v1/communities/${x.community}/catalogue`) },
  { name: 'change catalogue', allowed: staff, call: (api, x) => api('POST', `/v1/communities/${x.community}/catalogue`, { itemId: `item-${x.tag}`, name: 'x', kind: 'service', pointsCost: '1.00' }) },
  { name: 'request redemption', allowed: staffOrSelf, call: (api, x) => api('POST', `/v1/communities/${x.community}/members/${x.member}/redemptions`, { redemptionId: `red-${x.tag}`, itemId: 'soap' }) },
  { name: 'read redemption', allowed: staffOrSelf, call: (api, x) => api('GET', `/v1/communities/${x.community}/redemptions/seed-${x.member}`) },
  { name: 'list redemptions', allowed: staff, call: (api, x) => api('GET', `/v1/communities/${x.community}/redemptions`) },
  { name: 'fulfil redemption', allowed: staff, call: (api, x) => api('POST', `/v1/communities/${x.community}/redemptions/ful-${x.tag}/fulfil`, {}) },
  // The core lets only admins and the member themself move a member's points.
  { name: 'transfer points', allowed: (r, own) => r === 'admin' || (r === 'member' && own), call: (api, x) => api('POST', `/v1/communities/${x.community}/members/${x.member}/transfers`, { transferId: `t-${x.tag}`, to: '_pool', points: '1.00', reason: 'donation' }) },
  { name: 'community report', allowed: staff, call: (api, x) => api('GET', `/v1/communities/${x.community}/reports/summary?from=2026-01-01&to=2026-12-31`) },
  { name: 'leaderboard', allowed: anyone, call: (api, x) => api('GET', `/v1/communities/${x.community}/reports/leaderboard?from=2026-01-01&to=2026-12-31`) },
  { name: 'trial balance', allowed: staff, call: (api, x) => api('GET', `/v1/communities/${x.community}/reports/trial-balance`) },
];

const cells: Array<{ group: Group } & Cell> = [];
for (const group of groups) {
  for (const role of roles) {
    for (const ownMember of [true, false]) {
      for (const ownCommunity of [true, false]) {
        const member = ownMember ? self[role] : 'm2';
        const community = ownCommunity ? 'c1' : 'c2';
        cells.push({ group, role, member, ownMember, community, ownCommunity, tag: `${role}-${member}` });
      }
    }
  }
}

describe('authorization matrix', () => {
  let service: TestService;
  const apis = {} as Record<Role, ReturnType<typeof client>>;

  beforeAll(async () => {
    service = await startService('memory');
    const platform = client(service.url, service.adminKey);
    const must = async (reply: Promise<Reply>) => {
      const r = await reply;
      if (r.status >= 300) throw new Error(`set-up failed: ${JSON.stringify(r.body)}`);
    };
    for (const c of ['c1', 'c2']) {
      await must(platform('POST', '/v1/communities', { communityId: c, name: c }));
      for (const m of ['m1', 'm2', 'org-1']) {
        await must(platform('POST', `/v1/communities/${c}/members`, { memberId: m }));
        await must(platform('POST', `/v1/communities/${c}/members/${m}/grants`, { grantId: 'seed', points: '100.00', reason: 'seed' }));
      }
      await must(platform('POST', `/v1/communities/${c}/organisers`, { memberId: 'org-1' }));
      await must(platform('POST', `/v1/communities/${c}/catalogue`, { itemId: 'soap', name: 'soap', kind: 'goods', pointsCost: '1.00', stock: 1000 }));
      for (const m of ['m1', 'm2', 'org-1']) await must(platform('POST', `/v1/communities/${c}/members/${m}/redemptions`, { redemptionId: `seed-${m}`, itemId: 'soap' }));
      for (const cell of cells) {
        if (cell.community !== c) continue;
        const recordId = `ap-${cell.tag}`;
        await platform('POST', `/v1/communities/${c}/members/${cell.member}/service-records/reported`, { recordId, category: 'safety', serviceDate: '2026-05-02', hours: '0.10', activityHours: '1.00' });
        await platform('POST', `/v1/communities/${c}/members/${cell.member}/redemptions`, { redemptionId: `ful-${cell.tag}`, itemId: 'soap' });
      }
    }
    for (const role of roles) apis[role] = client(service.url, await signHs256Token(jwtSecret, { sub: self[role] === 'm1' && role === 'admin' ? 'admin-1' : self[role], role, community: 'c1' }));
  });
  afterAll(async () => service?.close());

  it.each(cells.map((cell) => [cell.group.name, cell.role, cell.ownMember ? 'own member' : 'other member', cell.ownCommunity ? 'own community' : 'other community', cell] as const))(
    '%s as %s, %s, %s',
    async (_group, _role, _member, _community, cell) => {
      const reply = await cell.group.call(apis[cell.role], cell);
      const allowed = cell.ownCommunity && cell.group.allowed(cell.role, cell.ownMember);
      if (allowed) {
        expect(reply.status, JSON.stringify(reply.body)).toBeLessThan(300);
      } else {
        expect(reply.status, JSON.stringify(reply.body)).toBe(403);
        expect(reply.headers.get('content-type')).toBe('application/problem+json');
        expect(reply.body.type).toBe('urn:volunteer-ledger:problem:not-allowed');
      }
    },
  );

  it('refuses every route group without a credential, or with a forged one', async () => {
    const forged = await signHs256Token('another-secret-that-is-also-32-characters-long', { sub: 'm1', role: 'admin', community: '*' });
    for (const api of [client(service.url, null), client(service.url, forged), client(service.url, 'vlk_0123456789abcdef_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA')]) {
      for (const group of groups) {
        const reply = await group.call(api, { role: 'admin', member: 'm1', ownMember: true, community: 'c1', ownCommunity: true, tag: 'anon' });
        expect(reply.status).toBe(401);
        expect(reply.body.type).toBe('urn:volunteer-ledger:problem:unauthenticated');
      }
    }
  });
});
