/**
 * A resident in a real Chromium, on a phone-sized screen, with the network cut: signs in with a printed
 * card, reads the balance, redeems, sees the hold, cancels, opens and prints the certificate; and the
 * same without JavaScript.
 */
import { mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../e2e/support.js';
import { artifactsDir, chromiumInstalled, cutContext, launch, noChromiumReason, screenshots, seriousViolations } from './browser.js';
import { communityId, makeCard, organiserClient, type PageService, startPageService } from './support.js';

const name = chromiumInstalled ? 'the resident page in Chromium' : `the resident page in Chromium (skipped: ${noChromiumReason})`;

describe.skipIf(!chromiumInstalled)(name, () => {
  let service: PageService;
  let browser: Browser;
  let organiser: Awaited<ReturnType<typeof organiserClient>>;

  beforeAll(async () => {
    [service, browser] = await Promise.all([startPageService('sqlite'), launch()]);
    organiser = await organiserClient(service.url, service.organiserKey);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  const account = async (memberId: string) =>
    (await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/members/${memberId}`)).body as { available: string; held: string; balance: string };

  it('signs in with a card, reads the balance, redeems, sees the hold, cancels and prints the certificate', async () => {
    const origin = new URL(service.url).origin;
    const { context, leaks } = await cutContext(browser, origin);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    const card = await makeCard(organiser, 'li-wei');
    await page.goto(card);
    await screenshots(page, 'resident-card');
    expect(await seriousViolations(page)).toEqual([]);
    await page.getByRole('button', { name: '进入我的积分' }).click();
    await page.waitForURL(`${origin}/app`);

    const before = await account('li-wei');
    expect(await page.getByTestId('available').textContent()).toBe(before.available);
    expect(await page.getByTestId('balance').textContent()).toBe(before.balance);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toContain('李伟');
    await screenshots(page, 'resident-home');
    expect(await seriousViolations(page)).toEqual([]);

    await page.getByRole('button', { name: '兑换 理发 haircut' }).click();
    await page.waitForURL(/done=redeemed/);
    expect(await page.getByRole('status').textContent()).toContain('兑换已提交');
    expect(await page.getByTestId('held').textContent()).toBe('20.00');
    expect((await account('li-wei')).held).toBe('20.00');
    await expect.poll(() => page.getByTestId('open-redemption').count()).toBe(1);
    await screenshots(page, 'resident-redeemed');

    await page.getByRole('button', { name: '取消兑换 理发 haircut' }).click();
    await page.waitForURL(/done=cancelled/);
    expect(await page.getByTestId('held').textContent()).toBe('0.00');
    expect(await page.getByTestId('open-redemption').count()).toBe(0);
    expect((await account('li-wei')).available).toBe(before.available);

    await page.getByRole('link', { name: '打开我的服务证明' }).click();
    await page.waitForURL(/\/certificates\//);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('志愿服务记录证明');
    expect(await page.locator('.qr svg').count()).toBe(1);
    await screenshots(page, 'resident-certificate');
    mkdirSync(artifactsDir, { recursive: true });
    const pdf = join(artifactsDir, 'resident-certificate.pdf');
    await page.pdf({ path: pdf, format: 'A4' });
    expect(statSync(pdf).size).toBeGreaterThan(1000);

    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
    await context.close();
  });

  it('posts a service request (点单) with points offered, and another resident takes it (接单)', async () => {
    const origin = new URL(service.url).origin;
    const { context, leaks } = await cutContext(browser, origin);
    const page = await context.newPage();
    page.on('dialog', (dialog) => void dialog.accept());
    await page.goto(await makeCard(organiser, 'liu-yang'));
    await page.getByRole('button', { name: '进入我的积分' }).click();
    await page.waitForURL(`${origin}/app`);
    const before = await account('liu-yang');

    await page.getByText('发布新的需求').click();
    await page.getByLabel('需要哪类帮助').selectOption('elder-care');
    await page.getByLabel('需要做什么').fill('帮忙换灯泡');
    await page.getByLabel('地点').fill('3号楼 101');
    await page.getByLabel('悬赏积分（可以不填）').fill('2');
    await page.getByRole('button', { name: '发布需求' }).click();
    await page.waitForURL(/done=request-posted/);
    expect(await page.getByRole('status').textContent()).toContain('需求已发布');
    expect(await page.getByTestId('my-request').count()).toBe(1);
    expect(await page.getByTestId('request-status').textContent()).toBe('等待志愿者接单');
    expect((await account('liu-yang')).held).toBe((Number(before.held) + 2).toFixed(2));
    await page.locator('#requests').scrollIntoViewIfNeeded();
    await screenshots(page, 'resident-requests');
    expect(await seriousViolations(page)).toEqual([]);

    const { context: other, leaks: otherLeaks } = await cutContext(browser, origin);
    const volunteer = await other.newPage();
    volunteer.on('dialog', (dialog) => void dialog.accept());
    await volunteer.goto(await makeCard(organiser, 'chen-jie'));
    await volunteer.getByRole('button', { name: '进入我的积分' }).click();
    await volunteer.waitForURL(`${origin}/app`);
    await volunteer.getByRole('button', { name: '接单 帮忙换灯泡' }).click();
    await volunteer.waitForURL(/done=request-taken/);
    expect(await volunteer.getByTestId('my-task').count()).toBe(1);
    await volunteer.locator('#requests').scrollIntoViewIfNeeded();
    await screenshots(volunteer, 'resident-request-taken');
    expect(await seriousViolations(volunteer)).toEqual([]);

    await page.reload();
    expect(await page.getByTestId('request-status').textContent()).toBe('已有志愿者接单');
    expect([...leaks, ...otherLeaks]).toEqual([]);
    await other.close();
    await context.close();
  });

  it('works without JavaScript: sign in, redeem, see the hold', async () => {
    const origin = new URL(service.url).origin;
    const { context, leaks } = await cutContext(browser, origin, { javaScriptEnabled: false });
    const page = await context.newPage();
    await page.goto(await makeCard(organiser, 'chen-jie'));
    await page.getByRole('button', { name: '进入我的积分' }).click();
    await page.waitForURL(`${origin}/app`);
    await page.getByRole('button', { name: '兑换 理发 haircut' }).click();
    await page.waitForURL(/done=redeemed/);
    expect(await page.getByTestId('held').textContent()).toBe('20.00');
    expect(leaks).toEqual([]);
    await context.close();
  });

  it('a used card does not sign in', async () => {
    const { context, leaks } = await cutContext(browser, new URL(service.url).origin);
    const page = await context.newPage();
    const card = await makeCard(organiser, 'zhang-min');
    await page.goto(card);
    await page.getByRole('button', { name: '进入我的积分' }).click();
    await page.waitForURL(/\/app$/);
    const { context: other, leaks: otherLeaks } = await cutContext(browser, new URL(service.url).origin);
    const second = await other.newPage();
    await second.goto(card);
    await second.getByRole('button', { name: '进入我的积分' }).click();
    expect(await second.getByRole('heading', { level: 1 }).textContent()).toBe('登录卡已用过');
    await screenshots(second, 'resident-card-used');
    await other.close();
    expect([...leaks, ...otherLeaks]).toEqual([]);
    await context.close();
  });
});
