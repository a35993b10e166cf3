/** Signing HS256 tokens for embedding apps that share the secret, and for trying the API by hand (`ledger token sign`). */
import { SignJWT } from 'jose';
import type { CredentialRole } from './credentials.js';

export interface TokenClaims {
  readonly sub: string;
  readonly role: CredentialRole;
  readonly community: string;
}

export async function signHs256Token(secret: string, claims: TokenClaims, options: { ttlSeconds?: number; issuer?: string; audience?: string } = {}): Promise<string> {
  let jwt = new SignJWT({ role: claims.role, community: claims.community })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(claims.sub)
    .setIssuedAt()
    .setExpirationTime(`${options.ttlSeconds ?? 3600}s`);
  if (options.issuer) jwt = jwt.setIssuer(options.issuer);
  if (options.audience) jwt = jwt.setAudience(options.audience);
  return jwt.sign(new TextEncoder().encode(secret));
}
