/**
 * Credentials and member keys, kept apart from the event store (keys must never become events):
 * - API keys for machines: `vlk_<id>_<secret>`; only SHA-256 of the secret is stored, so a leaked
 *   database does not leak a usable key. The secret is shown once, when it is created.
 * - The vault's per-member keys (DESIGN §6), wrapped under the operator's master key (master-key.ts):
 *   deleting one erases that member's personal data.
 * Both live in a key-record store of the backend the operator chose (`KeyRecordStore`): a small SQLite file
 * in the data directory (sqlite-key-records.ts), streams on EventStoreDB (so every instance sees the same
 * records), or memory for tests and the memory store.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { InMemoryKeyRecordStore, type KeyRecordKind, type KeyRecordStore, type KeyStore, keyRecordKinds, type Role } from '@volunteer-ledger/core';
import { checkMasterKey, MasterKey, MasterKeyError, memberKeyContext, wrapLegacyKeys, wrappingKeyStore } from './master-key.js';
import { SqliteKeyRecords } from './sqlite-key-records.js';

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
  /** The master key member keys are wrapped under. */
  readonly masterKey: MasterKey;
  createApiKey(input: NewApiKey): Promise<{ record: ApiKeyRecord; token: string }>;
  /** The key's record if the token is a live key; null otherwise. */
  verifyApiKey(token: string): Promise<ApiKeyRecord | null>;
  /**
   * Whether the key of this id exists and is not revoked, trusted for `apiKeyCacheMs` like a verified token
   * (a session started with a key asks it on every page, and ends once the key is revoked).
   */
  apiKeyLive(id: string): Promise<boolean>;
  revokeApiKey(id: string): Promise<boolean>;
  listApiKeys(): Promise<ApiKeyRecord[]>;
  /** Every key record as stored (member keys still wrapped), for a backup's FILE.keys. */
  exportRecords(): Promise<KeyRecordLine[]>;
  /**
   * Restores records from a backup; those already present are kept. Member keys must be wrapped under
   * this store's master key (checked first: nothing is written otherwise). Returns how many were added.
   */
  importRecords(lines: readonly KeyRecordLine[]): Promise<number>;
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

/** One key record in a backup: base64 bytes exactly as stored. */
export interface KeyRecordLine {
  readonly kind: KeyRecordKind;
  readonly id: string;
  readonly value: string;
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

/** How long a verified API key is trusted without looking it up again; a revocation through another instance takes effect within it. */
export const apiKeyCacheMs = 5_000;
/** Most verified keys kept in the cache. */
export const maxCachedApiKeys = 10_000;

const encodeKey = (key: StoredKey): Uint8Array => Buffer.from(JSON.stringify({ ...key, secretHash: key.secretHash.toString('hex') }), 'utf8');
function decodeKey(value: Uint8Array): StoredKey {
  const parsed = JSON.parse(Buffer.from(value).toString('utf8')) as ApiKeyRecord & { secretHash: string };
  return { ...parsed, secretHash: Buffer.from(parsed.secretHash, 'hex') };
}
const withoutHash = ({ secretHash: _hash, ...record }: StoredKey): ApiKeyRecord => record;

/**
 * API keys and wrapped member keys over any key-record store. Opening checks the master key against the
 * store's check value and wraps member keys stored raw by older versions (see `open`).
 */
export class KeyRecordCredentialStore implements CredentialStore {
  readonly keyStore: KeyStore;
  private readonly verified = new Map<string, { record: ApiKeyRecord; until: number }>();
  private readonly liveIds = new Map<string, { live: boolean; until: number }>();

  protected constructor(
    readonly records: KeyRecordStore,
    readonly masterKey: MasterKey,
    /** How many raw member keys the opening wrapped (an upgrade from before envelope encryption). */
    readonly migratedKeys: number,
  ) {
    this.keyStore = wrappingKeyStore(records, masterKey);
  }

  /** Checks `master` against the store (a MasterKeyError if it is not the store's) and wraps raw legacy keys. */
  static async open(records: KeyRecordStore, master: MasterKey): Promise<KeyRecordCredentialStore> {
    try {
      await checkMasterKey(records, master);
      return new KeyRecordCredentialStore(records, master, await wrapLegacyKeys(records, master));
    } catch (fault) {
      await records.close();
      throw fault;
    }
  }

