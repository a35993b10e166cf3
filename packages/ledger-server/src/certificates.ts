/**
 * 志愿服务记录证明 that anyone can check (志愿服务记录与证明出具办法, art. 17): each certificate has a
 * number and a verification code, and its printable page carries a QR code of the public verification
 * URL. Nothing is stored when a certificate is issued: the number names the member stream's revision it
 * was made from (the stream is append-only, so the facts at that revision never change) and the day it
 * was issued; the code is an HMAC of those under the service's certificate key, so only this service can
 * issue one and anyone can check one.
 *
 * The same key signs short-lived links to the printable page, so a browser can open it without a bearer
 * credential.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { idPattern } from '@volunteer-ledger/core';
import { renderSVG } from 'uqr';

/** How long a link to the printable certificate stays valid. */
export const certificateLinkTtlSeconds = 15 * 60;
/** Characters of the verification code (5 bits each: 50 bits, beyond guessing by hand or by script). */
export const verificationCodeLength = 10;
/** The QR code's quiet zone in modules: the 4 the standard asks for, so phones read it off paper. */
const qrQuietZoneModules = 4;

/** Crockford's base32: no I, L, O, U, so a code read aloud or typed from paper is not misread. */
const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

export interface CertificateIdentity {
  readonly communityId: string;
  readonly memberId: string;
  /** The member stream's revision the certificate was made from. */
  readonly revision: number;
  /** The issue date, YYYY-MM-DD, in the community's time zone. */
  readonly issuedOn: string;
}

const numberPattern = /^VSC-(\d{4})(\d{2})(\d{2})-(.+)-(0|[1-9]\d{0,15})$/;

/** `VSC-20260501-sunshine-zhang-wei-12`: issue date, community, member, revision. */
export function certificateNumber(identity: CertificateIdentity): string {
  return `VSC-${identity.issuedOn.replaceAll('-', '')}-${identity.communityId}-${identity.memberId}-${identity.revision}`;
}

/**
 * Every way the number can be read back: ids may contain dashes, so community and member can split at
 * any dash; the verification code, which binds the exact split, tells which one was issued.
 */
export function readingsOf(number: string): CertificateIdentity[] {
  const match = numberPattern.exec(number);
  if (!match) return [];
  const [, year, month, day, ids, revision] = match as unknown as [string, string, string, string, string, string];
  const readings: CertificateIdentity[] = [];
  for (let at = ids.indexOf('-'); at > 0; at = ids.indexOf('-', at + 1)) {
    const communityId = ids.slice(0, at);
    const memberId = ids.slice(at + 1);
    if (idPattern.test(communityId) && idPattern.test(memberId)) {
      readings.push({ communityId, memberId, revision: Number(revision), issuedOn: `${year}-${month}-${day}` });
    }
  }
  return readings;
}

/** A code as typed: upper case, separators dropped, Crockford's look-alikes mapped back. */
function normaliseCode(code: string): string {
  return code.toUpperCase().replace(/[\s-]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
}

function base32(bytes: Buffer, length: number): string {
  let bits = 0;
  let value = 0;
  let text = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5 && text.length < length) {
      text += crockford[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return text;
}

const sameText = (a: string, b: string) => a.length === b.length && timingSafeEqual(Buffer.from(a), Buffer.from(b));

export interface SignedLink {
  /** Path and query of the printable page, to be put after the service's public origin. */
  readonly path: string;
  readonly expiresAt: string;
}

export class CertificateSigner {
  constructor(private readonly key: string) {}

  private mac(purpose: string, parts: readonly (string | number)[]): Buffer {
    // The purpose keeps a code from ever being usable as a link signature, and the reverse.
    return createHmac('sha256', this.key).update(`${purpose}\n${JSON.stringify(parts)}`).digest();
  }

  /** `ABCDE-FGHJK`. */
  code(identity: CertificateIdentity): string {
    const text = base32(this.mac('certificate-code', [identity.issuedOn, identity.communityId, identity.memberId, identity.revision]), verificationCodeLength);
    return `${text.slice(0, 5)}-${text.slice(5)}`;
  }

  /** The certificate this number and code name, or null when the code does not match (or the number is malformed). */
  verify(number: string, code: string): CertificateIdentity | null {
    const given = normaliseCode(code);
    if (given.length !== verificationCodeLength) return null;
    return readingsOf(number).find((identity) => sameText(normaliseCode(this.code(identity)), given)) ?? null;
  }

  link(communityId: string, memberId: string, now: Date): SignedLink {
    const expires = Math.floor(now.getTime() / 1000) + certificateLinkTtlSeconds;
    const signature = this.mac('certificate-link', [communityId, memberId, expires]).toString('base64url');
    return {
      path: `/certificates/${encodeURIComponent(communityId)}/${encodeURIComponent(memberId)}?expires=${expires}&signature=${signature}`,
      expiresAt: new Date(expires * 1000).toISOString(),
    };
  }

  /** Whether a link's signature holds; 'expired' once its time has passed. */
  checkLink(communityId: string, memberId: string, expires: string | undefined, signature: string | undefined, now: Date): 'valid' | 'expired' | 'invalid' {
    if (!expires || !/^\d{1,12}$/.test(expires) || !signature) return 'invalid';
    const expected = this.mac('certificate-link', [communityId, memberId, Number(expires)]).toString('base64url');
    if (!sameText(expected, signature)) return 'invalid';
    return Number(expires) * 1000 <= now.getTime() ? 'expired' : 'valid';
  }
}

export function verificationPath(number: string, code: string): string {
  return `/verify/${encodeURIComponent(number)}?code=${encodeURIComponent(code)}`;
}

/** The QR code of `text` as an inline SVG element: no script, no image fetched, prints crisply. */
export function qrCodeSvg(text: string): string {
  return renderSVG(text, { border: qrQuietZoneModules, ecc: 'M' });
}

/** 张伟 → 张*, 欧阳娜娜 → 欧***: enough to recognise, not enough to identify. */
export function maskName(name: string): string {
  const characters = [...name.trim()];
  return characters.map((ch, i) => (i === 0 || /\s/.test(ch) ? ch : '*')).join('');
}
