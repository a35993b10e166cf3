import { randomBytes } from 'node:crypto';
import type { EventMetadata, JsonObject, NewEvent } from '@volunteer-ledger/core';

const crockford = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/**
 * A real ULID (48-bit time, 80-bit randomness, Crockford base32), because the port promises ULIDs and
 * a store may rely on that (EventStoreDB, for one, wants a 128-bit id). Not monotonic within a
 * millisecond: the suite needs uniqueness, not sortability.
 */
export function contractEventId(nowMs: number = Date.now()): string {
  let time = '';
  let t = nowMs;
  for (let i = 0; i < 10; i += 1) {
    time = crockford[t % 32]! + time;
    t = Math.floor(t / 32);
  }
  const random = randomBytes(16);
  let tail = '';
  for (let i = 0; i < 16; i += 1) tail += crockford[random[i]! % 32]!;
  return time + tail;
}

export const contractMetadata: EventMetadata = Object.freeze({
  actor: 'contract-suite',
  correlationId: 'corr-contract',
  causationId: null,
  idempotencyKey: null,
  requestHash: null,
  recordedAt: '2024-05-01T08:00:00.000Z',
});

/** A new event with a fresh id; `data` and `metadata` as given (default: a small payload). */
export function contractEvent(data: JsonObject = { n: 0 }, overrides: Partial<NewEvent> = {}): NewEvent {
  return {
    eventId: contractEventId(),
    type: 'ContractEventRecorded',
    schemaVersion: 1,
    data,
    metadata: contractMetadata,
    ...overrides,
  };
}

/** `count` events numbered from `from` in their data, so order is checkable after a read. */
export function contractEvents(count: number, from = 0): NewEvent[] {
  return Array.from({ length: count }, (_, i) => contractEvent({ n: from + i }));
}

/** Strips what a store adds, to compare a recorded event with the event that was appended. */
export function asNewEvent(event: NewEvent): NewEvent {
  return {
    eventId: event.eventId,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data: event.data,
    metadata: event.metadata,
  };
}
