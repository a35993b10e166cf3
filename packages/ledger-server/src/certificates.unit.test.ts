/** Certificate numbers, codes and links (certificates.ts): what only the key holder can make and anyone can check. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CertificateSigner, certificateLinkTtlSeconds, certificateNumber, maskName, readingsOf } from './certificates.js';

const signer = new CertificateSigner('k'.repeat(43));
const id = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,20}$/);

describe('certificate numbers and codes', () => {
  it('a code verifies its own certificate, whatever dashes the ids hold, and no other reading of the number', () => {
    fc.assert(
      fc.property(id, id, fc.nat({ max: 10_000 }), (communityId, memberId, revision) => {
        const identity = { communityId, memberId, revision, issuedOn: '2026-05-10' };
        const number = certificateNumber(identity);
        expect(readingsOf(number)).toContainEqual(identity);
        expect(signer.verify(number, signer.code(identity))).toEqual(identity);
      }),
    );
  });

  it('tells apart community "a-b" with member "c" from community "a" with member "b-c"', () => {
    const one = { communityId: 'a-b', memberId: 'c', revision: 3, issuedOn: '2026-05-10' };
    const other = { communityId: 'a', memberId: 'b-c', revision: 3, issuedOn: '2026-05-10' };
    expect(certificateNumber(one)).toBe(certificateNumber(other));
    expect(signer.verify(certificateNumber(one), signer.code(one))).toEqual(one);
    expect(signer.verify(certificateNumber(other), signer.code(other))).toEqual(other);
  });

  it('refuses a code from another key, another revision or another day, and malformed numbers', () => {
    const identity = { communityId: 'sunshine', memberId: 'zhang-wei', revision: 12, issuedOn: '2026-05-10' };
    const number = certificateNumber(identity);
    expect(signer.verify(number, new CertificateSigner('x'.repeat(43)).code(identity))).toBeNull();
    expect(signer.verify(number, signer.code({ ...identity, revision: 11 }))).toBeNull();
    expect(signer.verify(number, signer.code({ ...identity, issuedOn: '2026-05-11' }))).toBeNull();
    for (const bad of ['', 'VSC-', 'VSC-2026051-sunshine-zhang-wei-1', 'VSC-20260510-sunshine-1', 'VSC-20260510-sunshine-zhang-wei-01']) {
      expect(signer.verify(bad, signer.code(identity))).toBeNull();
    }
  });

  it('accepts a code as typed: any case, no dash, O for 0 and I or L for 1', () => {
    const identity = { communityId: 'sunshine', memberId: 'zhang-wei', revision: 12, issuedOn: '2026-05-10' };
    const code = signer.code(identity);
    const typed = code.replace('-', ' ').toLowerCase().replaceAll('0', 'o').replaceAll('1', 'l');
    expect(signer.verify(certificateNumber(identity), typed)).toEqual(identity);
  });
});

describe('print links', () => {
  const now = new Date('2026-05-10T02:00:00Z');
  const query = (path: string) => new URL(path, 'http://x').searchParams;

  it(`hold for ${certificateLinkTtlSeconds / 60} minutes, for the member they name`, () => {
    const link = signer.link('sunshine', 'zhang-wei', now);
    const q = query(link.path);
    expect(link.path).toMatch(/^\/certificates\/sunshine\/zhang-wei\?/);
    expect(signer.checkLink('sunshine', 'zhang-wei', q.get('expires')!, q.get('signature')!, now)).toBe('valid');
    expect(signer.checkLink('sunshine', 'li-na', q.get('expires')!, q.get('signature')!, now)).toBe('invalid');
    expect(signer.checkLink('sunshine', 'zhang-wei', String(Number(q.get('expires')) + 60), q.get('signature')!, now)).toBe('invalid');
    const later = new Date(now.getTime() + certificateLinkTtlSeconds * 1000);
    expect(signer.checkLink('sunshine', 'zhang-wei', q.get('expires')!, q.get('signature')!, later)).toBe('expired');
  });
});

describe('masked names', () => {
  it.each([
    ['张伟', '张*'],
    ['欧阳娜娜', '欧***'],
    ['Li Na', 'L* **'],
  ])('%s → %s', (name, masked) => expect(maskName(name)).toBe(masked));
});