  async createApiKey(input: NewApiKey) {
    const { record, secret, token } = newKey(input);
    await this.records.putIfAbsent('api-key', record.id, encodeKey({ ...record, secretHash: sha256(secret) }));
    return { record, token };
  }

  async verifyApiKey(token: string) {
    const cached = this.verified.get(token);
    if (cached && cached.until > Date.now()) return cached.record;
    const match = apiKeyPattern.exec(token);
    if (!match) return null;
    const value = await this.records.get('api-key', match[1]!);
    const stored = value ? decodeKey(value) : undefined;
    if (!matches(stored, match[2]!)) return null;
    const record = withoutHash(stored);
    if (this.verified.size >= maxCachedApiKeys) this.verified.clear();
    this.verified.set(token, { record, until: Date.now() + apiKeyCacheMs });
    return record;
  }

  async apiKeyLive(id: string) {
    const cached = this.liveIds.get(id);
    if (cached && cached.until > Date.now()) return cached.live;
    const value = await this.records.get('api-key', id);
    const live = value !== null && decodeKey(value).revokedAt === null;
    if (this.liveIds.size >= maxCachedApiKeys) this.liveIds.clear();
    this.liveIds.set(id, { live, until: Date.now() + apiKeyCacheMs });
    return live;
  }

  async revokeApiKey(id: string) {
    for (const [token, entry] of this.verified) if (entry.record.id === id) this.verified.delete(token);
    this.liveIds.delete(id);
    const value = await this.records.get('api-key', id);
    if (!value) return false;
    const stored = decodeKey(value);
    if (stored.revokedAt !== null) return false;
    return this.records.replace('api-key', id, encodeKey({ ...stored, revokedAt: new Date().toISOString() }));
  }

  async listApiKeys() {
    const keys = (await this.records.list('api-key')).map(({ value }) => withoutHash(decodeKey(value)));
    return keys.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.id.localeCompare(b.id));
  }

  async exportRecords() {
    const lines: KeyRecordLine[] = [];
    // Browser sessions and sign-in cards are not backed up: after a restore people sign in again.
    for (const kind of keyRecordKinds.filter((k) => !k.startsWith('ui-'))) {
      for (const { id, value } of await this.records.list(kind)) lines.push({ kind, id, value: Buffer.from(value).toString('base64') });
    }
    return lines;
  }

  async importRecords(lines: readonly KeyRecordLine[]) {
    // Every member key must open under this master key before anything is written.
    const decoded = lines.map((line) => ({ ...line, bytes: new Uint8Array(Buffer.from(line.value, 'base64')) }));
    for (const line of decoded) {
      if (line.kind === 'member-key') {
        try {
          this.masterKey.unwrap(memberKeyContext(line.id), line.bytes);
        } catch (fault) {
          throw new MasterKeyError(`the backup's member key ${line.id} does not open under master key ${this.masterKey.id}: ${(fault as Error).message}`);
        }
      }
    }
    let added = 0;
    for (const line of decoded) {
      // This store's own check value stays: it was just verified against the same master key.
      if (line.kind === 'meta') continue;
      const stored = await this.records.putIfAbsent(line.kind, line.id, line.bytes);
      if (Buffer.from(stored).equals(Buffer.from(line.bytes))) added += 1;
    }
    return added;
  }

  async close() {
    await this.records.close();
  }
}

/** Everything in this process's memory under a master key of its own: for tests and the memory store. */
export class InMemoryCredentialStore extends KeyRecordCredentialStore {
  constructor(master: MasterKey = MasterKey.generate()) {
    super(new InMemoryKeyRecordStore(), master, 0);
  }
}

/** API keys and wrapped member keys in one SQLite file in the data directory (the embedded default). */
export const SqliteCredentialStore = {
  open: (filename: string, master: MasterKey): Promise<KeyRecordCredentialStore> => KeyRecordCredentialStore.open(SqliteKeyRecords.open(filename), master),
};
