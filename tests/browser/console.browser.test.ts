/**
 * An organiser at the desk in a real Chromium, with the network cut: signs in with their API key,
 * bulk-approves ten records, switches to English, visits members (a sign-in card), the shop and the
 * reports, and downloads a report's CSV.
 */
import { readFileSync } from 'node:fs';
import type { Browser, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client } from '../e2e/support.js';
import { chromiumInstalled, cutContext, launch, noChromiumReason, screenshots, seriousViolations, viewports } from './browser.js';
import { communityId, type PageService, pendingRecords, startPageService } from './support.js';

const name = chromiumInstalled ? 'the organiser console in Chromium' : `the organiser console in Chromium (skipped: ${noChromiumReason})`;

describe.skipIf(!chromiumInstalled)(name, () => {
  let service: PageService;
  let browser: Browser;

  beforeAll(async () => {
    [service, browser] = await Promise.all([startPageService('sqlite'), launch()]);
  });
  afterAll(async () => {
    await browser?.close();
    await service?.close();
  });

  const pending = async () => ((await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/service-records?status=pending`)).body as { records: unknown[] }).records;

  async function look(page: Page, name: string): Promise<void> {
    await screenshots(page, name);
    expect(await seriousViolations(page), name).toEqual([]);
  }

  it('signs in, bulk-approves ten records, works through every page and downloads a CSV', async () => {
    const origin = new URL(service.url).origin;
    const { context, leaks } = await cutContext(browser, origin);
    const page = await context.newPage();
    await page.setViewportSize(viewports.desk);
    page.on('dialog', (dialog) => void dialog.accept());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));

    await page.goto(`${origin}/console`);
    expect(page.url()).toBe(`${origin}/console/sign-in`);
    await look(page, 'console-sign-in');
    await page.getByLabel('API 密钥或 JWT').fill(service.organiserKey);
    await page.getByRole('button', { name: '登录' }).click();
    await page.waitForURL(`${origin}/console`);

    expect(await pending()).toHaveLength(pendingRecords);
    expect(await page.locator('input[name=record]').count()).toBe(pendingRecords);
    await look(page, 'console-approvals');
    await page.getByLabel('全选').check();
    await page.getByRole('button', { name: '通过所选' }).click();
    await page.waitForURL(/done=approved/);
    expect(await page.getByRole('status').textContent()).toBe(`${pendingRecords} 条记录已审核通过`);
    expect(await pending()).toHaveLength(0);

    await page.getByRole('link', { name: 'English' }).click();
    await page.waitForURL(`${origin}/console`);
    expect(await page.getByRole('heading', { level: 1 }).textContent()).toBe('Service records awaiting approval');
    await page.getByRole('link', { name: 'Approved records (to reverse)' }).click();
    await look(page, 'console-approved-en');
    await page.getByRole('link', { name: '中文' }).click();

    await page.getByRole('link', { name: '成员' }).click();
    await look(page, 'console-members');
    await page.getByRole('link', { name: 'li-wei' }).click();
    await look(page, 'console-member');
    await page.getByRole('button', { name: '制作登录卡' }).click();
    await page.getByTestId('card-link').waitFor();
    expect(await page.locator('.qr svg').count()).toBe(1);
    await look(page, 'console-sign-in-card');

    await page.goto(`${origin}/console/shop`);
    await page.getByLabel('补货数量').fill('5');
    await page.getByRole('button', { name: '补货' }).click();
    await page.waitForURL(/done=ok/);
    const rice = (await client(service.url, service.adminKey)('GET', `/v1/communities/${communityId}/catalogue`)).body.items.find((i: { itemId: string }) => i.itemId === 'rice-5kg');
    expect(rice.available).toBe(24);
    await look(page, 'console-shop');

    await page.getByRole('link', { name: '报表' }).click();
    expect(await page.locator('figure.chart svg').count()).toBe(5);
    await look(page, 'console-reports');
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('a[href^="/console/reports/monthly.csv"]').click()]);
    const csv = readFileSync((await download.path())!, 'utf8');
    const lines = csv.replace(/^\uFEFF/, '').trim().split('\r\n');
    expect(lines[0]).toMatch(/^月份,.*总时长,发放积分/);
    const month = new Date().toISOString().slice(0, 7);
    const thisMonth = lines.find((line) => line.startsWith(month))!;
    // The demo's 15.50 hours plus the ten approved hours, all served today.
    expect(thisMonth.split(',')).toContain('25.50');

    expect(errors).toEqual([]);
    expect(leaks).toEqual([]);
    await context.close();
  });
});
