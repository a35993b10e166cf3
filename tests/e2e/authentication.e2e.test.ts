/**
 * Authentication over a real port: RS256 tokens checked against a JWKS (given inline, or fetched from a
 * JWKS URL served on 127.0.0.1), HS256 tokens, hashed API keys and their revocation; expired, forged and
 * malformed credentials are refused with 401 problems.
 */
import { createSign, generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signHs256Token } from '../../packages/ledger-server/src/index.js';
import { client, jwtSecret, startService, type TestService } from './support.js';

const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
const jwk = { ...publicKey.export({ format: 'jwk' }), kid: 'k1', alg: 'RS256', use: 'sig' };
const jwks = JSON.stringify({ keys: [jwk] });

const b64 = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
function rs256(claims: Record<string, unknown>, expiresInSeconds = 600): string {
  const now = Math.floor(Date.now() / 1000);
  const unsigned = `${b64({ alg: 'RS256', typ: 'JWT', kid: 'k1' })}.${b64({ iat: now, exp: now + expiresInSeconds, ...claims })}`;
  return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(privateKey).toString('base64url')}`;
}

describe('authentication', () => {
  let inline: TestService;
  let remote: TestService;
  let jwksServer: Server;

  beforeAll(async () => {
    jwksServer = createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(jwks));
    await new Promise<void>((resolve) => jwksServer.listen(0, '127.0.0.1', resolve));
    const jwksUrl = `http://127.0.0.1:${(jwksServer.address() as AddressInfo).port}/.well-known/jwks.json`;
    inline = await startService('memory', { env: { LEDGER_JWKS: jwks } });
    remote = await startService('memory', { env: { LEDGER_JWKS_URL: jwksUrl, LEDGER_JWT_SECRET: '' } });
    for (const s of [inline, remote]) {
      const admin = client(s.url, s.adminKey);
      await admin('POST', '/v1/communities', { communityId: 'c1', name: 'c1' });
      await admin('POST', '/v1/communities/c1/members', { memberId: 'm1' });
    }
  });
  afterAll(async () => {
    await inline?.close();
    await remote?.close();
    await new Promise((resolve) => jwksServer?.close(resolve));
  });

  it('accepts RS256 tokens from an inline JWKS and from a JWKS URL', async () => {
    for (const s of [inline, remote]) {
      const reply = await client(s.url, rs256({ sub: 'm1', role: 'member', community: 'c1' }))('GET', '/v1/communities/c1/members/m1');
      expect(reply.status).toBe(200);
    }
  });

  it('accepts HS256 tokens only where a secret is configured', async () => {
    const token = await signHs256Token(jwtSecret, { sub: 'm1', role: 'member', community: 'c1' });
    expect((await client(inline.url, token)('GET', '/v1/communities/c1/members/m1')).status).toBe(200);
    expect((await client(remote.url, token)('GET', '/v1/communities/c1/members/m1')).status).toBe(401);
  });

  it.each([
    ['an expired token', () => rs256({ sub: 'm1', role: 'member', community: 'c1' }, -60)],
    ['a token without a role', () => rs256({ sub: 'm1', community: 'c1' })],
    ['a member claiming every community', () => rs256({ sub: 'm1', role: 'member', community: '*' })],
    ['an unsigned token', () => `${b64({ alg: 'none' })}.${b64({ sub: 'm1', role: 'admin', community: '*' })}.`],
    ['a token signed by another key', () => {
      const other = generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey;
      const unsigned = `${b64({ alg: 'RS256', kid: 'k1' })}.${b64({ sub: 'm1', role: 'admin', community: '*', exp: Math.floor(Date.now() / 1000) + 60 })}`;
      return `${unsigned}.${createSign('RSA-SHA256').update(unsigned).sign(other).toString('base64url')}`;
    }],
    ['garbage', () => 'not-a-token'],
  ])('refuses %s', async (_what, token) => {
    const reply = await client(inline.url, token())('GET', '/v1/communities/c1/members/m1');
    expect(reply.status).toBe(401);
    expect(reply.headers.get('www-authenticate')).toContain('Bearer');
    expect(reply.body.type).toBe('urn:volunteer-ledger:problem:unauthenticated');
  });

  it('stores API keys hashed and refuses a revoked one', async () => {
    const { record, token } = await inline.runtime.credentials.createApiKey({ role: 'member', communityId: 'c1', subject: 'm1' });
    const api = client(inline.url, token);
    expect((await api('GET', '/v1/communities/c1/members/m1')).status).toBe(200);
    expect(JSON.stringify(await inline.runtime.credentials.listApiKeys())).not.toContain(token.split('_')[2]);
    await inline.runtime.credentials.revokeApiKey(record.id);
    expect((await api('GET', '/v1/communities/c1/members/m1')).status).toBe(401);
  });
});
