/**
 * Credentials and member keys, kept apart from the event store (keys must never become events):
 * - API keys for machines: `vlk_<id>_<secret>`; only SHA-256 of the secret is stored, so a leaked
 *   database does not leak a usable key. The secret is shown once, when it is created.
 * - The vault's per-member keys (DESIGN §6): deleting one erases that member's personal data.
 * Durable in one small SQLite file in the data directory, or in memory for tests and the memory store.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import Database from 'better-sqlite3';
import type { KeyStore, Role } from '@volunteer-ledger/core';

export type CredentialRole = Exclude<Role, 'system'>;

export interface ApiKeyRecord {
  readonly id: string;
  readonly role: CredentialRole;
  /** The community the key is bound to; '*' only for a platform admin key. */
  readonly communityId: string;
  /** The actor id the key acts as (a member id for organiser and member keys). */
  readonly subject: string;
  readonly label: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

export interface NewApiKey {
  readonly role: CredentialRole;
  readonly communityId: string;
  readonly subject?: string;
  readonly label?: string;
}

export interface CredentialStore {
  readonly keyStore: KeyStore;
  createApiKey(input: NewApiKey): Promise<{ record: ApiKeyRecord; token: string }>;
  /** The key's record if the token is a live key; null otherwise. */
  verifyApiKey(token: string): Promise<ApiKeyRecord | null>;
  revokeApiKey(id: string): Promise<boolean>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  close(): Promise<void>;
}

export const apiKeyPrefix = 'vlk_';
const apiKeyPattern = /^vlk_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

const sha256 = (text: string): Buffer => createHash('sha256').update(text).digest();

function newToken(): { id: string; secret: string; token: string } {
  const id = randomBytes(8).toString('hex');
  const secret = randomBytes(32).toString('base64url');
  return { id, secret, token: `${apiKeyPrefix}${id}_${secret}` };
}

export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(apiKeyPrefix);
}

interface StoredKey extends ApiKeyRecord {
  readonly secretHash: Buffer;
}

function checkNew(input: NewApiKey): void {
  if (input.communityId === '*' && input.role !== 'admin') throw new Error('only an admin key may span every community (*)');
  if (input.role !== 'admin' && !input.subject) throw new Error(`a ${input.role} key needs a subject: the member id it acts as`);
}

function newKey(input: NewApiKey): { record: ApiKeyRecord; secret: string; token: string } {
  checkNew(input);
  const { id, secret, token } = newToken();
  const record: ApiKeyRecord = {
    id,
    role: input.role,
    communityId: input.communityId,
    subject: input.subject ?? `key:${id}`,
    label: input.label ?? '',
    createdAt: new Date().toISOString(),
    revokedAt: null,
  };
  return { record, secret, token };
}

function matches(stored: StoredKey | undefined, secret: string): stored is StoredKey {
  if (!stored || stored.revokedAt !== null) return false;
  return timingSafeEqual(stored.secretHash, sha256(secret));
}

export class InMemoryCredentialStore implements CredentialStore {
  readonly keyStore: KeyStore;
  private readonly keys = new Map<string, StoredKey>();
  private readonly memberKeys = new Map<string, Uint8Array>();

  constructor() {
    const memberKeys = this.memberKeys;
    this.keyStore = {
      get: async (id) => memberKeys.get(id) ?? null,
      putIfAbsent: async (id, key) => {
        const existing = memberKeys.get(id);
        if (existing) return existing;
        memberKeys.set(id, new Uint8Array(key));
        return key;
      },
      delete: async (id) => void memberKeys.delete(id),
    };
  }

  async createApiKey(input: NewApiKey) {
    const { record, secret, token } = newKey(input);
    this.keys.set(record.id, { ...record, secretHash: sha256(secret) });
    return { record, token };
  }

  async verifyApiKey(token: string) {
    const match = apiKeyPattern.exec(token);
    if (!match) return null;
    const stored = this.keys.get(match[1]!);
    if (!matches(stored, match[2]!)) return null;
    const { secretHash: _hash, ...record } = stored;
    return record;
  }

  async revokeApiKey(id: string) {
    const stored = this.keys.get(id);
    if (!stored || stored.revokedAt) return false;
    this.keys.set(id, { ...stored, revokedAt: new Date().toISOString() });
    return true;
  }

