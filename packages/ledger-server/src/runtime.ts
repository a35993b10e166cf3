/**
 * What the service runs on: the event store chosen by configuration, the credential store (API keys and
 * the vault's member keys, in their own file), this instance's projections, and the core `Ledger`. Shared by
 * `serve` and the CLI.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  type Clock,
  type EventStore,
  InMemoryEventStore,
  InMemoryProjectionStore,
  Ledger,
  type ProjectionStore,
  ReadModels,
  systemClock,
  WebCryptoVault,
} from '@volunteer-ledger/core';
import { SqliteEventStore, SqliteProjectionStore } from '@volunteer-ledger/store-sqlite';
import type { ServerConfig } from './config.js';
import { type CredentialStore, InMemoryCredentialStore, KeyRecordCredentialStore, SqliteCredentialStore } from './credentials.js';
import { privateDirectory, restrictSqliteFile } from './file-modes.js';
import { observingReads } from './maintenance.js';
import { certificateSecret, dataDirectory, jwtSecret, type KeptSecret, masterKey, type MasterKeySource } from './secrets.js';

export interface Runtime {
  /** The configuration, with LEDGER_JWT_SECRET filled in from the data directory when it was unset (secrets.ts). */
  readonly config: ServerConfig;
  /** The secrets in use and where they are kept, for the start-up message. */
  readonly secrets: { readonly jwt: KeptSecret | null; readonly certificate: KeptSecret; readonly master: MasterKeySource };
  readonly store: EventStore;
  readonly credentials: CredentialStore;
  readonly ledger: Ledger;
  /** Read models fed from the store's global order; not caught up until `openReadModels()`. */
  readonly models: ReadModels;
  readonly clock: Clock;
  /** Human description of where the data lives, for start-up messages. */
  readonly describe: string;
  /** Catches up from the projection's checkpoint and (with `follow`) keeps folding live events. */
  openReadModels(options?: { follow?: boolean }): Promise<ReadModels>;
  /**
   * An empty projection store of the same kind, for a fold that must not touch this instance's own
   * (`ledger verify`); `dispose` closes and deletes it.
   */
  scratchProjections(): { projections: ProjectionStore; dispose(): Promise<void> };
  close(): Promise<void>;
}

export const eventStoreFileName = 'ledger.sqlite';
export const credentialsFileName = 'credentials.sqlite';
/** This instance's read models (DESIGN §7): every instance keeps its own, folded from the shared store. */
export const projectionsFileName = 'projections.sqlite';

async function openEventStoreDb(connectionString: string): Promise<EventStore> {
  // Loaded only when chosen, so the gRPC client costs nothing on SQLite.
  const { EventStoreDbEventStore } = await import('@volunteer-ledger/store-eventstoredb');
  return new EventStoreDbEventStore({ connectionString });
}

/** API keys and member keys in the cluster itself, so every instance over it sees the same ones. */
async function openEventStoreDbCredentials(connectionString: string, master: MasterKeySource): Promise<CredentialStore> {
  const { EventStoreDbKeyRecords } = await import('@volunteer-ledger/store-eventstoredb');
  return KeyRecordCredentialStore.open(new EventStoreDbKeyRecords({ connectionString }), master.key);
}

export interface RuntimeOptions {
  readonly clock?: Clock;
  readonly store?: EventStore;
  /** Told how many events each read of the global order by the read models returned (progress of a rebuild). */
  readonly onReadModelEvents?: (count: number) => void;
}

export async function openRuntime(config: ServerConfig, options: RuntimeOptions = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  // Before anything is opened: on EventStoreDB a missing master key stops start-up here.
  const master = masterKey(config);
  let store: EventStore;
  let credentials: CredentialStore;
  let describe: string;
  let projections: ProjectionStore;
  let dataDir: string | null = null;
  if (config.LEDGER_STORE === 'memory') {
    projections = new InMemoryProjectionStore();
    store = options.store ?? new InMemoryEventStore();
    credentials = new InMemoryCredentialStore(master.key);
    describe = 'in-memory store (nothing survives a restart)';
  } else {
    dataDir = privateDirectory(dataDirectory(config));
    if (config.LEDGER_STORE === 'sqlite') {
      credentials = await SqliteCredentialStore.open(join(dataDir, credentialsFileName), master.key);
      projections = SqliteProjectionStore.open(restrictSqliteFile(join(dataDir, projectionsFileName)));
      store = options.store ?? SqliteEventStore.open(restrictSqliteFile(join(dataDir, eventStoreFileName)));
      describe = `SQLite store at ${join(dataDir, eventStoreFileName)}, read models in ${projectionsFileName} beside it`;
    } else {
      credentials = await openEventStoreDbCredentials(config.LEDGER_ESDB_CONNECTION_STRING!, master);
      projections = SqliteProjectionStore.open(restrictSqliteFile(join(dataDir, projectionsFileName)));
      store = options.store ?? (await openEventStoreDb(config.LEDGER_ESDB_CONNECTION_STRING!));
      describe = `EventStoreDB (API keys and wrapped member keys in the cluster; this instance's read models in ${dataDir})`;
    }
  }
  const secrets = { jwt: jwtSecret(config), certificate: certificateSecret(config), master };
  const ledger = new Ledger({
    store,
    clock,
    vault: new WebCryptoVault(credentials.keyStore),
    idempotencyRetentionMs: config.LEDGER_IDEMPOTENCY_RETENTION_HOURS * 3_600_000,
    onEffectFault: (fault, what) => console.error(`[ledger] ${what} failed; the recovery job will finish it:`, fault),
    // A shared cluster may hold events other software wrote: check every one read. The SQLite file is this service's own.
    validateStoredEvents: config.LEDGER_STORE === 'eventstoredb',
  });
  const models = new ReadModels(options.onReadModelEvents ? observingReads(store, options.onReadModelEvents) : store, {
    projections,
    // The same rule as the ledger's: only events in the service's own SQLite file are folded unchecked.
    validateStoredEvents: config.LEDGER_STORE === 'eventstoredb',
  });
  let opened: Promise<ReadModels> | null = null;
  let following = false;
  let closed = false;
  return {
    config: secrets.jwt ? { ...config, LEDGER_JWT_SECRET: secrets.jwt.value } : config,
    secrets,
    store,
    credentials,
    ledger,
    models,
    clock,
    describe,
    openReadModels(options = {}) {
      opened ??= models.open();
      return opened.then((m) => {
        if (options.follow && !following) {
          following = true;
          m.follow((fault) => console.error('[ledger] read models stopped following the store:', fault));
        }
        return m;
      });
    },
    scratchProjections() {
      if (dataDir === null) {
        const scratch = new InMemoryProjectionStore();
        return { projections: scratch, dispose: () => scratch.close() };
      }
      // mkdtemp makes the directory 0700.
      const dir = mkdtempSync(join(dataDir, 'scratch-projections-'));
      const scratch = SqliteProjectionStore.open(restrictSqliteFile(join(dir, projectionsFileName)));
      return {
        projections: scratch,
        async dispose() {
          await scratch.close();
          rmSync(dir, { recursive: true, force: true });
        },
      };
    },
    async close() {
      if (closed) return;
      closed = true;
      await models.stop();
      await projections.close();
      await store.close();
      await credentials.close();
    },
  };
}
