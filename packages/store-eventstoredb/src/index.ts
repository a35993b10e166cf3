export { EventStoreDbEventStore, type EventStoreDbStoreOptions } from './event-store.js';
export { EventStoreDbIdempotencyStore } from './idempotency.js';
export { EventStoreDbCheckpointStore } from './checkpoints.js';
export { ulidToUuid, uuidToUlid } from './ids.js';
export { packPosition, unpackPosition, type AllPosition } from './positions.js';
export { EventStoreDbKeyRecords, type EventStoreDbKeyRecordsOptions } from './key-records.js';
