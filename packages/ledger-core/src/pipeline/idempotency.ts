/**
 * Idempotent commands (DESIGN §4 rule 8), the one idempotency layer of the ledger: the HTTP service hands its
 * Idempotency-Key down and stores nothing of its own. A keyed command is claimed durably (with a lease) after
 * it is authorised and before it is decided; its outcome — accepted or refused — is kept for the retention
 * period, so a repeat gets the same answer. A repeat while the first is in flight is told so; the same key with
 * another request is refused. Transient outcomes (a conflict with another instance, a busy ledger) are not
 * kept: the key stays free for the retry.
 */
import { type DomainError, domainError } from '../errors.js';
import { canonicalJson, sha256Hex } from '../hash.js';
import { idempotencyLeaseMs, maxIdempotencyKeyLength } from '../limits.js';
import { type ExecuteResult } from '../outcome.js';
import { err, ok } from '../result.js';
import type { IdempotencyRecord, IdempotencyStore, JsonValue } from '../store/port.js';
import type { Clock } from '../time.js';
import type { IdempotencyContext } from './streams.js';

/** Refusals that say "not now" rather than "no": never kept as a key's outcome. */
const transientCodes: ReadonlySet<DomainError['code']> = new Set(['conflict', 'busy', 'idempotency-key-in-flight', 'idempotency-key-reused']);
export const isTransient = (error: DomainError): boolean => transientCodes.has(error.code);

export function checkKey(key: string): DomainError | null {
  return key.length === 0 || key.length > maxIdempotencyKeyLength
    ? domainError('validation', `an idempotency key must be 1 to ${maxIdempotencyKeyLength} characters, got ${key.length}`)
    : null;
}

/** The key as the ledger stores it: scoped to the community and the actor, so callers cannot collide. */
export async function idempotencyContext(communityId: string, actorId: string, key: string, request: unknown): Promise<IdempotencyContext> {
  return { key: `${communityId}:${actorId}:${key}`, requestHash: await sha256Hex(canonicalJson(request)) };
}

export class IdempotentCommands {
  constructor(
    private readonly records: IdempotencyStore,
    private readonly clock: Clock,
    private readonly retentionMs: number,
  ) {}

  /**
   * Runs `command` once for `context`'s key; a repeat gets the first outcome back. `provenByStream`: the
   * command decides on one stream, whose events carry the key, so a repeat after a crash finds the same outcome
   * there even if the record was lost — its record need not cost a durable commit of its own.
   */
  async once(context: IdempotencyContext, command: () => Promise<ExecuteResult>, provenByStream: boolean): Promise<ExecuteResult> {
    const now = this.clock.now();
    const claim: IdempotencyRecord = {
      key: context.key,
      requestHash: context.requestHash,
      status: 'pending',
      outcome: null,
      createdAt: now.toISOString(),
      expiresAt: new Date(now.getTime() + idempotencyLeaseMs).toISOString(),
    };
    // The claim need not be durable on its own: lost in a crash, it guarded nothing that survived (see AppendOptions).
    const { inserted, record } = await this.records.tryInsert(claim, now.toISOString(), { durability: 'deferred' });
    if (!inserted) return repeated(record, context);
    let result: ExecuteResult;
    try {
      result = await command();
    } catch (fault) {
      await this.records.delete(context.key);
      throw fault;
    }
    if (!result.ok && isTransient(result.error)) {
      // Storing this would answer the key's own retry with it; a stream-level "reused" means a crash lost the
      // record and another request's events hold the key, which the retry will find again.
      await this.records.delete(context.key);
      return result;
    }
    // An outcome whose events are appended (and durable) on one stream is proven by that stream after a crash;
    // a refusal, a no-op or a process's outcome is not, so its record is the durable acknowledgement.
    const provenByEvents = provenByStream && result.ok && result.value.events.length > 0 && !result.value.replayed;
    await this.records.put(
      {
        ...claim,
        status: 'completed',
        outcome: JSON.parse(JSON.stringify(result)) as JsonValue,
        expiresAt: new Date(this.clock.now().getTime() + this.retentionMs).toISOString(),
      },
      { durability: provenByEvents ? 'deferred' : 'durable' },
    );
    return result;
  }
}

function repeated(record: IdempotencyRecord, context: IdempotencyContext): ExecuteResult {
  if (record.requestHash !== context.requestHash) {
    return err(domainError('idempotency-key-reused', 'this idempotency key was used with a different request; use a new key for a new request'));
  }
  if (record.status === 'pending') {
    return err(domainError('idempotency-key-in-flight', 'a request with this idempotency key is still being processed; retry later'));
  }
  const stored = record.outcome as unknown as ExecuteResult;
  return stored.ok ? ok({ ...stored.value, replayed: true }) : stored;
}
