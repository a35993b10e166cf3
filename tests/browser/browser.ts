/**
 * Real Chromium for the page tests (Debian's `chromium`, driven by playwright-core): one browser per test
 * file; every request the pages make is intercepted, and any that would leave the service is blocked and
 * recorded (the pages must work with the network cut); screenshots go to tests/browser/artifacts/
 * (gitignored); axe-core is injected from node_modules, not fetched.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type Browser, type BrowserContext, chromium, type Page } from 'playwright-core';

/** Where Debian's package puts it; CHROMIUM_PATH overrides. */
export const chromiumPath = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const chromiumInstalled = existsSync(chromiumPath);
export const noChromiumReason = `no Chromium at ${chromiumPath}: install it with \`apt-get install -y chromium fonts-noto-cjk\` (.ci/run does) or set CHROMIUM_PATH`;

export const artifactsDir = join(dirname(fileURLToPath(import.meta.url)), 'artifacts');
export const viewports = { phone: { width: 390, height: 844 }, desk: { width: 1280, height: 800 } } as const;

export function launch(): Promise<Browser> {
  return chromium.launch({ executablePath: chromiumPath, args: ['--disable-gpu', '--disable-dev-shm-usage'] });
}

export interface CutContext {
  readonly context: BrowserContext;
  /** Requests that would have left the service's origin (blocked). */
  readonly leaks: string[];
}

/** A context whose every request to anywhere but `origin` is blocked and recorded. */
export async function cutContext(browser: Browser, origin: string, options: { javaScriptEnabled?: boolean } = {}): Promise<CutContext> {
  const context = await browser.newContext({ locale: 'zh-CN', viewport: viewports.phone, acceptDownloads: true, ...options });
  const leaks: string[] = [];
  await context.route('**/*', (route) => {
    const url = route.request().url();
    if (new URL(url).origin === origin) return route.continue();
    leaks.push(url);
    return route.abort('internetdisconnected');
  });
  return { context, leaks };
}

/** The page at both sizes, full length, as artifacts/<name>-390x844.png and -1280x800.png. */
export async function screenshots(page: Page, name: string): Promise<void> {
  mkdirSync(artifactsDir, { recursive: true });
  const before = page.viewportSize();
  for (const size of Object.values(viewports)) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(artifactsDir, `${name}-${size.width}x${size.height}.png`), fullPage: true });
  }
  if (before) await page.setViewportSize(before);
}

const axeSource = readFileSync(createRequire(import.meta.url).resolve('axe-core/axe.min.js'), 'utf8');

export interface AxeViolation {
  readonly id: string;
  readonly impact: string | null;
  readonly help: string;
  readonly nodes: number;
}

/** Serious and critical accessibility violations axe finds on the page (evaluated, so the page's CSP holds). */
export async function seriousViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(axeSource);
  const found = await page.evaluate(async () => {
    const axe = (globalThis as unknown as { axe: { run(): Promise<{ violations: Array<{ id: string; impact: string | null; help: string; nodes: unknown[] }> }> } }).axe;
    const result = await axe.run();
    return result.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length }));
  });
  return found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
}
