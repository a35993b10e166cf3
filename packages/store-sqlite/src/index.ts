export {
  SqliteEventStore,
  type SqliteEventStoreOptions,
  defaultBusyTimeoutMs,
  defaultPollIntervalMs,
  deferredCommitDelayMs,
  maxAppendsPerCommit,
  maxEventsPerCommit,
} from './sqlite-store.js';
export { SqliteCheckpointStore, SqliteIdempotencyStore, SqliteStreamSnapshotStore } from './records.js';
export { SqliteProjectionStore, type SqliteProjectionStoreOptions, projectionBusyTimeoutMs, projectionCacheSizeKib } from './projection-store.js';
export { prepareProjectionSchema, projectionSchemaVersion, projectionTables, recreateProjectionSchema } from './projection-schema.js';
export { migrate, migrations, schemaVersion } from './schema.js';
