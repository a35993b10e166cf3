/**
 * Key records (wrapped member keys, API-key credentials, their bookkeeping) kept in the server, so every
 * service instance over one cluster sees the same ones. One stream per record:
 * `<namespace>ledger-keys-<kind>-<sha256(id)>`. The `ledger-` prefix is this package's reserved bookkeeping
 * prefix, so these streams never reach the ledger's global order (`readAll`, `subscribeToAll`, projections);
 * the digest keeps any id stream-name safe. The stream's last event is the record (`KeyRecordStored`).
 *
 * - `putIfAbsent` appends with expected revision `no_stream`: of two instances racing, one lands and the
 *   other reads the winner's record.
 * - `replace` appends at the revision it read, so a concurrent change is not lost silently (it retries).
 * - `delete` **tombstones** the stream (hard delete): it reads as deleted from then on and can never be
 *   written again, so no instance holding a stale view can bring an erased member key back. The bytes stay
 *   in the server's log until a **scavenge** reclaims them: erasure is final on EventStoreDB only after a
 *   scavenge has run on every node (see the server package README).
 * - `list` reads `$all` filtered by the kind's stream prefix on the server, keeping each stream's last event.
 */
import {
  EventStoreDBClient,
  NO_STREAM,
  StreamDeletedError,
  WrongExpectedVersionError,
  jsonEvent,
  type JSONRecordedEvent,
} from '@eventstore/db-client';
import { type KeyRecordKind, type KeyRecordStore, maxReadAllPageSize } from '@volunteer-ledger/core';
import { closeChannel } from './filtered-read.js';
import { digest, readAllAfter, readLastEvent } from './server-streams.js';

const storedType = 'KeyRecordStored';
/** The event type of a tombstone in a hard-deleted stream, as the server writes it. */
const tombstoneType = '$streamDeleted';
/** Replaces re-read and retried after losing a race. */
const maxReplaceAttempts = 5;
const defaultReadDeadlineMs = 10_000;

export interface EventStoreDbKeyRecordsOptions {
  readonly connectionString: string;
  /** Prefix of every stream, as for the event store (tests use it to share one server). Default empty. */
  readonly namespace?: string;
  /** Deadline of one `$all` page read in `list`. Default 10,000 ms. */
  readonly readDeadlineMs?: number;
}

interface StoredData {
  readonly kind: KeyRecordKind;
  readonly id: string;
  /** The record's bytes, base64. */
  readonly value: string;
}

type State = { readonly value: Uint8Array; readonly revision: bigint } | 'no_stream' | 'deleted';

export class EventStoreDbKeyRecords implements KeyRecordStore {
  private readonly client: EventStoreDBClient;
  private readonly prefix: string;
  private readonly readDeadlineMs: number;
  private closed = false;

  constructor(options: EventStoreDbKeyRecordsOptions) {
    this.client = EventStoreDBClient.connectionString(options.connectionString);
    this.prefix = `${options.namespace ?? ''}ledger-keys-`;
    this.readDeadlineMs = options.readDeadlineMs ?? defaultReadDeadlineMs;
  }

  /** The server stream that holds a record (for operators and tests: what to expect on the server). */
  streamOf(kind: KeyRecordKind, id: string): string {
    return `${this.prefix}${kind}-${digest(id)}`;
  }

  async get(kind: KeyRecordKind, id: string): Promise<Uint8Array | null> {
    const state = await this.state(kind, id);
    return typeof state === 'string' ? null : state.value;
  }

  async putIfAbsent(kind: KeyRecordKind, id: string, value: Uint8Array): Promise<Uint8Array> {
    this.assertOpen();
    const stream = this.streamOf(kind, id);
    try {
      await this.client.appendToStream(stream, storedEvent(kind, id, value), { expectedRevision: NO_STREAM });
      return value;
    } catch (error) {
      if (error instanceof StreamDeletedError) throw erased(kind, id);
      if (!(error instanceof WrongExpectedVersionError)) throw error;
    }
    const state = await this.state(kind, id);
    if (state === 'deleted') throw erased(kind, id);
    if (state === 'no_stream') throw new Error(`key record ${kind} ${id}: the server refused to create it but holds none; retry`);
    return state.value;
  }

  async replace(kind: KeyRecordKind, id: string, value: Uint8Array): Promise<boolean> {
    this.assertOpen();
    for (let attempt = 1; attempt <= maxReplaceAttempts; attempt += 1) {
      const state = await this.state(kind, id);
      if (typeof state === 'string') return false;
      try {
        await this.client.appendToStream(this.streamOf(kind, id), storedEvent(kind, id, value), { expectedRevision: state.revision });
        return true;
      } catch (error) {
        if (error instanceof StreamDeletedError) return false;
        if (!(error instanceof WrongExpectedVersionError)) throw error;
      }
    }
    throw new Error(`key record ${kind} ${id} changed under ${maxReplaceAttempts} attempts in a row to replace it; retry`);
  }

  async delete(kind: KeyRecordKind, id: string): Promise<void> {
    this.assertOpen();
    try {
      await this.client.tombstoneStream(this.streamOf(kind, id));
    } catch (error) {
      // Deleted already (by another instance, or a retry of this erasure): nothing left to do.
      if (!(error instanceof StreamDeletedError)) throw error;
    }
  }

  async list(kind: KeyRecordKind): Promise<Array<{ id: string; value: Uint8Array }>> {
    this.assertOpen();
    const latest = new Map<string, { id: string; value: Uint8Array } | null>();
    let after: bigint | undefined;
    for (;;) {
      const page = await readAllAfter(this.client, {
        prefixes: [`${this.prefix}${kind}-`],
        after,
        maxCount: maxReadAllPageSize,
        deadlineMs: this.readDeadlineMs,
      });
      for (const { resolved } of page) {
        const event = resolved.event!;
        if (event.type === tombstoneType) latest.set(event.streamId, null);
        else if (event.type === storedType) latest.set(event.streamId, decode(event as JSONRecordedEvent));
      }
      if (page.length < maxReadAllPageSize) break;
      after = page[page.length - 1]!.position;
    }
    return [...latest.values()].filter((record): record is { id: string; value: Uint8Array } => record !== null);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.client.dispose();
    await closeChannel(this.client);
  }

  private async state(kind: KeyRecordKind, id: string): Promise<State> {
    this.assertOpen();
    try {
      const last = await readLastEvent(this.client, this.streamOf(kind, id));
      if (last === 'no_stream') return 'no_stream';
      return { value: decode(last.event.event as JSONRecordedEvent).value, revision: last.revision };
    } catch (error) {
      if (error instanceof StreamDeletedError) return 'deleted';
      throw error;
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('the EventStoreDB key-record store is closed');
  }
}

function storedEvent(kind: KeyRecordKind, id: string, value: Uint8Array) {
  const data: StoredData = { kind, id, value: Buffer.from(value).toString('base64') };
  return jsonEvent({ type: storedType, data: { ...data } });
}

function decode(event: JSONRecordedEvent): { id: string; value: Uint8Array } {
  if (event.type !== storedType) throw new Error(`unexpected event ${event.type} in key-record stream ${event.streamId}`);
  const data = event.data as unknown as StoredData;
  return { id: data.id, value: new Uint8Array(Buffer.from(data.value, 'base64')) };
}

function erased(kind: KeyRecordKind, id: string): Error {
  return new Error(`key record ${kind} ${id} was erased (its stream is deleted) and cannot be created again`);
}
