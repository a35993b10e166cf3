/**
 * Authentication: who is calling, as a core `Actor`. Two kinds of bearer credential:
 * - JWTs from embedding apps, HS256 with a shared secret or RS256 checked against a JWKS, with claims
 *   `sub` (the actor id: a member id for organisers and members), `role` and `community`;
 * - API keys for machines (`vlk_…`), looked up by hash in the credential store.
 * Authorization itself is the core's (`authorize`, inside `ledger.execute`) plus read rules in `access.ts`.
 */
import { readFileSync } from 'node:fs';
import { createLocalJWKSet, createRemoteJWKSet, decodeProtectedHeader, errors as joseErrors, type JWTVerifyGetKey, jwtVerify } from 'jose';
import { type Actor, idPattern } from '@volunteer-ledger/core';
import { z } from 'zod';
import type { ServerConfig } from './config.js';
import { type CredentialStore, looksLikeApiKey } from './credentials.js';
import { Problem } from './problems.js';

export interface Principal {
  readonly actor: Actor;
  /** Scopes idempotency keys: the same key from two credentials never collides. */
  readonly credentialId: string;
}

/** Claims an embedding app's token must carry. */
export const claimsSchema = z
  .object({
    sub: z.string().regex(idPattern, 'sub must be an id: letters, digits and _ . : - (at most 64)'),
    role: z.enum(['admin', 'organiser', 'member']),
    community: z.union([z.string().regex(idPattern), z.literal('*')]),
  })
  .refine((claims) => claims.community !== '*' || claims.role === 'admin', 'only an admin may have community "*"');

export interface Authenticator {
  authenticate(authorization: string | undefined): Promise<Principal>;
  /**
   * Whether a credential a browser session was started with still holds: an API key (`key:…`) until it is
   * revoked, through the same credential store and short cache as `authenticate`. Other credentials (a JWT,
   * checked once at sign-in; a card, whose revocation ends its sessions itself) are not looked up again.
   */
  stillValid(credentialId: string): Promise<boolean>;
}

/** Longest Authorization header considered; longer ones are refused before any parsing. */
export const maxAuthorizationLength = 8 * 1024;

/**
 * How long a verified JWT is trusted without checking it again (never past its `exp`): bounds how long a key
 * removed from the JWKS keeps working for a token already seen.
 */
export const tokenCacheMs = 5_000;
/** Most verified JWTs kept; when full the cache starts afresh. */
export const maxCachedTokens = 10_000;

const challenge = { 'www-authenticate': 'Bearer realm="volunteer-ledger"' };
const unauthenticated = (detail: string) => new Problem('unauthenticated', detail, {}, challenge);

export function createAuthenticator(config: ServerConfig, credentials: CredentialStore): Authenticator {
  const secret = config.LEDGER_JWT_SECRET ? new TextEncoder().encode(config.LEDGER_JWT_SECRET) : null;
  let jwks: JWTVerifyGetKey | null = null;
  if (config.LEDGER_JWKS) {
    const text = config.LEDGER_JWKS.trim().startsWith('{') ? config.LEDGER_JWKS : readFileSync(config.LEDGER_JWKS, 'utf8');
    jwks = createLocalJWKSet(JSON.parse(text));
  } else if (config.LEDGER_JWKS_URL) {
    jwks = createRemoteJWKSet(new URL(config.LEDGER_JWKS_URL));
  }
  const verifyOptions = {
    ...(config.LEDGER_JWT_ISSUER ? { issuer: config.LEDGER_JWT_ISSUER } : {}),
    ...(config.LEDGER_JWT_AUDIENCE ? { audience: config.LEDGER_JWT_AUDIENCE } : {}),
  };

  /** Principals of API keys, by the record the credential store answered with (the same object while it caches it). */
  const keyPrincipals = new WeakMap<object, Principal>();
  /** Verified JWTs: a token's signature and claims do not change, so it is checked again only after `tokenCacheMs` or at its expiry. */
  const verifiedTokens = new Map<string, { principal: Principal; until: number }>();

  async function fromJwt(token: string): Promise<{ principal: Principal; expiresAtMs: number | undefined }> {
    let alg: string | undefined;
    try {
      alg = decodeProtectedHeader(token).alg;
    } catch {
      throw unauthenticated('the bearer token is neither an API key (vlk_…) nor a JWT');
    }
    let payload: Record<string, unknown>;
    try {
      if (alg === 'HS256' && secret) {
        payload = (await jwtVerify(token, secret, { ...verifyOptions, algorithms: ['HS256'] })).payload;
      } else if (alg === 'RS256' && jwks) {
        payload = (await jwtVerify(token, jwks, { ...verifyOptions, algorithms: ['RS256'] })).payload;
      } else {
        throw unauthenticated(`tokens signed with ${alg ?? 'no algorithm'} are not accepted here; use ${acceptedAlgorithms()}`);
      }
    } catch (fault) {
      if (fault instanceof Problem) throw fault;
      if (fault instanceof joseErrors.JWTExpired) throw unauthenticated('the token has expired; obtain a new one');
      if (fault instanceof joseErrors.JOSEError) throw unauthenticated(`the token was refused: ${fault.code}`);
      throw fault;
    }
    const claims = claimsSchema.safeParse(payload);
    if (!claims.success) {
      throw unauthenticated(`the token's claims are not usable: ${claims.error.issues.map((i) => `${i.path.join('.') || 'claims'}: ${i.message}`).join('; ')}`);
    }
    const { sub, role, community } = claims.data;
    return {
      principal: { actor: { id: sub, role, communityId: community }, credentialId: `jwt:${typeof payload.iss === 'string' ? payload.iss : ''}:${role}:${community}:${sub}` },
      expiresAtMs: typeof payload.exp === 'number' ? payload.exp * 1000 : undefined,
    };
  }

  function acceptedAlgorithms(): string {
    const accepted = [secret ? 'HS256' : null, jwks ? 'RS256' : null].filter(Boolean);
    return accepted.length ? accepted.join(' or ') : 'an API key (no JWT verification is configured)';
  }

  return {
    async authenticate(authorization) {
      if (!authorization) throw unauthenticated('send "Authorization: Bearer <API key or JWT>"');
      if (authorization.length > maxAuthorizationLength) throw unauthenticated('the Authorization header is too long');
      const match = /^Bearer +([^\s]+)\s*$/i.exec(authorization);
      if (!match) throw unauthenticated('the Authorization header must be "Bearer <API key or JWT>"');
      const token = match[1]!;
      if (looksLikeApiKey(token)) {
        // The credential store answers every call (its own short cache, emptied of a key when it is revoked);
        // only the principal made of its answer is kept, with the answer.
        const key = await credentials.verifyApiKey(token);
        if (!key) throw unauthenticated('the API key is unknown or revoked');
        let principal = keyPrincipals.get(key);
        if (!principal) {
          principal = { actor: { id: key.subject, role: key.role, communityId: key.communityId }, credentialId: `key:${key.id}` };
          keyPrincipals.set(key, principal);
        }
        return principal;
      }
      const now = Date.now();
      const known = verifiedTokens.get(token);
      if (known && known.until > now) return known.principal;
      const { principal, expiresAtMs } = await fromJwt(token);
      if (verifiedTokens.size >= maxCachedTokens) verifiedTokens.clear();
      verifiedTokens.set(token, { principal, until: Math.min(expiresAtMs ?? Number.POSITIVE_INFINITY, now + tokenCacheMs) });
      return principal;
    },
    async stillValid(credentialId) {
      return credentialId.startsWith('key:') ? credentials.apiKeyLive(credentialId.slice('key:'.length)) : true;
    },
  };
}
