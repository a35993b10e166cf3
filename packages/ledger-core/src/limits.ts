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

// ── Processes and jobs ──────────────────────────────────────────────────────────────────────────────
/** A process step older than this with nothing after it is taken as abandoned by whoever ran it. */
export const defaultRecoveryGraceMs = 60_000;

// ── Hours and clocks ────────────────────────────────────────────────────────────────────────────────
/** Check-out times this far ahead of the ledger's clock are tolerated (device clocks drift). */
export const clockSkewToleranceMs = 5 * 60_000;
/** Most hours one service record may claim (rule 6). */
export const maxHoursPerRecordText = '24.00';

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
