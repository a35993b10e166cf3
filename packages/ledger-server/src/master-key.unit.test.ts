/** Envelope encryption of member keys: wrapping, the master key's sources and check, the upgrade of raw keys. */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { InMemoryKeyRecordStore, profileKeyId, WebCryptoVault } from '@volunteer-ledger/core';
import { configFrom } from './config.js';
import { KeyRecordCredentialStore, SqliteCredentialStore } from './credentials.js';
import { checkMasterKey, MasterKey, MasterKeyError, parseMasterKey, wrappedKeyId, wrappingKeyStore } from './master-key.js';
import { configuredMasterKey, masterKey, masterKeyFileName } from './secrets.js';

const dirs: string[] = [];
const newDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'ledger-master-key-'));
  dirs.push(dir);
  return dir;
};
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

const containsBytes = (haystack: Uint8Array, needle: Uint8Array) => Buffer.from(haystack).includes(Buffer.from(needle));
const profile = { name: '张三', phone: '13800000000', idNumber: '110101199001011234' };

describe('wrapping a member key', () => {
  it('round-trips any key for any record, and the wrapped form never holds the key', () => {
    const master = MasterKey.generate();
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.string({ minLength: 1, maxLength: 60 }), (key, id) => {
        const wrapped = master.wrap(`member-key:${id}`, key);
        expect(containsBytes(wrapped, key)).toBe(false);
        expect(containsBytes(wrapped, Buffer.from(Buffer.from(key).toString('base64')))).toBe(false);
        expect(wrappedKeyId(wrapped)).toBe(master.id);
        expect(Buffer.from(master.unwrap(`member-key:${id}`, wrapped)).equals(Buffer.from(key))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it('does not open under another master key, for another record, or once a byte is changed', () => {
    const master = MasterKey.generate();
    const key = randomBytes(32);
    const wrapped = master.wrap('member-key:c1/m1', key);
    expect(() => MasterKey.generate().unwrap('member-key:c1/m1', wrapped)).toThrow(/wrapped under master key .* but the master key in use is/);
    expect(() => master.unwrap('member-key:c1/m2', wrapped)).toThrow(MasterKeyError);
    const blob = JSON.parse(Buffer.from(wrapped).toString('utf8')) as { ct: string };
    const ct = Buffer.from(blob.ct, 'base64');
    ct[0] = ct[0]! ^ 1;
    const tampered = Buffer.from(JSON.stringify({ ...blob, ct: ct.toString('base64') }));
    expect(() => master.unwrap('member-key:c1/m1', tampered)).toThrow(/does not open/);
  });

  it('parses a master key as hex or base64 of 32 bytes, and says what it wants otherwise', () => {
    const bytes = randomBytes(32);
    expect(parseMasterKey(bytes.toString('hex'), 'X').equals(bytes)).toBe(true);
    expect(parseMasterKey(bytes.toString('base64'), 'X').equals(bytes)).toBe(true);
    expect(() => parseMasterKey('too-short', 'LEDGER_MASTER_KEY')).toThrow(/LEDGER_MASTER_KEY is not a master key: expected 32 random bytes .*openssl rand -base64 32/);
    expect(() => parseMasterKey(randomBytes(16).toString('base64'), 'X')).toThrow(MasterKeyError);
  });
});

describe('the master key in use', () => {
  it('on the embedded default with none configured, is generated once into the data directory (0600) and kept', () => {
    const dir = newDir();
    const config = configFrom({ LEDGER_DATA_DIR: dir });
    expect(configuredMasterKey(config)).toBeNull();
    const first = masterKey(config);
    expect(first).toMatchObject({ from: 'data directory', file: join(dir, masterKeyFileName), created: true });
    expect(statSync(join(dir, masterKeyFileName)).mode & 0o777).toBe(0o600);
    const again = masterKey(config);
    expect(again.created).toBe(false);
    expect(again.key.id).toBe(first.key.id);
  });

  it('on EventStoreDB is required, and the refusal says what to set and why', () => {
    const config = configFrom({ LEDGER_STORE: 'eventstoredb', LEDGER_ESDB_CONNECTION_STRING: 'esdb://localhost:2113?tls=false', LEDGER_DATA_DIR: newDir() });
    expect(() => masterKey(config)).toThrow(/LEDGER_STORE=eventstoredb needs the operator master key.*LEDGER_MASTER_KEY.*LEDGER_MASTER_KEY_FILE/s);
  });

  it('comes from LEDGER_MASTER_KEY or LEDGER_MASTER_KEY_FILE, and a file others can read is refused', () => {
    const bytes = randomBytes(32);
    const fromEnv = masterKey(configFrom({ LEDGER_MASTER_KEY: bytes.toString('hex'), LEDGER_DATA_DIR: newDir() }));
    expect(fromEnv).toMatchObject({ from: 'LEDGER_MASTER_KEY', created: false, file: null });
    const file = join(newDir(), 'mk');
    writeFileSync(file, bytes.toString('base64'), { mode: 0o600 });
    const fromFile = masterKey(configFrom({ LEDGER_MASTER_KEY_FILE: file, LEDGER_DATA_DIR: newDir() }));
    expect(fromFile.key.id).toBe(fromEnv.key.id);
    chmodSync(file, 0o644);
    expect(() => masterKey(configFrom({ LEDGER_MASTER_KEY_FILE: file, LEDGER_DATA_DIR: newDir() }))).toThrow(/chmod 600/);
  });

  it('is checked against the store: a wrong key stops the opening and names both keys', async () => {
    const records = new InMemoryKeyRecordStore();
    const right = MasterKey.generate();
    await checkMasterKey(records, right);
    await checkMasterKey(records, right);
    const wrong = MasterKey.generate();
    await expect(checkMasterKey(records, wrong)).rejects.toThrow(new RegExp(`wrapped under master key ${right.id}.*holds key ${wrong.id}.*Nothing was changed`, 's'));
  });
});

describe('member keys in credentials.sqlite', () => {
  it('are stored only wrapped, and a profile sealed through them opens again after a reopen with the same key', async () => {
    const file = join(newDir(), 'credentials.sqlite');
    const master = MasterKey.generate();
    const store = await SqliteCredentialStore.open(file, master);
    const sealed = await new WebCryptoVault(store.keyStore).seal('c1', 'm1', 0, profile);
    const raw = await store.keyStore.get(profileKeyId('c1', 'm1', 0));
    await store.close();

    const db = new Database(file, { readonly: true });
    const rows = db.prepare<[], { kind: string; value: Buffer }>("SELECT kind, value FROM key_records WHERE kind = 'member-key'").all();
    db.close();
    expect(rows).toHaveLength(1);
    expect(containsBytes(rows[0]!.value, raw!)).toBe(false);
    expect(containsBytes(readFileSync(file), raw!)).toBe(false);
    expect(wrappedKeyId(rows[0]!.value)).toBe(master.id);

    const reopened = await SqliteCredentialStore.open(file, master);
    expect(await new WebCryptoVault(reopened.keyStore).open('c1', 'm1', sealed)).toEqual(profile);
    await reopened.close();
    await expect(SqliteCredentialStore.open(file, MasterKey.generate())).rejects.toThrow(MasterKeyError);
  });

  it('written raw by a version before envelope encryption are wrapped on the first start with a master key', async () => {
    const file = join(newDir(), 'credentials.sqlite');
    // The layout the previous version wrote (credentials.ts before this change).
    const old = new Database(file);
    old.exec(`
      CREATE TABLE api_keys (id TEXT PRIMARY KEY, secret_hash BLOB NOT NULL, role TEXT NOT NULL, community_id TEXT NOT NULL,
        subject TEXT NOT NULL, label TEXT NOT NULL DEFAULT '', created_at TEXT NOT NULL, revoked_at TEXT);
      CREATE TABLE member_keys (key_id TEXT PRIMARY KEY, key BLOB NOT NULL);
    `);
    const rawKey = randomBytes(32);
    old.prepare('INSERT INTO member_keys (key_id, key) VALUES (?, ?)').run('c1/m1', rawKey);
    old.close();
    // A profile sealed by the old version under the raw key.
    const legacy = new InMemoryKeyRecordStore();
    const legacyMaster = MasterKey.generate();
    await legacy.putIfAbsent('member-key', 'c1/m1', legacyMaster.wrap('member-key:c1/m1', rawKey));
    const sealed = await new WebCryptoVault(wrappingKeyStore(legacy, legacyMaster)).seal('c1', 'm1', 0, profile);
    // …and an API key it created: 'vlk_' + id + '_' + secret, with the secret's SHA-256 stored.
    const { createHash } = await import('node:crypto');
    const id = '0123456789abcdef';
    const secret = randomBytes(32).toString('base64url');
    const db = new Database(file);
    db.prepare('INSERT INTO api_keys (id, secret_hash, role, community_id, subject, label, created_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
      id, createHash('sha256').update(secret).digest(), 'admin', '*', `key:${id}`, 'old', '2026-01-01T00:00:00.000Z',
    );
    db.close();

    const master = MasterKey.generate();
    const store = (await SqliteCredentialStore.open(file, master)) as KeyRecordCredentialStore;
    expect(store.migratedKeys).toBe(1);
    expect(await new WebCryptoVault(store.keyStore).open('c1', 'm1', sealed)).toEqual(profile);
    expect(await store.verifyApiKey(`vlk_${id}_${secret}`)).toMatchObject({ id, role: 'admin', communityId: '*', label: 'old' });
    await store.close();

    const after = new Database(file, { readonly: true });
    const tables = after.prepare<[], { name: string }>("SELECT name FROM sqlite_master WHERE type = 'table'").all().map((t) => t.name);
    const stored = after.prepare<[], { value: Buffer }>("SELECT value FROM key_records WHERE kind = 'member-key'").get()!.value;
    after.close();
    expect(tables).toEqual(['key_records']);
    expect(wrappedKeyId(stored)).toBe(master.id);
    expect(containsBytes(readFileSync(file), rawKey)).toBe(false);
    // A second start finds nothing more to wrap.
    const again = (await SqliteCredentialStore.open(file, master)) as KeyRecordCredentialStore;
    expect(again.migratedKeys).toBe(0);
    await again.close();
  });
});
