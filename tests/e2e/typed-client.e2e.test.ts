/**
 * A member app's view: a client typed from /openapi.json (openapi-typescript's types, committed in
 * packages/ledger-server/openapi/api-types.ts and checked current by openapi.e2e.test.ts) with
 * openapi-fetch runs a journey. `pnpm typecheck` checks every call and field used here against the
 * document; the run checks the service answers as typed.
 */
import createClient from 'openapi-fetch';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { paths } from '../../packages/ledger-server/openapi/api-types.js';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
import { jwtSecret, startService, type TestService } from './support.js';

describe('a typed client generated from /openapi.json', () => {
  let service: TestService;

  beforeAll(async () => {
    service = await startService('sqlite');
  });
  afterAll(() => service?.close());

  it('runs the journey: set-up, hours, approval, a member reading their balance with a JWT, a redemption, the statement and the certificate', async () => {
    const admin = createClient<paths>({ baseUrl: service.url, headers: { authorization: `Bearer ${service.adminKey}` } });
    const community = { communityId: 'sunshine' };
    const zhangWei = { communityId: 'sunshine', memberId: 'zhang-wei' };

    const registered = await admin.POST('/v1/communities', { body: { communityId: 'sunshine', name: '阳光社区', policy: { categoryMultipliers: { 'elder-care': '1.5' } } } });
    expect(registered.response.status).toBe(201);
    expect(registered.data?.streamName).toBe('community-sunshine');

    expect((await admin.POST('/v1/communities/{communityId}/members', { params: { path: community }, body: { memberId: 'zhang-wei', profile: { name: '张伟' } } })).response.status).toBe(201);
    const recorded = await admin.POST('/v1/communities/{communityId}/members/{memberId}/service-records/reported', {
      params: { path: zhangWei },
      body: { recordId: 'rec-20260501-zw', category: 'elder-care', serviceDate: '2026-05-01', hours: '2.50', activityHours: '3.00' },
    });
    expect(recorded.data?.events.map((e) => e.type)).toEqual(['ServiceRecorded']);
    const approved = await admin.POST('/v1/communities/{communityId}/members/{memberId}/service-records/{recordId}/approve', {
      params: { path: { ...zhangWei, recordId: 'rec-20260501-zw' } },
      body: {},
    });
    expect(approved.response.status).toBe(200);
    expect(typeof approved.data?.revision).toBe('number');

    // The member app: a JWT for 张伟, who reads their own account.
    const token = await signHs256Token(jwtSecret, { sub: 'zhang-wei', role: 'member', community: 'sunshine' });
    const member = createClient<paths>({ baseUrl: service.url, headers: { authorization: `Bearer ${token}` } });
    const account = await member.GET('/v1/communities/{communityId}/members/{memberId}', { params: { path: zhangWei } });
    expect(account.data).toMatchObject({ balance: '37.50', available: '37.50', hoursTotal: '2.50', level: 0 });
    const balance: string | undefined = account.data?.balance;
    expect(balance).toBe('37.50');

    expect((await admin.POST('/v1/communities/{communityId}/catalogue', { params: { path: community }, body: { itemId: 'rice-5kg', name: '大米 5kg', kind: 'goods', pointsCost: '30.00', stock: 5 } })).response.status).toBe(201);
    const shelf = await member.GET('/v1/communities/{communityId}/catalogue', { params: { path: community, query: { includeDelisted: 'false' } } });
    expect(shelf.data?.items.map((item) => [item.itemId, item.available])).toEqual([['rice-5kg', 5]]);
    expect((await member.POST('/v1/communities/{communityId}/members/{memberId}/redemptions', { params: { path: zhangWei }, body: { redemptionId: 'red-0001', itemId: 'rice-5kg' } })).response.status).toBe(201);
    const redemption = await member.GET('/v1/communities/{communityId}/redemptions/{redemptionId}', { params: { path: { communityId: 'sunshine', redemptionId: 'red-0001' } } });
    expect(redemption.data).toMatchObject({ status: 'held', points: '30.00', requestedBy: 'zhang-wei' });

    const statement = await member.GET('/v1/communities/{communityId}/members/{memberId}/statement', { params: { path: zhangWei, query: { limit: 10 } } });
    expect(statement.data?.entries.length).toBeGreaterThan(0);
    expect(statement.data?.entries.every((entry) => /^-?\d+\.\d\d$/.test(entry.runningBalance))).toBe(true);

    const certificate = await member.GET('/v1/communities/{communityId}/members/{memberId}/certificate', { params: { path: zhangWei } });
    expect(certificate.data?.approvedHours).toBe('2.50');
    const verification = await fetch(certificate.data!.verificationUrl);
    expect(verification.status).toBe(200);
    const link = await member.GET('/v1/communities/{communityId}/members/{memberId}/certificate/link', { params: { path: zhangWei } });
    expect((await fetch(link.data!.url)).status).toBe(200);

    // A refusal arrives typed as a problem document.
    const refused = await member.POST('/v1/communities/{communityId}/members/{memberId}/redemptions', { params: { path: zhangWei }, body: { redemptionId: 'red-0002', itemId: 'rice-5kg' } });
    expect(refused.response.status).toBe(422);
    expect(refused.error?.code).toBe('insufficient-points');
  });
});
