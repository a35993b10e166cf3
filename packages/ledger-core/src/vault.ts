/**
 * Personal data (DESIGN §6): events are forever, people's data is not. A profile is sealed with a key of
 * the member's own (AES-GCM through Web Crypto, so the core stays portable) and only the sealed form is
 * recorded. Erasing the key erases the person; every balance still reconciles because no balance ever
 * depended on the profile.
 */
import type { Profile } from './member/commands.js';
import type { SealedProfile } from './member/events.js';

/** Where member keys live: anywhere but the event store. */
export interface KeyStore {
  get(keyId: string): Promise<Uint8Array | null>;
  /**
   * Stores `key` under `keyId` unless a key is there already, atomically; returns the key stored — ours, or
   * the one another instance put there first — so two instances sealing for one member share one key.
   */
  putIfAbsent(keyId: string, key: Uint8Array): Promise<Uint8Array>;
  delete(keyId: string): Promise<void>;
}

/** The kinds of record kept beside the events but never in them. */
export const keyRecordKinds = ['member-key', 'api-key', 'meta', 'ui-card', 'ui-card-use', 'ui-session'] as const;
export type KeyRecordKind = (typeof keyRecordKinds)[number];

/**
 * Where an instance keeps what must never become an event: member keys (wrapped under the operator's master
 * key), API-key credentials and their bookkeeping, as opaque bytes by kind and id. One implementation per
 * backend (SQLite beside the embedded store, streams on EventStoreDB), so every instance over one backend
 * sees the same records.
 */
export interface KeyRecordStore {
  get(kind: KeyRecordKind, id: string): Promise<Uint8Array | null>;
  /** Stores `value` unless a record is there already, atomically; returns the record stored (ours or the first one). */
  putIfAbsent(kind: KeyRecordKind, id: string, value: Uint8Array): Promise<Uint8Array>;
  /** Replaces an existing record (a revocation, a re-wrap); false when there is none. */
  replace(kind: KeyRecordKind, id: string, value: Uint8Array): Promise<boolean>;
  /** Destroys the record; a no-op once it is gone. */
  delete(kind: KeyRecordKind, id: string): Promise<void>;
  /** Every live record of a kind, in no promised order. */
  list(kind: KeyRecordKind): Promise<Array<{ readonly id: string; readonly value: Uint8Array }>>;
  close(): Promise<void>;
}

export class InMemoryKeyRecordStore implements KeyRecordStore {
  private readonly records = new Map<string, Uint8Array>();
  private readonly at = (kind: KeyRecordKind, id: string) => `${kind}\u0000${id}`;
  async get(kind: KeyRecordKind, id: string) {
    return this.records.get(this.at(kind, id)) ?? null;
  }
  async putIfAbsent(kind: KeyRecordKind, id: string, value: Uint8Array) {
    const existing = this.records.get(this.at(kind, id));
    if (existing) return existing;
    this.records.set(this.at(kind, id), new Uint8Array(value));
    return value;
  }
  async replace(kind: KeyRecordKind, id: string, value: Uint8Array) {
    if (!this.records.has(this.at(kind, id))) return false;
    this.records.set(this.at(kind, id), new Uint8Array(value));
    return true;
  }
  async delete(kind: KeyRecordKind, id: string) {
    this.records.delete(this.at(kind, id));
  }
  async list(kind: KeyRecordKind) {
    const prefix = this.at(kind, '');
    return [...this.records].filter(([key]) => key.startsWith(prefix)).map(([key, value]) => ({ id: key.slice(prefix.length), value }));
  }
  async close() {}
}

export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, Uint8Array>();
  async get(keyId: string) {
    return this.keys.get(keyId) ?? null;
  }
  async putIfAbsent(keyId: string, key: Uint8Array) {
    const existing = this.keys.get(keyId);
    if (existing) return existing;
    this.keys.set(keyId, new Uint8Array(key));
    return key;
  }
  async delete(keyId: string) {
    this.keys.delete(keyId);
  }
}

/**
 * The member's key of one generation. A member's profile is sealed under the key of the current generation
 * (the number of erasures so far), so a profile recorded after an erasure gets a new key and the erased
 * profiles stay unreadable. Generation 0 is the plain `community/member`.
 */
export const profileKeyId = (communityId: string, memberId: string, generation: number): string =>
  generation === 0 ? `${communityId}/${memberId}` : `${communityId}/${memberId}#${generation}`;

const belongsTo = (keyId: string, communityId: string, memberId: string): boolean => {
  const base = `${communityId}/${memberId}`;
  return keyId === base || (keyId.startsWith(`${base}#`) && /^\d+$/.test(keyId.slice(base.length + 1)));
};

export interface ProfileVault {
  /** Seals a profile under the member's key of `generation`, making the key if there is none yet. */
  seal(communityId: string, memberId: string, generation: number, profile: Profile): Promise<SealedProfile>;
  /** The profile, or null once its key is erased (or if it was not sealed for this member). */
  open(communityId: string, memberId: string, sealed: SealedProfile): Promise<Profile | null>;
  /** Destroys the member's key of `generation`; a no-op once it is gone. */
  erase(communityId: string, memberId: string, generation: number): Promise<void>;
  /** Whether the member's key of `generation` still exists (an erasure a crash left unfinished). */
  holdsKey(communityId: string, memberId: string, generation: number): Promise<boolean>;
}

function toBase64(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text);
}

function fromBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

export class WebCryptoVault implements ProfileVault {
  constructor(private readonly keys: KeyStore = new InMemoryKeyStore()) {}

  async seal(communityId: string, memberId: string, generation: number, profile: Profile): Promise<SealedProfile> {
    const keyId = profileKeyId(communityId, memberId, generation);
    const raw = (await this.keys.get(keyId)) ?? (await this.keys.putIfAbsent(keyId, crypto.getRandomValues(new Uint8Array(32))));
    const key = await crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, ['encrypt']);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plaintext = new TextEncoder().encode(JSON.stringify(profile));
    // The key id is bound as additional data, so a sealed profile cannot be replayed onto another member.
    const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(keyId) }, key, plaintext);
    return { keyId, alg: 'AES-GCM-256', iv: toBase64(iv), ciphertext: toBase64(new Uint8Array(ciphertext)) };
  }

  async open(communityId: string, memberId: string, sealed: SealedProfile): Promise<Profile | null> {
    if (!belongsTo(sealed.keyId, communityId, memberId)) return null;
    const raw = await this.keys.get(sealed.keyId);
    if (!raw) return null;
    const key = await crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, ['decrypt']);
    try {
      const plaintext = await crypto.subtle.decrypt(
        { name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData: new TextEncoder().encode(sealed.keyId) },
        key,
        fromBase64(sealed.ciphertext),
      );
      return JSON.parse(new TextDecoder().decode(plaintext)) as Profile;
    } catch {
      // Sealed under a key that is no longer this one (a key store restored from elsewhere): unreadable, like erased.
      return null;
    }
  }

  async erase(communityId: string, memberId: string, generation: number): Promise<void> {
    await this.keys.delete(profileKeyId(communityId, memberId, generation));
  }

  async holdsKey(communityId: string, memberId: string, generation: number): Promise<boolean> {
    return (await this.keys.get(profileKeyId(communityId, memberId, generation))) !== null;
  }
}

/** 身份证号 masked for certificates: the first 3 and last 4 characters stay, e.g. 110***********1234. */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length <= 7) return '*'.repeat(idNumber.length);
  return idNumber.slice(0, 3) + '*'.repeat(idNumber.length - 7) + idNumber.slice(-4);
}
