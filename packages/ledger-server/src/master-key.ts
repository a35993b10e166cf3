/**
 * Envelope encryption of member keys (DESIGN §6). Each member's profile key is stored only wrapped
 * (AES-256-GCM) under the operator's master key, so the key records — in credentials.sqlite, in
 * EventStoreDB, in a backup's FILE.keys — are useless without it. A wrapped key names the master key it
 * was wrapped under (`kid`, a digest of the key, never the key) and is bound to its own key id as
 * additional data, so a blob copied onto another member does not open.
 *
 * The store also keeps a check value wrapped under the master key: a start-up with another key fails at
 * once, with a message saying what to do, instead of running with profiles that will not open.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { KeyRecordStore, KeyStore } from '@volunteer-ledger/core';

/** AES-256: the master key and every member key are 32 bytes. */
export const masterKeyBytes = 32;
const ivBytes = 12;
const tagBytes = 16;
/** Format version of a wrapped blob; a new wrapping scheme gets a new number. */
export const wrappedFormatVersion = 1;
/** Where the check value is kept among the `meta` records. */
export const masterKeyCheckId = 'master-key-check';
const checkPlaintext = 'volunteer-ledger master key check';
/** Member keys before envelope encryption were stored raw: exactly this many bytes. */
const legacyRawKeyBytes = 32;

export class MasterKeyError extends Error {
  override readonly name = 'MasterKeyError';
}

interface WrappedBlob {
  readonly v: number;
  /** The id of the master key that wrapped it. */
  readonly kid: string;
  readonly iv: string;
  /** Ciphertext followed by the GCM tag, base64. */
  readonly ct: string;
}

/** Parses a master key given as 64 hex digits or as base64 / base64url of 32 bytes. */
export function parseMasterKey(text: string, where: string): Buffer {
  const trimmed = text.trim();
  const bytes = /^[0-9a-fA-F]{64}$/.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (bytes.length !== masterKeyBytes || (!/^[0-9a-fA-F]{64}$/.test(trimmed) && !/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed))) {
    throw new MasterKeyError(
      `${where} is not a master key: expected ${masterKeyBytes} random bytes as 64 hex digits or 44 base64 characters ` +
        `(make one with \`openssl rand -base64 32\`), got ${trimmed.length} characters`,
    );
  }
  return bytes;
}

export class MasterKey {
  /** A public name for the key: the first 8 bytes of its SHA-256, hex. Safe to print and store. */
  readonly id: string;
  private readonly key: Buffer;

  constructor(key: Uint8Array) {
    if (key.length !== masterKeyBytes) throw new MasterKeyError(`a master key is ${masterKeyBytes} bytes, not ${key.length}`);
    this.key = Buffer.from(key);
    this.id = createHash('sha256').update(this.key).digest('hex').slice(0, 16);
  }

  /** The key itself as base64, for the file it is kept in when generated. */
  exportBase64(): string {
    return this.key.toString('base64');
  }

  static generate(): MasterKey {
    return new MasterKey(randomBytes(masterKeyBytes));
  }

  /** Wraps `plain` bound to `context` (the record's kind and id). */
  wrap(context: string, plain: Uint8Array): Uint8Array {
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv, { authTagLength: tagBytes });
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    const blob: WrappedBlob = { v: wrappedFormatVersion, kid: this.id, iv: iv.toString('base64'), ct: ct.toString('base64') };
    return Buffer.from(JSON.stringify(blob), 'utf8');
  }

  /** The plain bytes; a MasterKeyError when the blob is not ours or was changed. */
  unwrap(context: string, wrapped: Uint8Array): Uint8Array {
    const blob = readBlob(wrapped);
    if (blob.kid !== this.id) {
      throw new MasterKeyError(`${context} was wrapped under master key ${blob.kid}, but the master key in use is ${this.id}`);
    }
    const ct = Buffer.from(blob.ct, 'base64');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(blob.iv, 'base64'), { authTagLength: tagBytes });
    decipher.setAAD(Buffer.from(context, 'utf8'));
    decipher.setAuthTag(ct.subarray(ct.length - tagBytes));
    try {
      return new Uint8Array(Buffer.concat([decipher.update(ct.subarray(0, ct.length - tagBytes)), decipher.final()]));
    } catch {
      throw new MasterKeyError(`${context} does not open under master key ${this.id}: it was changed, or wrapped for another record`);
    }
  }
}