  async listApiKeys() {
    return [...this.keys.values()].map(({ secretHash: _hash, ...record }) => record);
  }

  async close() {}
}

interface KeyRow {
  id: string;
  secret_hash: Buffer;
  role: CredentialRole;
  community_id: string;
  subject: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

const fromRow = (row: KeyRow): StoredKey => ({
  id: row.id,
  secretHash: row.secret_hash,
  role: row.role,
  communityId: row.community_id,
  subject: row.subject,
  label: row.label,
  createdAt: row.created_at,
  revokedAt: row.revoked_at,
});

/** How long a verified API key is trusted without looking it up again; a revocation in another process takes effect within it. */
export const apiKeyCacheMs = 5_000;
/** Most verified keys kept in the cache. */
export const maxCachedApiKeys = 10_000;

export class SqliteCredentialStore implements CredentialStore {
  readonly keyStore: KeyStore;
  private readonly db: Database.Database;
  private readonly selectKey: Database.Statement<[string], KeyRow>;
  private readonly verified = new Map<string, { record: ApiKeyRecord; until: number }>();

  private constructor(readonly filename: string) {
    this.db = new Database(filename);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = FULL');
    this.db.exec(`
      CREATE TABLE IF NOT EXISTS api_keys (
        id TEXT PRIMARY KEY,
        secret_hash BLOB NOT NULL,
        role TEXT NOT NULL CHECK (role IN ('admin', 'organiser', 'member')),
        community_id TEXT NOT NULL,
        subject TEXT NOT NULL,
        label TEXT NOT NULL DEFAULT '',
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE TABLE IF NOT EXISTS member_keys (
        key_id TEXT PRIMARY KEY,
        key BLOB NOT NULL
      );
    `);
    const db = this.db;
    this.selectKey = db.prepare<[string], KeyRow>('SELECT * FROM api_keys WHERE id = ?');
    const getKey = db.prepare<[string], { key: Buffer }>('SELECT key FROM member_keys WHERE key_id = ?');
    // Never overwrites: two instances sealing for one member at once must end up with one key.
    const putKey = db.prepare<[string, Buffer]>('INSERT INTO member_keys (key_id, key) VALUES (?, ?) ON CONFLICT (key_id) DO NOTHING');
    const deleteKey = db.prepare<[string]>('DELETE FROM member_keys WHERE key_id = ?');
    this.keyStore = {
      get: async (id) => {
        const row = getKey.get(id);
        return row ? new Uint8Array(row.key) : null;
      },
      putIfAbsent: async (id, key) => {
        putKey.run(id, Buffer.from(key));
        return new Uint8Array(getKey.get(id)!.key);
      },
      delete: async (id) => void deleteKey.run(id),
    };
  }

  static open(filename: string): SqliteCredentialStore {
    return new SqliteCredentialStore(filename);
  }

  async createApiKey(input: NewApiKey) {
    const { record, secret, token } = newKey(input);
    this.db
      .prepare('INSERT INTO api_keys (id, secret_hash, role, community_id, subject, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)')
      .run(record.id, sha256(secret), record.role, record.communityId, record.subject, record.label, record.createdAt);
    return { record, token };
  }

  async verifyApiKey(token: string) {
    const cached = this.verified.get(token);
    if (cached && cached.until > Date.now()) return cached.record;
    const match = apiKeyPattern.exec(token);
    if (!match) return null;
    const row = this.selectKey.get(match[1]!);
    const stored = row ? fromRow(row) : undefined;
    if (!matches(stored, match[2]!)) return null;
    const { secretHash: _hash, ...record } = stored;
    if (this.verified.size >= maxCachedApiKeys) this.verified.clear();
    this.verified.set(token, { record, until: Date.now() + apiKeyCacheMs });
    return record;
  }

  async revokeApiKey(id: string) {
    for (const [token, entry] of this.verified) if (entry.record.id === id) this.verified.delete(token);
    return this.db.prepare('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL').run(new Date().toISOString(), id).changes > 0;
  }

  async listApiKeys() {
    return this.db
      .prepare<[], KeyRow>('SELECT * FROM api_keys ORDER BY created_at')
      .all()
      .map((row) => {
        const { secretHash: _hash, ...record } = fromRow(row);
        return record;
      });
  }

  async close() {
    if (this.db.open) this.db.close();
  }
}
