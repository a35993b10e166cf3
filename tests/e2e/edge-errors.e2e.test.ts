/**
 * Errors at the edge say what to do: a body that is not JSON gets 415 naming application/json, a wrong
 * method gets 405 with `Allow`, and a policy weighting a category that does not exist is refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, startService, type TestService } from './support.js';

describe('errors at the edge', () => {
  let service: TestService;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    service = await startService('memory');
    admin = client(service.url, service.adminKey);
  });
  afterAll(() => service?.close());

  // Bytes, not a string: fetch would label a string body text/plain by itself.
  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(service.url + path, { method: 'POST', headers: { authorization: `Bearer ${service.adminKey}`, ...headers }, body: new TextEncoder().encode(body) });

  it('a JSON body without Content-Type gets 415 naming application/json, and nothing is recorded', async () => {
    const res = await post('/v1/communities', JSON.stringify({ communityId: 'sunshine', name: '阳光社区' }), {});
    expect(res.status).toBe(415);
    expect(res.headers.get('accept-post')).toBe('application/json');
    const problem = (await res.json()) as { type: string; detail: string };
    expect(problem.type).toBe('urn:volunteer-ledger:problem:unsupported-media-type');
    expect(problem.detail).toContain('no Content-Type');
    expect(problem.detail).toContain('Content-Type: application/json');
    expect((await admin('GET', '/v1/communities/sunshine')).status).toBe(404);
  });

  it('a body sent as text/plain gets 415 saying what was sent and what to send', async () => {
    const res = await post('/v1/communities', JSON.stringify({ communityId: 'sunshine', name: '阳光社区' }), { 'content-type': 'text/plain' });
    expect(res.status).toBe(415);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/"text\/plain".*application\/json/);
  });

  it.each([
    ['DELETE', '/v1/communities/sunshine', 'GET, HEAD'],
    ['GET', '/v1/communities', 'POST'],
    ['PUT', '/v1/communities/sunshine/members/zhang-wei/service-records/r1/approve', 'POST'],
    ['GET', '/v1/communities/sunshine/members', 'POST'],
    ['POST', '/v1/communities/sunshine/catalogue/rice/reprice/extra', null],
    ['POST', '/healthz', 'GET, HEAD'],
  ])('%s %s gets 405 with Allow: %s (404 when no route has that path)', async (method, path, allow) => {
    const res = await admin(method, path, method === 'GET' || method === 'DELETE' ? undefined : {});
    if (allow === null) {
      expect(res.status).toBe(404);
      expect(res.body.code).toBe('route-not-found');
      return;
    }
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe(allow);
    expect(res.body).toMatchObject({ code: 'method-not-allowed', allowed: allow.split(', ') });
    expect(res.body.detail).toContain(allow);
  });

  it('an unknown asset of a GET route is still a 404', async () => {
    expect((await fetch(`${service.url}/docs/no-such-file.js`)).status).toBe(404);
  });

  it('a policy weighting a category the community does not have is refused, and the policy stays as it was', async () => {
    expect((await admin('POST', '/v1/communities', { communityId: 'c-typo', name: '阳光社区' })).status).toBe(201);
    const refused = await admin('POST', '/v1/communities/c-typo/policies', { policy: { categoryMultipliers: { eldercare: '2' } } });
    expect(refused.status).toBe(400);
    expect(refused.body.detail).toContain('"eldercare"');
    expect(refused.body.detail).toContain('elder-care');
    expect((await admin('GET', '/v1/communities/c-typo')).body.policyVersion).toBe(1);
  });
});
