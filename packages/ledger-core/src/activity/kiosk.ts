/**
 * Kiosk codes (签到码): the activity's kiosk shows a code that turns over every `kioskCodeRotationMs`; a member
 * presents it to check in or out. A code is `{step}.{mac}`: the time step it was shown in and an HMAC-SHA-256
 * (Web Crypto) over the community, the activity and the step, under a secret of the activity's own. So a code
 * is accepted only for its activity, only while it is current (or `kioskCodeGraceSteps` old), and — because the
 * activity accepts one check-in and one check-out per member — once per member per activity.
 *
 * Where the secret lives: 32 random bytes made when the activity is published, sealed by the ledger's vault
 * (AES-GCM) under a key of the activity's own, `{community}/~kiosk.{activity}` — `~` is in no member id, so it
 * cannot be a member's key. The event stream keeps only the sealed secret; the key sits where member keys sit:
 * outside the event store, in the backend the operator chose, wrapped under the master key and shared by every
 * instance. Anyone who reads every event still cannot make a code; any instance can check one; nothing needs
 * configuring per instance. (The vault's only sealing call takes a profile; the secret travels as its `name`.)
 */
import { type DomainError, domainError, notAllowed, notFound, invalidState } from '../errors.js';
import type { Actor } from '../events.js';
import { kioskCodeGraceSteps, kioskCodeRotationMs, checkInOpensBeforeStartMs } from '../limits.js';
import type { SealedProfile } from '../member/events.js';
import { err, ok, type Result } from '../result.js';
import type { Clock } from '../time.js';
import type { ProfileVault } from '../vault.js';
import type { ActivityState } from './state.js';

/** Bytes of the MAC a code carries: 128 bits, 22 characters of base64url. */
const kioskMacBytes = 16;
const kioskSecretBytes = 32;
const codePattern = /^(\d{1,15})\.([A-Za-z0-9_-]{22})$/;
const encoder = new TextEncoder();

/** The vault subject whose key seals an activity's kiosk secret. */
export const kioskSubject = (activityId: string): string => `~kiosk.${activityId}`;

function toBase64Url(bytes: Uint8Array): string {
  let text = '';
  for (const byte of bytes) text += String.fromCharCode(byte);
  return btoa(text).replaceAll('+', '-').replaceAll('/', '_').replace(/=+$/, '');
}

function fromBase64Url(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replaceAll('-', '+').replaceAll('_', '/'));
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Makes a new secret and seals it: called only for a publication that was accepted, right before it is appended. */
export function sealKioskSecret(vault: ProfileVault, communityId: string, activityId: string): Promise<SealedProfile> {
  const secret = crypto.getRandomValues(new Uint8Array(kioskSecretBytes));
  return vault.seal(communityId, kioskSubject(activityId), 0, { name: toBase64Url(secret) });
}

/** The activity's secret, or null when its key is gone from the vault (or the sealed secret is not this activity's). */
export async function openKioskSecret(vault: ProfileVault, communityId: string, activityId: string, sealed: SealedProfile): Promise<Uint8Array | null> {
  const opened = await vault.open(communityId, kioskSubject(activityId), sealed);
  return opened?.name ? fromBase64Url(opened.name) : null;
}

/** The kiosk's time step at `instant`. */
export const kioskStepAt = (instant: Date): number => Math.floor(instant.getTime() / kioskCodeRotationMs);

/** The code the kiosk of `activityId` shows during `step`. */
export async function kioskCodeFor(secret: Uint8Array, communityId: string, activityId: string, step: number): Promise<string> {
  const key = await crypto.subtle.importKey('raw', new Uint8Array(secret), { name: 'HMAC', hash: 'SHA-256' }, false, ['sign']);
  const mac = new Uint8Array(await crypto.subtle.sign('HMAC', key, encoder.encode(`kiosk/v1\n${communityId}\n${activityId}\n${step}`)));
  return `${step}.${toBase64Url(mac.subarray(0, kioskMacBytes))}`;
}

/** Compares in time independent of where the texts differ. */
function sameText(a: string, b: string): boolean {
  if (a.length !== b.length) return false;
  let difference = 0;
  for (let i = 0; i < a.length; i += 1) difference |= a.charCodeAt(i) ^ b.charCodeAt(i);
  return difference === 0;
}

/**
 * Checks a presented code at `now`: well-formed, current (or at most `kioskCodeGraceSteps` steps old), and signed
 * for this activity. Returns the code's step. Whether the member may check in is the activity's decision.
 */
export async function verifyKioskCode(secret: Uint8Array, communityId: string, activityId: string, code: string, now: Date): Promise<Result<number, DomainError>> {
  const match = codePattern.exec(code.trim());
  if (!match) return err(domainError('validation', `not a kiosk code: expected the code the activity's kiosk shows (a number, a dot and 22 letters), got ${JSON.stringify(code.slice(0, 40))}`));
  const step = Number(match[1]);
  const current = kioskStepAt(now);
  if (step > current || step < current - kioskCodeGraceSteps) {
    return err(invalidState(`this kiosk code is not current (codes turn over every ${kioskCodeRotationMs / 1_000} s); scan the code the kiosk shows now`, { step, currentStep: current }));
  }
  if (!sameText(code.trim(), await kioskCodeFor(secret, communityId, activityId, step))) {
    return err(notAllowed(`this code was not shown by the kiosk of activity ${activityId}; scan the code at its kiosk`, { activity: activityId }));
  }
  return ok(step);
}

/** What a kiosk needs from the ledger to show codes (the Ledger has all of it). */
export interface KioskSource {
  readonly vault: ProfileVault;
  readonly clock: Clock;
  readonly fresh: { activity(communityId: string, activityId: string): Promise<ActivityState> };
  authorizeRead(actor: Actor, target: { kind: 'community-wide'; communityId: string }): Promise<DomainError | null>;
}

export interface KioskCode {
  readonly code: string;
  readonly step: number;
  /** When the kiosk should show the next code. */
  readonly showUntil: string;
}

/**
 * The code an activity's kiosk shows now: for organisers and admins (a kiosk signs in as one), for a published
 * activity while its check-in is open.
 */
export async function currentKioskCode(ledger: KioskSource, actor: Actor, communityId: string, activityId: string): Promise<Result<KioskCode, DomainError>> {
  const refused = await ledger.authorizeRead(actor, { kind: 'community-wide', communityId });
  if (refused) return err(refused);
  const activity = await ledger.fresh.activity(communityId, activityId);
  if (activity.status === 'none' || activity.kioskSecret === null) return err(notFound('activity', activityId));
  if (activity.status !== 'published') return err(invalidState(`activity ${activityId} is ${activity.status}; its kiosk shows no codes`, { status: activity.status }));
  const now = ledger.clock.now();
  const opensAt = new Date(Date.parse(activity.startsAt) - checkInOpensBeforeStartMs).toISOString();
  if (now.toISOString() < opensAt || now.toISOString() >= activity.endsAt) {
    return err(invalidState(`check-in for activity ${activityId} is open from ${opensAt} until ${activity.endsAt}; the kiosk shows codes only then`, { opensAt, endsAt: activity.endsAt }));
  }
  const secret = await openKioskSecret(ledger.vault, communityId, activityId, activity.kioskSecret);
  if (!secret) return err(invalidState(`the kiosk secret of activity ${activityId} cannot be opened (its key is not in the vault); organisers can still check members in`));
  const step = kioskStepAt(now);
  return ok({ code: await kioskCodeFor(secret, communityId, activityId, step), step, showUntil: new Date((step + 1) * kioskCodeRotationMs).toISOString() });
}