/** The master key id a wrapped blob names, or null for something that is not a wrapped blob. */
export function wrappedKeyId(wrapped: Uint8Array): string | null {
  try {
    return readBlob(wrapped).kid;
  } catch {
    return null;
  }
}

function readBlob(wrapped: Uint8Array): WrappedBlob {
  let blob: Partial<WrappedBlob>;
  try {
    blob = JSON.parse(Buffer.from(wrapped).toString('utf8')) as Partial<WrappedBlob>;
  } catch {
    throw new MasterKeyError('not a wrapped key (not the JSON envelope)');
  }
  if (blob.v !== wrappedFormatVersion || typeof blob.kid !== 'string' || typeof blob.iv !== 'string' || typeof blob.ct !== 'string') {
    throw new MasterKeyError(`not a wrapped key of format ${wrappedFormatVersion}`);
  }
  return blob as WrappedBlob;
}

/** What a member key is bound to when wrapped: its kind and id, so a blob moved onto another record does not open. */
export const memberKeyContext = (keyId: string): string => `member-key:${keyId}`;

/** The vault's key store over key records: member keys go in wrapped and come out plain. */
export function wrappingKeyStore(records: KeyRecordStore, master: MasterKey): KeyStore {
  return {
    async get(keyId) {
      const wrapped = await records.get('member-key', keyId);
      return wrapped ? master.unwrap(memberKeyContext(keyId), wrapped) : null;
    },
    async putIfAbsent(keyId, key) {
      const stored = await records.putIfAbsent('member-key', keyId, master.wrap(memberKeyContext(keyId), key));
      return master.unwrap(memberKeyContext(keyId), stored);
    },
    delete: (keyId) => records.delete('member-key', keyId),
  };
}

const wrongKeyAdvice = (master: MasterKey, storeKid: string) =>
  `the key records in this store were wrapped under master key ${storeKid}, but LEDGER_MASTER_KEY / LEDGER_MASTER_KEY_FILE ` +
  `(or the data directory's master-key file) holds key ${master.id}. Start with the master key this store was created with; ` +
  'without it no member profile can be opened. Nothing was changed.';

/**
 * Checks that `master` is the key this store's records are wrapped under, recording its check value on a
 * fresh store. Throws a MasterKeyError naming both key ids otherwise.
 */
export async function checkMasterKey(records: KeyRecordStore, master: MasterKey): Promise<void> {
  let check = await records.get('meta', masterKeyCheckId);
  if (!check) {
    // A store from before envelope encryption, or a fresh one: any wrapped key already there must be ours.
    for (const { id, value } of await records.list('member-key')) {
      const kid = wrappedKeyId(value);
      if (kid !== null && kid !== master.id) throw new MasterKeyError(`${wrongKeyAdvice(master, kid)} (member key ${id})`);
    }
    check = await records.putIfAbsent('meta', masterKeyCheckId, master.wrap(masterKeyCheckId, Buffer.from(checkPlaintext)));
  }
  try {
    if (Buffer.from(master.unwrap(masterKeyCheckId, check)).toString('utf8') === checkPlaintext) return;
  } catch {
    // Falls through to the message below.
  }
  throw new MasterKeyError(wrongKeyAdvice(master, wrappedKeyId(check) ?? 'unknown'));
}

/**
 * Wraps member keys stored raw by versions before envelope encryption (32 bytes, not a JSON envelope).
 * Returns how many were wrapped. Safe to run on every start: wrapped keys are left alone.
 */
export async function wrapLegacyKeys(records: KeyRecordStore, master: MasterKey): Promise<number> {
  let wrapped = 0;
  for (const { id, value } of await records.list('member-key')) {
    if (value.length !== legacyRawKeyBytes || wrappedKeyId(value) !== null) continue;
    await records.replace('member-key', id, master.wrap(memberKeyContext(id), value));
    wrapped += 1;
  }
  return wrapped;
}
