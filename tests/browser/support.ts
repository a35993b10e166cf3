/**
 * A service with a small community for the page tests: the demo community (阳光社区), an organiser key,
 * and `pendingRecords` hours waiting for approval; plus a cookie-keeping form client for plain HTTP tests.
 */
import { seedDemo } from '../../packages/ledger-server/src/demo.js';
import { startService, type StoreKind, type TestService } from '../e2e/support.js';

export const communityId = 'sunshine';
export const organiserId = 'wang-organiser';
/** Members with pending records, one each (the bulk approval test approves them all). */
export const pendingRecords = 10;

export interface PageService extends TestService {
  readonly organiserKey: string;
}

export async function startPageService(kind: StoreKind = 'sqlite', options: Parameters<typeof startService>[1] = {}): Promise<PageService> {
  const service = await startService(kind, options);
  const { ledger } = service.runtime;
  const seeded = await seedDemo(ledger);
  if (seeded.refused > 0) throw new Error(`the demo seed refused ${seeded.refused} commands`);
  const admin = { id: 'test-admin', role: 'admin' as const, communityId };
  const today = ledger.clock.now().toISOString().slice(0, 10);
  for (let i = 0; i < pendingRecords; i++) {
    const memberId = `helper-${i}`;
    for (const command of [
      { type: 'RegisterMember', communityId, memberId, profile: { name: `志愿者${i}` } },
      { type: 'ReportHours', communityId, memberId, recordId: `pending-${i}`, category: 'elder-care', serviceDate: today, hours: '1.00', activityHours: '1.00' },
    ] as const) {
      const result = await ledger.execute(command, { actor: admin });
      if (!result.ok) throw new Error(`seeding ${command.type} failed: ${result.error.message}`);
    }
  }
  const { token } = await service.runtime.credentials.createApiKey({ role: 'organiser', communityId, subject: organiserId, label: 'page tests' });
  return { ...service, organiserKey: token };
}

/** A browser-like client without a browser: keeps cookies, sends forms, never follows redirects by itself. */
export class FormClient {
  readonly cookies = new Map<string, string>();

  constructor(readonly base: string) {}

  private remember(res: Response): void {
    for (const line of res.headers.getSetCookie()) {
      const [pair = '', ...attributes] = line.split(';');
      const [name = '', value = ''] = pair.split('=');
      const expired = attributes.some((a) => /^\s*max-age=0/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a));
      if (expired || value === '') this.cookies.delete(name.trim());
      else this.cookies.set(name.trim(), value.trim());
    }
  }

  private cookieHeader(): Record<string, string> {
    return this.cookies.size === 0 ? {} : { cookie: [...this.cookies].map(([n, v]) => `${n}=${v}`).join('; ') };
  }

  async get(path: string, headers: Record<string, string> = {}): Promise<{ status: number; text: string; location: string | null; res: Response }> {
    const res = await fetch(this.base + path, { redirect: 'manual', headers: { ...this.cookieHeader(), ...headers } });
    this.remember(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location'), res };
  }

  async post(path: string, form: Record<string, string | string[]>, headers: Record<string, string> = {}) {
    const body = new URLSearchParams();
    for (const [name, value] of Object.entries(form)) for (const v of Array.isArray(value) ? value : [value]) body.append(name, v);
    const res = await fetch(this.base + path, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...this.cookieHeader(), ...headers },
      body,
    });
    this.remember(res);
    return { status: res.status, text: await res.text(), location: res.headers.get('location'), res };
  }
}

/** The value of a hidden field in a page (the first one of that name). */
export function hiddenField(html: string, name: string): string {
  const match = new RegExp(`name="${name}" value="([^"]*)"`).exec(html);
  if (!match) throw new Error(`no field ${name} in the page`);
  return match[1]!;
}

/** Signs an organiser in to the console; returns the client (with its cookie) and the CSRF token. */
export async function organiserClient(url: string, key: string): Promise<{ client: FormClient; csrf: string }> {
  const client = new FormClient(url);
  const signedIn = await client.post('/console/sign-in', { credential: key });
  if (signedIn.status !== 303) throw new Error(`console sign-in answered ${signedIn.status}: ${signedIn.text.slice(0, 300)}`);
  const page = await client.get('/console');
  return { client, csrf: hiddenField(page.text, '_csrf') };
}

/** Makes a sign-in card through the console; returns the card's link. */
export async function makeCard(organiser: { client: FormClient; csrf: string }, memberId: string): Promise<string> {
  const made = await organiser.client.post(`/console/members/${memberId}/cards`, { _csrf: organiser.csrf });
  if (made.status !== 200) throw new Error(`making a card answered ${made.status}: ${made.text.slice(0, 300)}`);
  const link = /data-testid="card-link">([^<]+)</.exec(made.text.replace(/\n/g, ''));
  if (!link) throw new Error('the card page has no link');
  return link[1]!.trim();
}
