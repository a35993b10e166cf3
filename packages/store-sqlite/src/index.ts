export {
  SqliteEventStore,
  type SqliteEventStoreOptions,
  defaultBusyTimeoutMs,
  defaultPollIntervalMs,
  maxAppendsPerCommit,
  maxEventsPerCommit,
} from './sqlite-store.js';
export { SqliteCheckpointStore, SqliteIdempotencyStore } from './records.js';
export { SqliteSnapshotStore } from './snapshots.js';
export { migrate, migrations, schemaVersion } from './schema.js';
