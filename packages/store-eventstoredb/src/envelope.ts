/**
 * How a ledger event is laid out in EventStoreDB, and back.
 *
 * - event id: the ULID's 128 bits as the event's UUID (`ids.ts`);
 * - event type: the ledger's type, as is;
 * - data: the ledger's `data` as JSON (content type `application/json`), so the server's projections
 *   and UI can read it; decimal amounts are strings and stay strings;
 * - custom metadata: `{ schemaVersion, metadata, $correlationId, $causationId }` as JSON. `metadata` is
 *   the port's metadata object, unchanged; `$correlationId` / `$causationId` repeat two of its fields
 *   under the names the server's `$by_correlation_id` projection reads.
 */
import { jsonEvent, type EventData, type JSONRecordedEvent, type ResolvedEvent } from '@eventstore/db-client';
import type { EventMetadata, JsonObject, NewEvent, RecordedEvent } from '@volunteer-ledger/core';
import { ulidToUuid, uuidToUlid } from './ids.js';
import { isKnownPosition, packPosition } from './positions.js';

interface StoredMetadata {
  readonly schemaVersion: number;
  readonly metadata: EventMetadata;
  readonly $correlationId: string;
  readonly $causationId: string | null;
}

export function toEventData(event: NewEvent): EventData {
  const metadata: StoredMetadata = {
    schemaVersion: event.schemaVersion,
    metadata: event.metadata,
    $correlationId: event.metadata.correlationId,
    $causationId: event.metadata.causationId,
  };
  return jsonEvent({ id: ulidToUuid(event.eventId), type: event.type, data: event.data, metadata });
}

/**
 * The ledger's view of an event read from the server. `streamName` is the ledger's name (without the
 * store's namespace). Throws when the event was not written by this store or has no known position.
 */
export function toRecordedEvent(resolved: ResolvedEvent, streamName: string): RecordedEvent {
  const event = resolved.event as JSONRecordedEvent | undefined;
  if (!event) throw new Error(`a read of ${streamName} returned an entry without an event (an unresolved link?)`);
  const stored = event.metadata as Partial<StoredMetadata> | undefined;
  if (!event.isJson || typeof stored !== 'object' || stored === null || typeof stored.schemaVersion !== 'number' || !stored.metadata) {
    throw new Error(
      `event ${event.id} (${event.type}) in ${event.streamId} was not written by the ledger's EventStoreDB store: ` +
        'it lacks the JSON metadata envelope {schemaVersion, metadata}; keep other writers out of the ledger\'s streams',
    );
  }
  if (!isKnownPosition(event.position)) {
    throw new Error(
      `the server did not report the position of event ${event.id} in ${event.streamId}; ` +
        'the ledger needs a server that reports positions on stream reads (events appended through gRPC carry them)',
    );
  }
  return {
    eventId: uuidToUlid(event.id),
    type: event.type,
    schemaVersion: stored.schemaVersion,
    data: event.data as JsonObject,
    metadata: stored.metadata,
    streamName,
    revision: Number(event.revision),
    position: packPosition(event.position),
  };
}
