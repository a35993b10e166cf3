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
  put(keyId: string, key: Uint8Array): Promise<void>;
  delete(keyId: string): Promise<void>;
}

export class InMemoryKeyStore implements KeyStore {
  private readonly keys = new Map<string, Uint8Array>();
  async get(keyId: string) {
    return this.keys.get(keyId) ?? null;
  }
  async put(keyId: string, key: Uint8Array) {
    this.keys.set(keyId, key);
  }
  async delete(keyId: string) {
    this.keys.delete(keyId);
  }
}

export interface ProfileVault {
  seal(communityId: string, memberId: string, profile: Profile): Promise<SealedProfile>;
  /** The profile, or null once the member's key is erased. */
  open(communityId: string, memberId: string, sealed: SealedProfile): Promise<Profile | null>;
  erase(communityId: string, memberId: string): Promise<void>;
  /**
   * A keyed digest (HMAC under the member's key) of personal data, stable while the key lives: what an
   * idempotency hash may contain instead of the clear text. Once the key is erased it cannot be
   * recomputed, so no stored hash can confirm a guessed phone or ID number.
   */
  fingerprint(communityId: string, memberId: string, profile: Profile): Promise<string>;
}

const keyIdOf = (communityId: string, memberId: string) => `${communityId}/${memberId}`;

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

  async seal(communityId: string, memberId: string, profile: Profile): Promise<SealedProfile> {
    const keyId = keyIdOf(communityId, memberId);
    const key = await crypto.subtle.importKey('raw', await this.memberKey(keyId), 'AES-GCM', false, ['encrypt']);
    const iv = crypto.getRandomValues(new Uint8Array(12));
    const plaintext = new TextEncoder().encode(JSON.stringify(profile));
    // The key id is bound as additional data, so a sealed profile cannot be replayed onto another member.
    const ciphertext = await crypto.subtle.encrypt({ name: 'AES-GCM', iv, additionalData: new TextEncoder().encode(keyId) }, key, plaintext);
    return { keyId, alg: 'AES-GCM-256', iv: toBase64(iv), ciphertext: toBase64(new Uint8Array(ciphertext)) };
  }

  async fingerprint(communityId: string, memberId: string, profile: Profile): Promise<string> {
    const raw = await this.memberKey(keyIdOf(communityId, memberId));
    // A separate key for digests, derived from the member's key, so one key never serves two algorithms.
    const base = await crypto.subtle.importKey('raw', raw, 'HKDF', false, ['deriveKey']);
    const hmacKey = await crypto.subtle.deriveKey(
      { name: 'HKDF', hash: 'SHA-256', salt: new Uint8Array(0), info: new TextEncoder().encode('profile-fingerprint') },
      base,
      { name: 'HMAC', hash: 'SHA-256', length: 256 },
      false,
      ['sign'],
    );
    const ordered = Object.fromEntries(Object.entries(profile).sort(([a], [b]) => (a < b ? -1 : 1)));
    const digest = await crypto.subtle.sign('HMAC', hmacKey, new TextEncoder().encode(JSON.stringify(ordered)));
    return toBase64(new Uint8Array(digest));
  }

  /** The member's key, made on first use. */
  private async memberKey(keyId: string): Promise<Uint8Array<ArrayBuffer>> {
    let raw = await this.keys.get(keyId);
    if (!raw) {
      raw = crypto.getRandomValues(new Uint8Array(32));
      await this.keys.put(keyId, raw);
    }
    return new Uint8Array(raw);
  }

  async open(communityId: string, memberId: string, sealed: SealedProfile): Promise<Profile | null> {
    const keyId = keyIdOf(communityId, memberId);
    const raw = await this.keys.get(sealed.keyId);
    if (!raw || sealed.keyId !== keyId) return null;
    const key = await crypto.subtle.importKey('raw', new Uint8Array(raw), 'AES-GCM', false, ['decrypt']);
    const plaintext = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: fromBase64(sealed.iv), additionalData: new TextEncoder().encode(keyId) },
      key,
      fromBase64(sealed.ciphertext),
    );
    return JSON.parse(new TextDecoder().decode(plaintext)) as Profile;
  }

  async erase(communityId: string, memberId: string): Promise<void> {
    await this.keys.delete(keyIdOf(communityId, memberId));
  }
}

/** 身份证号 masked for certificates: the first 3 and last 4 characters stay, e.g. 110***********1234. */
export function maskIdNumber(idNumber: string): string {
  if (idNumber.length <= 7) return '*'.repeat(idNumber.length);
  return idNumber.slice(0, 3) + '*'.repeat(idNumber.length - 7) + idNumber.slice(-4);
}
