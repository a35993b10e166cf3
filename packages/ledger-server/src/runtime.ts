/**
 * What the service runs on: the event store chosen by configuration, the credential store (API keys and
 * the vault's member keys, in their own file), the projection store (this instance's read models, in a
 * file of their own), and the core `Ledger`. Shared by `serve` and the CLI.
 */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
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
import { type CredentialStore, InMemoryCredentialStore, SqliteCredentialStore } from './credentials.js';

export interface Runtime {
  readonly config: ServerConfig;
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

export async function openRuntime(config: ServerConfig, options: { clock?: Clock; store?: EventStore } = {}): Promise<Runtime> {
  const clock = options.clock ?? systemClock;
  let store: EventStore;
  let credentials: CredentialStore;
  let describe: string;
  let projections: ProjectionStore;
  let dataDir: string | null = null;
  if (config.LEDGER_STORE === 'memory') {
    projections = new InMemoryProjectionStore();
    store = options.store ?? new InMemoryEventStore();
    credentials = new InMemoryCredentialStore();
    describe = 'in-memory store (nothing survives a restart)';
  } else {
    dataDir = resolve(config.LEDGER_DATA_DIR);
    mkdirSync(dataDir, { recursive: true });
    credentials = SqliteCredentialStore.open(join(dataDir, credentialsFileName));
    projections = SqliteProjectionStore.open(join(dataDir, projectionsFileName));
    if (config.LEDGER_STORE === 'sqlite') {
      store = options.store ?? SqliteEventStore.open(join(dataDir, eventStoreFileName));
      describe = `SQLite store at ${join(dataDir, eventStoreFileName)}, read models in ${projectionsFileName} beside it`;
    } else {
      store = options.store ?? (await openEventStoreDb(config.LEDGER_ESDB_CONNECTION_STRING!));
      describe = `EventStoreDB (credentials and this instance's read models in ${dataDir})`;
    }
  }
  const ledger = new Ledger({ store, clock, vault: new WebCryptoVault(credentials.keyStore) });
  const models = new ReadModels(store, { projections });
  let opened: Promise<ReadModels> | null = null;
  let following = false;
  let closed = false;
  return {
    config,
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
      const dir = mkdtempSync(join(dataDir, 'scratch-projections-'));
      const scratch = SqliteProjectionStore.open(join(dir, projectionsFileName));
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
