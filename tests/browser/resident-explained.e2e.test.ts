/**
 * What the resident page says about an account, on a community whose policy makes points expire after a
 * month, has stars at 2 and 5 hours and lets points go only to the pool; the clock is fixed, so "the next
 * 30 days" is exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Actor, LedgerCommandInput } from '@volunteer-ledger/core';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
import { jwtSecret, startService, type TestService } from '../e2e/support.js';
import { FormClient, hiddenField } from './support.js';

const communityId = 'riverside';
const now = new Date('2026-02-10T02:00:00Z');
let service: TestService;

beforeAll(async () => {
  service = await startService('sqlite', { clock: { now: () => now } });
  const admin: Actor = { id: 'admin', role: 'admin', communityId };
  const c = communityId;
  const commands: LedgerCommandInput[] = [
    { type: 'RegisterCommunity', communityId: c, name: '河畔社区', timeZone: 'Asia/Shanghai' },
    {
      type: 'PublishPolicy',
      communityId: c,
      policy: {
        expiry: { kind: 'months-after-accrual', months: 1 },
        levelThresholdsHours: ['2.00', '5.00'],
        transfers: { allowed: true, recipients: 'pool', dailyLimit: null },
      },
    },
    { type: 'ListItem', communityId: c, itemId: 'tea', name: '茶叶', kind: 'goods', pointsCost: '20.00', stock: 5 },
    // 孙丽: 3 hours, 30 points expiring on 2026-03-10, one star.
    { type: 'RegisterMember', communityId: c, memberId: 'sun-li', profile: { name: '孙丽' } },
    { type: 'ReportHours', communityId: c, memberId: 'sun-li', recordId: 'r1', category: 'elder-care', serviceDate: '2026-02-10', hours: '3.00', activityHours: '3.00' },
    { type: 'ApproveService', communityId: c, memberId: 'sun-li', recordId: 'r1' },
    // 周强: spends 20 points, then the 2 hours that earned them are reversed: a deficit of 20 less the 10 he still had.
    { type: 'RegisterMember', communityId: c, memberId: 'zhou-qiang', profile: { name: '周强' } },
    { type: 'ReportHours', communityId: c, memberId: 'zhou-qiang', recordId: 'r1', category: 'elder-care', serviceDate: '2026-02-10', hours: '2.00', activityHours: '2.00' },
    { type: 'ApproveService', communityId: c, memberId: 'zhou-qiang', recordId: 'r1' },
    { type: 'ReportHours', communityId: c, memberId: 'zhou-qiang', recordId: 'r2', category: 'elder-care', serviceDate: '2026-02-10', hours: '1.00', activityHours: '1.00' },
    { type: 'ApproveService', communityId: c, memberId: 'zhou-qiang', recordId: 'r2' },
    { type: 'RequestRedemption', communityId: c, memberId: 'zhou-qiang', redemptionId: 'red-1', itemId: 'tea' },
    { type: 'FulfilRedemption', communityId: c, redemptionId: 'red-1' },
    { type: 'ReverseService', communityId: c, memberId: 'zhou-qiang', recordId: 'r1', reason: '登记错误' },
    // 吴敏: 25 statement lines, more than one page.
    { type: 'RegisterMember', communityId: c, memberId: 'wu-min', profile: { name: '吴敏' } },
    ...Array.from({ length: 25 }, (_, i): LedgerCommandInput => ({ type: 'GrantPoints', communityId: c, memberId: 'wu-min', grantId: `g${i}`, points: '1.00', reason: '社区活动奖励' })),
  ];
  for (const command of commands) {
    const result = await service.runtime.ledger.execute(command, { actor: admin });
    if (!result.ok) throw new Error(`${command.type}: ${result.error.message}`);
  }
});
afterAll(async () => service?.close());

async function pageOf(memberId: string): Promise<string> {
  const client = new FormClient(service.url);
  const token = await signHs256Token(jwtSecret, { sub: memberId, role: 'member', community: communityId });
  expect((await client.post('/app/sign-in', { token })).status).toBe(303);
  const page = await client.get('/app');
  expect(page.status).toBe(200);
  return page.text;
}

describe('the resident page explains the account', () => {
  it('points expiring in the next 30 days, by lot, and the way to the next star', async () => {
    const page = await pageOf('sun-li');
    expect(page).toContain('30 天内到期的积分');
    expect(page).toMatch(/<td>2026-02-10<\/td><td class="n">30\.00<\/td><td>2026-03-10<\/td>/);
    expect(page).toContain('已是 1 星志愿者');
    expect(page).toContain('离 2 星（5 小时）还差 2.00 小时');
    expect(page).toMatch(/<progress id="level-progress" max="3" value="1">/);
  });

  it('a deficit in words, and no spending while it lasts', async () => {
    const page = await pageOf('zhou-qiang');
    expect(page).toMatch(/<span class="big-number" data-testid="available">0\.00<\/span>/);
    expect(page).toContain('您目前欠 10.00 积分');
    expect(page).not.toContain('30 天内到期的积分');
  });

  it('the statement pages back through older lines', async () => {
    const client = new FormClient(service.url);
    const token = await signHs256Token(jwtSecret, { sub: 'wu-min', role: 'member', community: communityId });
    await client.post('/app/sign-in', { token });
    const lines = (html: string) => [...html.matchAll(/<td class="n" data-label="余额">([^<]+)</g)].map((m) => m[1]);
    let page = (await client.get('/app')).text;
    const seen: string[] = [];
    for (let pages = 0; pages < 10; pages++) {
      seen.push(...lines(page).map((l) => l!));
      const more = /href="(\/app\?before=[^"#]+)#statement"/.exec(page);
      if (!more) break;
      page = (await client.get(more[1]!.replaceAll('&amp;', '&'))).text;
    }
    const all = await service.runtime.models.statement(communityId, 'wu-min', { order: 'newest', limit: 200 });
    expect(seen).toHaveLength(25);
    expect(all.ok && all.value ? all.value.entries.map((e) => e.runningBalance) : null).toEqual(seen);
  });

  it('where the policy lets points go only to the pool, there is a donation form and no gift form', async () => {
    const page = await pageOf('sun-li');
    expect(page).toContain('捐给爱心积分池的积分数');
    expect(page).not.toContain('name="to"');
  });

  it('a donation from the page reaches the pool', async () => {
    const client = new FormClient(service.url);
    const token = await signHs256Token(jwtSecret, { sub: 'sun-li', role: 'member', community: communityId });
    await client.post('/app/sign-in', { token });
    const csrf = hiddenField((await client.get('/app')).text, '_csrf');
    const donated = await client.post('/app/transfer', { _csrf: csrf, _once: crypto.randomUUID(), action: 'donate', points: '5' });
    expect(donated.location).toBe('/app?done=donated');
    const pool = await service.runtime.models.member(communityId, '_pool');
    expect(pool?.state.balance.toString()).toBe('5.00');
  });
});
