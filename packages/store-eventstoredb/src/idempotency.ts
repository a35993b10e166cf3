/**
 * Idempotency records kept in the server itself, one stream per key: `<namespace>ledger-idem-<sha256(key)>`.
 * The stream's last event is the record's state: `IdempotencyRecordStored` (data = the record) or
 * `IdempotencyRecordDeleted`. Atomicity comes from expected revisions, never from the server's
 * best-effort event-id deduplication: `tryInsert` reads the last event and appends only if the stream is
 * still at that revision, so of two racing claims exactly one lands; the loser re-reads and sees it.
 * Each stream carries `$maxCount: 1`, so a scavenge can reclaim superseded states.
 */
import { NO_STREAM, WrongExpectedVersionError, jsonEvent, type EventStoreDBClient, type JSONRecordedEvent } from '@eventstore/db-client';
import { maxReadAllPageSize, type IdempotencyRecord, type IdempotencyStore, type JsonValue } from '@volunteer-ledger/core';
import { digest, readAllAfter, readLastEvent } from './server-streams.js';

const storedType = 'IdempotencyRecordStored';
const deletedType = 'IdempotencyRecordDeleted';
/** Claims re-read and retried after losing a race: each retry sees the winner, so two suffice; a few more for safety. */
const maxClaimAttempts = 5;

interface State {
  readonly record: IdempotencyRecord | null;
  readonly revision: bigint | 'no_stream';
}

export class EventStoreDbIdempotencyStore implements IdempotencyStore {
  constructor(
    private readonly client: EventStoreDBClient,
    private readonly streamPrefix: string,
    private readonly assertOpen: () => void,
    private readonly readDeadlineMs: number,
  ) {}

  async get(key: string): Promise<IdempotencyRecord | null> {
    this.assertOpen();
    return (await this.state(key)).record;
  }

  async tryInsert(record: IdempotencyRecord, now: string): Promise<{ inserted: boolean; record: IdempotencyRecord }> {
    this.assertOpen();
    const stream = this.streamOf(record.key);
    for (let attempt = 1; attempt <= maxClaimAttempts; attempt += 1) {
      const { record: existing, revision } = await this.state(record.key);
      if (existing && existing.expiresAt > now) return { inserted: false, record: existing };
      // Set before the first claim, so that a failure here cannot leave a claim its caller thinks failed.
      if (revision === 'no_stream') await this.client.setStreamMetadata(stream, { maxCount: 1 });
      try {
        await this.client.appendToStream(stream, storedEvent(record), {
          expectedRevision: revision === 'no_stream' ? NO_STREAM : revision,
        });
        return { inserted: true, record };
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
    }
    throw new Error(
      `could not claim idempotency key ${JSON.stringify(record.key)}: the record changed under ${maxClaimAttempts} attempts in a row; retry the request`,
    );
  }

  async put(record: IdempotencyRecord): Promise<void> {
    this.assertOpen();
    const stream = this.streamOf(record.key);
    const result = await this.client.appendToStream(stream, storedEvent(record));
    if (result.nextExpectedRevision === 0n) await this.client.setStreamMetadata(stream, { maxCount: 1 });
  }

  async delete(key: string): Promise<void> {
    this.assertOpen();
    const { record } = await this.state(key);
    if (record) await this.client.appendToStream(this.streamOf(key), deletedEvent(key));
  }

  /**
   * Scans every idempotency stream through a filtered read of `$all` (the server filters; the scan still
   * touches every idempotency event once), then deletes each expired record with the revision it was
   * read at, so a record renewed meanwhile is left alone. Cost grows with the number of keys written
   * since the last scavenge: run it as a periodic job, not per request.
   */
  async deleteExpired(now: string): Promise<number> {
    this.assertOpen();
    const latest = new Map<string, State>();
    let after: bigint | undefined;
    for (;;) {
      const page = await readAllAfter(this.client, {
        prefixes: [this.streamPrefix],
        after,
        maxCount: maxReadAllPageSize,
        deadlineMs: this.readDeadlineMs,
      });
      for (const { resolved } of page) {
        const event = resolved.event as JSONRecordedEvent;
        latest.set(event.streamId, { record: recordOf(event), revision: event.revision });
      }
      if (page.length < maxReadAllPageSize) break;
      after = page[page.length - 1]!.position;
    }
    let removed = 0;
    for (const [stream, { record, revision }] of latest) {
      if (!record || record.expiresAt > now || revision === 'no_stream') continue;
      try {
        await this.client.appendToStream(stream, deletedEvent(record.key), { expectedRevision: revision });
        removed += 1;
      } catch (error) {
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
    }
    return removed;
  }

  private streamOf(key: string): string {
    return `${this.streamPrefix}${digest(key)}`;
  }

  private async state(key: string): Promise<State> {
    const last = await readLastEvent(this.client, this.streamOf(key));
    if (last === 'no_stream') return { record: null, revision: 'no_stream' };
    return { record: recordOf(last.event.event as JSONRecordedEvent), revision: last.revision };
  }
}

function storedEvent(record: IdempotencyRecord) {
  return jsonEvent({ type: storedType, data: { ...record } });
}

function deletedEvent(key: string) {
  return jsonEvent({ type: deletedType, data: { key } });
}

function recordOf(event: JSONRecordedEvent): IdempotencyRecord | null {
  if (event.type === deletedType) return null;
  if (event.type !== storedType) throw new Error(`unexpected event ${event.type} in idempotency stream ${event.streamId}`);
  const data = event.data as unknown as IdempotencyRecord;
  return {
    key: data.key,
    requestHash: data.requestHash,
    status: data.status,
    outcome: data.outcome as JsonValue | null,
    createdAt: data.createdAt,
    expiresAt: data.expiresAt,
  };
}
