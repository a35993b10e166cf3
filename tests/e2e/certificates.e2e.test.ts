/**
 * Certificates anyone can verify: a number and a code, a public verification page (masked personal data,
 * the facts as issued), a short-lived signed link to the printable page, and a QR code on it that a
 * phone reads as the verification URL. No level shows as none, not "星级 0".
 */
import { ManualClock } from '@volunteer-ledger/core';
import * as jsqr from 'jsqr';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
import { client, jwtSecret, startService, type TestService } from './support.js';

// jsqr is CommonJS (`exports.default = jsQR`): under NodeNext TypeScript types `default` as the module itself.
const jsQR = jsqr.default as unknown as (data: Uint8ClampedArray, width: number, height: number) => { data: string } | null;

/** Reads the QR code in an SVG drawn as uqr draws it (one `M x,y h w v h h -w z` square per dark module). */
function decodeQrSvg(svg: string): string | null {
  const size = Number(/viewBox="0 0 (\d+) \d+"/.exec(svg)?.[1]);
  const unit = 10;
  const scale = 4;
  const width = (size / unit) * scale;
  const pixels = new Uint8ClampedArray(width * width * 4).fill(255);
  for (const [, x, y] of svg.matchAll(/M(\d+),(\d+)h/g)) {
    const [left, top] = [(Number(x) / unit) * scale, (Number(y) / unit) * scale];
    for (let dy = 0; dy < scale; dy++) {
      for (let dx = 0; dx < scale; dx++) {
        const at = ((top + dy) * width + left + dx) * 4;
        pixels[at] = pixels[at + 1] = pixels[at + 2] = 0;
      }
    }
  }
  return jsQR(pixels, width, width)?.data ?? null;
}

