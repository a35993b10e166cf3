/**
 * Every limit and timeout of the ledger in one place, each with its unit in its name (STYLE: TigerBeetle's
 * constants.zig). The relations between them are asserted below, where the module loads, so a change that
 * breaks one (a lease shorter than the work it guards) fails at start-up instead of in production.
 */

// ── Deciding and appending ──────────────────────────────────────────────────────────────────────────
/** Attempts at one decision before the caller sees a conflict (only another instance can cause one). */
export const maxConflictRetries = 8;
/** Largest batch a single append may carry: a decision that needs more is a bug. */
export const maxEventsPerAppend = 1_000;
/** Streams whose folded state is kept in memory (least recently used evicted first). */
export const defaultMaxCachedStreams = 10_000;

// ── One writer per stream inside a process ──────────────────────────────────────────────────────────
/** Commands waiting for one stream (plus the one running); past it the caller is told to come back later. */
export const maxQueuedCommandsPerStream = 1_000;
/** Commands waiting across all streams of one ledger; past it the caller is told to come back later. */
export const maxQueuedCommandsTotal = 20_000;
/** Longest a command may wait for its stream before it is refused as busy (nothing done). */
export const maxQueueWaitMs = 10_000;
/** What a busy refusal suggests as Retry-After. */
export const busyRetryAfterSeconds = 1;

// ── Idempotency ─────────────────────────────────────────────────────────────────────────────────────
/** How long a completed idempotency record is kept: repeats within it return the stored outcome. */
export const defaultIdempotencyRetentionMs = 24 * 60 * 60_000;
/** How long a claimed key counts as in flight before another attempt may take over (a crashed first attempt). */
export const idempotencyLeaseMs = 30_000;
/** Longest idempotency key a caller may send. */
export const maxIdempotencyKeyLength = 255;
/**
 * How far back in a stream a refused command looks for an identical earlier one whose answer it repeats (a
 * command sent again without an Idempotency-Key); older repeats get the refusal itself.
 */
export const maxRepeatLookbackEvents = 1_000;

// ── Processes and jobs ──────────────────────────────────────────────────────────────────────────────
/** A process step older than this with nothing after it is taken as abandoned by whoever ran it. */
export const defaultRecoveryGraceMs = 60_000;

// ── Hours and clocks ────────────────────────────────────────────────────────────────────────────────
/** Check-out times this far ahead of the ledger's clock are tolerated (device clocks drift). */
export const clockSkewToleranceMs = 5 * 60_000;
/** Most hours one service record may claim (rule 6). */
export const maxHoursPerRecordText = '24.00';

// ── Activities (志愿活动) ─────────────────────────────────────────────────────────────────────────────
/** Most seats one activity may offer. */
export const maxActivityCapacity = 5_000;
/** Longest wait list one activity keeps; past it a sign-up is refused. */
export const maxWaitListLength = 1_000;
/** Longest an activity may last: an attendance is one service record, and no record may claim more than 24 hours. */
export const maxActivityLengthMs = 24 * 60 * 60_000;
/** How long before its start an activity's check-in opens (people arrive early; time before the start never counts). */
export const checkInOpensBeforeStartMs = 30 * 60_000;
/** Most organisers one activity may name. */
export const maxActivityOrganisers = 20;
/** Longest title, place, description or comment of an activity, request or wish, in characters. */
export const maxActivityTextLength = 200;
export const maxDescriptionLength = 500;
/** How long a kiosk code stands before the kiosk shows the next one (its time step). */
export const kioskCodeRotationMs = 30_000;
/** Codes of this many steps before the current one are still accepted: a resident scanning as the code turns over. */
export const kioskCodeGraceSteps = 1;

// ── Service requests (点单 → 派单 → 接单 → 评单) and micro-wishes (微心愿) ───────────────────────────────
/** A request with no expiry of its own lapses this long after the time it was wanted for. */
export const defaultServiceRequestOpenMs = 7 * 24 * 60 * 60_000;
/** Latest a request may be set to lapse, counted from its posting: points offered are held until then. */
export const maxServiceRequestOpenMs = 90 * 24 * 60 * 60_000;
/** How long the donation pool's points stay held for a wish it claimed (what the hold says; the organiser fulfils or cancels). */
export const wishPoolHoldMs = 30 * 24 * 60 * 60_000;

// ── Reading ─────────────────────────────────────────────────────────────────────────────────────────
/** Largest page `readAll` returns, whatever was asked. */
export const maxReadAllPageSize = 10_000;
/** Events a polling subscription reads per page. */
export const subscriptionPageSize = 500;

/** Throws at load when two limits contradict each other. */
function assertRelation(holds: boolean, relation: string): void {
  if (!holds) throw new Error(`ledger limits contradict each other: ${relation}`);
}

assertRelation(maxQueueWaitMs < idempotencyLeaseMs, 'a command may wait for its stream longer than its idempotency claim lasts');
assertRelation(idempotencyLeaseMs < defaultRecoveryGraceMs, 'recovery could take over a process whose keyed request is still in flight');
assertRelation(idempotencyLeaseMs < defaultIdempotencyRetentionMs, 'a completed idempotency record would be kept for less than an in-flight claim');
assertRelation(maxQueuedCommandsPerStream <= maxQueuedCommandsTotal, 'one stream may queue more commands than the whole ledger');
assertRelation(subscriptionPageSize <= maxReadAllPageSize, 'a subscription page is larger than readAll returns');
assertRelation(maxConflictRetries >= 1, 'a decision needs at least one attempt');
assertRelation(maxActivityLengthMs <= 24 * 60 * 60_000, 'an activity could last longer than one service record may claim (24 hours)');
assertRelation(checkInOpensBeforeStartMs < maxActivityLengthMs, 'check-in would open earlier than an activity can last');
assertRelation(kioskCodeRotationMs * (kioskCodeGraceSteps + 1) <= checkInOpensBeforeStartMs, 'a kiosk code would stay valid longer than check-in is open before the start');
assertRelation(kioskCodeRotationMs >= 5_000, 'kiosk codes would turn over faster than a resident can scan one');
assertRelation(defaultServiceRequestOpenMs <= maxServiceRequestOpenMs, 'a request would lapse by default later than any request may');
