/** Identifiers and stream names (DESIGN §3). Ids are chosen by the calling app, so they are checked here. */
import { z } from 'zod';

/** Letters, digits, `_ . : -`; starting with a letter or digit; at most 64 characters. */
export const idPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,63}$/;
export const idSchema = z.string().regex(idPattern, 'letters, digits and _ . : - (at most 64, starting with a letter or digit)');

export const communityIdSchema = idSchema;
export const memberIdSchema = idSchema;

/**
 * Ids of activities, service requests and micro-wishes: like any id, but at most 48 characters, so the ids the
 * ledger derives from them on member streams (`activity.{id}` for an attendance's service record,
 * `request.{id}` for a request's) still fit an id's 64 — without cutting, which could make two processes one.
 */
export const processIdPattern = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,47}$/;
export const processIdSchema = z.string().regex(processIdPattern, 'letters, digits and _ . : - (at most 48, starting with a letter or digit)');

/**
 * 爱心积分池: the donation pool is an account like a member's, under a reserved id that no member id can
 * take (member ids cannot start with `_`).
 */
export const donationPoolId = '_pool';
export const accountIdSchema = z.union([memberIdSchema, z.literal(donationPoolId)]);

/**
 * A community id as it stands inside a stream name: its dashes become `~` (which no id may contain), so the
 * dash after it always ends it. Without this, `member-{a-b}-{c}` and `member-{a}-{b-c}` would be one stream:
 * two accounts of two communities sharing one history. Ids without dashes are unchanged.
 */
export const communityInStreamName = (communityId: string): string => (communityId.includes('-') ? communityId.replaceAll('-', '~') : communityId);
/** The community id back from its form in a stream name. */
export const communityFromStreamName = (encoded: string): string => encoded.replaceAll('~', '-');

export const streamNames = {
  community: (communityId: string) => `community-${communityInStreamName(communityId)}`,
  member: (communityId: string, memberId: string) => `member-${communityInStreamName(communityId)}-${memberId}`,
  reward: (communityId: string, itemId: string) => `reward-${communityInStreamName(communityId)}-${itemId}`,
  redemption: (communityId: string, redemptionId: string) => `redemption-${communityInStreamName(communityId)}-${redemptionId}`,
  transfer: (communityId: string, transferId: string) => `transfer-${communityInStreamName(communityId)}-${transferId}`,
  activity: (communityId: string, activityId: string) => `activity-${communityInStreamName(communityId)}-${activityId}`,
  request: (communityId: string, requestId: string) => `request-${communityInStreamName(communityId)}-${requestId}`,
  wish: (communityId: string, wishId: string) => `wish-${communityInStreamName(communityId)}-${wishId}`,
} as const;

/**
 * The category of each kind of stream above: the name's first part. Taken from `streamNames` so that a new kind of
 * stream cannot be left out of a store's global order (EventStoreDB refuses a stream outside these categories).
 */
export const streamCategories: ReadonlyArray<keyof typeof streamNames> = Object.freeze(Object.keys(streamNames) as Array<keyof typeof streamNames>);

/**
 * The id of a process's `attempt`-th try at something that records under an id (a volunteer's record of a
 * fulfilment or a confirmation): the first keeps `base`, later ones are `….2`, `….3`, within 64 characters. An
 * abandoned attempt withdrew what it recorded, and an id is never recorded twice.
 */
export function idOfAttempt(base: string, attempt: number): string {
  if (attempt <= 1) return base;
  const suffix = `.${attempt}`;
  return `${base.slice(0, 64 - suffix.length)}${suffix}`;
}

export const instantSchema = z.iso.datetime({ offset: true });

/**
 * Cryptographic random numbers in [0, 1) drawn from Web Crypto 4 KiB at a time, for ULIDs: without a
 * source of its own, ulid asks the platform once per character, 16 times for every new millisecond.
 * Each byte / 256 maps onto ulid's 32-letter alphabet without bias (256 is a multiple of 32).
 */
const randomPool = new Uint8Array(4_096);
let randomPoolUsed = randomPool.length;
export function pooledRandom(): number {
  if (randomPoolUsed >= randomPool.length) {
    crypto.getRandomValues(randomPool);
    randomPoolUsed = 0;
  }
  return randomPool[randomPoolUsed++]! / 256;
}