describe('verifiable certificates', () => {
  const clock = new ManualClock(new Date('2026-05-10T02:00:00.000Z'));
  let service: TestService;
  let admin: ReturnType<typeof client>;
  let zhangWei: ReturnType<typeof client>;
  let memberToken: string;

  beforeAll(async () => {
    service = await startService('sqlite', { clock });
    admin = client(service.url, service.adminKey);
    memberToken = await signHs256Token(jwtSecret, { sub: 'zhang-wei', role: 'member', community: 'sunshine' }, { ttlSeconds: 10 ** 8 });
    zhangWei = client(service.url, memberToken);
    expect((await admin('POST', '/v1/communities', { communityId: 'sunshine', name: '阳光社区', policy: { levelThresholdsHours: ['4.00', '100.00'] } })).status).toBe(201);
    for (const [memberId, name] of [
      ['zhang-wei', '张伟'],
      ['li-na', '李娜'],
    ]) {
      expect((await admin('POST', '/v1/communities/sunshine/members', { memberId, profile: { name, idNumber: '110101199003071234' } })).status).toBe(201);
    }
    expect((await admin('POST', '/v1/communities/sunshine/members/zhang-wei/service-records/reported', { recordId: 'r1', category: 'elder-care', serviceDate: '2026-05-01', hours: '2.50', activityHours: '3.00' })).status).toBe(201);
    expect((await admin('POST', '/v1/communities/sunshine/members/zhang-wei/service-records/r1/approve', {})).status).toBe(200);
  });
  afterAll(() => service?.close());

  it('has a number and a verification code, and the verification page confirms issuer, hours and date with personal data masked', async () => {
    const cert = (await zhangWei('GET', '/v1/communities/sunshine/members/zhang-wei/certificate')).body;
    expect(cert.certificateNumber).toMatch(/^VSC-20260510-sunshine-zhang-wei-\d+$/);
    expect(cert.verificationCode).toMatch(/^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$/);
    expect(cert.verificationUrl).toBe(`${service.url}/verify/${cert.certificateNumber}?code=${cert.verificationCode}`);

    const page = await fetch(cert.verificationUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe("default-src 'none'; style-src 'unsafe-inline'");
    const html = await page.text();
    expect(html).toContain('核验通过');
    expect(html).toContain('阳光社区');
    expect(html).toContain('<strong>2.50</strong> 小时');
    expect(html).toContain('2026-05-10');
    expect(html).toContain('张*');
    expect(html).toContain('110***********1234');
    expect(html).not.toContain('张伟');
    expect(html).not.toContain('110101199003071234');
  });

  it('accepts the code as people type it (lower case, no dash), and refuses a wrong code or number without saying which', async () => {
    const cert = (await zhangWei('GET', '/v1/communities/sunshine/members/zhang-wei/certificate')).body;
    const typed = cert.verificationCode.replace('-', '').toLowerCase();
    expect((await fetch(`${service.url}/verify/${cert.certificateNumber}?code=${typed}`)).status).toBe(200);
    const wrongCode = `${cert.verificationCode.slice(0, -1)}${cert.verificationCode.endsWith('0') ? '1' : '0'}`;
    for (const url of [
      `${service.url}/verify/${cert.certificateNumber}?code=${wrongCode}`,
      `${service.url}/verify/${cert.certificateNumber.replace('zhang-wei', 'li-na')}?code=${cert.verificationCode}`,
      `${service.url}/verify/${cert.certificateNumber}`,
      `${service.url}/verify/not-a-number?code=${cert.verificationCode}`,
    ]) {
      const res = await fetch(url);
      expect(res.status, url).toBe(404);
      const html = await res.text();
      expect(html).toContain('无法核验');
      expect(html).not.toContain('张');
    }
  });

  it('keeps confirming the hours as issued after more hours are approved', async () => {
    const before = (await zhangWei('GET', '/v1/communities/sunshine/members/zhang-wei/certificate')).body;
    await admin('POST', '/v1/communities/sunshine/members/zhang-wei/service-records/reported', { recordId: 'r2', category: 'safety', serviceDate: '2026-05-02', hours: '2.00', activityHours: '2.00' });
    await admin('POST', '/v1/communities/sunshine/members/zhang-wei/service-records/r2/approve', {});
    const after = (await zhangWei('GET', '/v1/communities/sunshine/members/zhang-wei/certificate')).body;
    expect(after.approvedHours).toBe('4.50');
    expect(after.certificateNumber).not.toBe(before.certificateNumber);
    expect(await (await fetch(before.verificationUrl)).text()).toContain('<strong>2.50</strong> 小时');
    const now = await (await fetch(after.verificationUrl)).text();
    expect(now).toContain('<strong>4.50</strong> 小时');
    expect(now).toContain('2 条（2026-05-01 至 2026-05-02）');
  });

  it('the printable page opens through a short-lived signed link with no credential, and its QR code reads as the verification URL', async () => {
    const link = await zhangWei('GET', '/v1/communities/sunshine/members/zhang-wei/certificate/link');
    expect(link.status).toBe(200);
    expect(link.body.url).toMatch(new RegExp(`^${service.url}/certificates/sunshine/zhang-wei\\?expires=\\d+&signature=[A-Za-z0-9_-]{43}$`));
    expect(Date.parse(link.body.expiresAt) - clock.now().getTime()).toBe(15 * 60 * 1000);

    const page = await fetch(link.body.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('志愿服务记录证明');
    expect(html).not.toMatch(/(src|href)=["']?https?:/);
    const svg = /<svg[\s\S]*?<\/svg>/.exec(html)?.[0] ?? '';
    const cert = (await zhangWei('GET', '/v1/communities/sunshine/members/zhang-wei/certificate')).body;
    expect(decodeQrSvg(svg)).toBe(cert.verificationUrl);
    expect(html).toContain(cert.verificationCode);

    const tampered = link.body.url.replace('zhang-wei', 'li-na');
    expect((await fetch(tampered)).status).toBe(403);
    expect((await fetch(link.body.url.replace(/signature=.*/, 'signature=x'))).status).toBe(403);
    clock.advance(15 * 60 * 1000 + 1);
    const expired = await fetch(link.body.url);
    expect(expired.status).toBe(410);
    expect(await expired.text()).toContain('链接已过期');
  });

  it("a member cannot get a link to another member's certificate", async () => {
    expect((await zhangWei('GET', '/v1/communities/sunshine/members/li-na/certificate/link')).status).toBe(403);
    expect((await client(service.url, null)('GET', '/v1/communities/sunshine/members/zhang-wei/certificate/link')).status).toBe(401);
  });

  it('shows the level only when one is reached: no "星级 0"', async () => {
    const page = async (memberId: string) =>
      (await fetch(`${service.url}/v1/communities/sunshine/members/${memberId}/certificate.html`, { headers: { authorization: `Bearer ${service.adminKey}` } })).text();
    const none = await page('li-na');
    expect(none).toContain('累计参加志愿服务 <strong>0.00</strong> 小时。');
    expect(none).not.toContain('星级');
    expect(await page('zhang-wei')).toContain('（星级 1）');
  });
});
