/**
 * Failed sign-ins are limited (cards and the console, per client address and per community named): past the
 * limit an attempt is answered 429 with Retry-After and changes nothing (a good card is not used up); the
 * window ends and attempts go ahead again; successful sign-ins are never counted. Clients come from several
 * loopback addresses (127.0.0.x) to tell the per-address count from the per-community one.
 */
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ManualClock } from '../../packages/ledger-core/src/index.js';
import { maxFailedSignInsPerAddress, maxFailedSignInsPerCommunity, signInWindowMs } from '../../packages/ledger-server/src/ui/sign-in-limit.js';
import { communityId, makeCard, organiserClient, type PageService, startPageService } from './support.js';

/** A form POST from a chosen local address; the answer's status and headers. */
function postFrom(localAddress: string, url: string, form: Record<string, string>): Promise<{ status: number; retryAfter: string | null; location: string | null }> {
  const body = new URLSearchParams(form).toString();
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'POST', localAddress, headers: { 'content-type': 'application/x-www-form-urlencoded', 'content-length': Buffer.byteLength(body) } }, (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode ?? 0, retryAfter: (res.headers['retry-after'] as string | undefined) ?? null, location: res.headers.location ?? null }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

const unknownCard = (i: number) => `/app/card/${i.toString(16).padStart(16, '0')}.AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA`;

describe('the sign-in limit', () => {
  let service: PageService;
  const clock = new ManualClock(new Date());

  beforeAll(async () => {
    service = await startPageService('sqlite', { clock });
  });
  afterAll(async () => service?.close());

  it('past the limit an address waits (429, Retry-After), a good card is not used up, and the window ends', async () => {
    const organiser = await organiserClient(service.url, service.organiserKey);
    const card = new URL(await makeCard(organiser, 'li-wei')).pathname;
    const from = '127.0.0.2';
    for (let i = 0; i < maxFailedSignInsPerAddress; i++) expect((await postFrom(from, service.url + unknownCard(i), {})).status).toBe(404);
    const limited = await postFrom(from, service.url + unknownCard(99), {});
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    expect(Number(limited.retryAfter)).toBeLessThanOrEqual(signInWindowMs / 1000);
    // The good card waits too (a guess that happens to be right must wait like the rest), and is not used up.
    expect((await postFrom(from, service.url + card, {})).status).toBe(429);
    expect((await postFrom(from, `${service.url}/console/sign-in`, { credential: service.organiserKey })).status).toBe(429);
    // Another address is not affected.
    expect((await postFrom('127.0.0.3', service.url + unknownCard(100), {})).status).toBe(404);

    clock.advance(signInWindowMs);
    const used = await postFrom(from, service.url + card, {});
    expect(used.status).toBe(303);
    expect(used.location).toBe('/app');
  });

  it('successful sign-ins are never counted', async () => {
    const from = '127.0.0.4';
    for (let i = 0; i < maxFailedSignInsPerAddress * 2; i++) {
      const signedIn = await postFrom(from, `${service.url}/console/sign-in`, { credential: service.organiserKey });
      expect(signedIn.status).toBe(303);
    }
    expect((await postFrom(from, service.url + unknownCard(200), {})).status).toBe(404);
  });

  it('failures naming one community count together across addresses; sign-ins that do not name it go ahead', async () => {
    clock.advance(signInWindowMs);
    const addresses = Array.from({ length: Math.ceil(maxFailedSignInsPerCommunity / (maxFailedSignInsPerAddress - 1)) + 1 }, (_, i) => `127.0.1.${i + 1}`);
    let failures = 0;
    for (const address of addresses) {
      // Stay under each address's own limit.
      for (let i = 0; i < maxFailedSignInsPerAddress - 1 && failures < maxFailedSignInsPerCommunity; i++, failures++) {
        expect((await postFrom(address, `${service.url}/console/sign-in`, { credential: 'vlk_not-a-key', community: communityId })).status).toBe(401);
      }
    }
    const fresh = '127.0.2.1';
    const limited = await postFrom(fresh, `${service.url}/console/sign-in`, { credential: service.adminKey, community: communityId });
    expect(limited.status).toBe(429);
    expect(Number(limited.retryAfter)).toBeGreaterThan(0);
    // An organiser key names no community in the form: it goes ahead.
    expect((await postFrom(fresh, `${service.url}/console/sign-in`, { credential: service.organiserKey })).status).toBe(303);
    // Another community is not affected.
    expect((await postFrom(fresh, `${service.url}/console/sign-in`, { credential: 'vlk_not-a-key', community: 'elsewhere' })).status).toBe(401);
  });
});
