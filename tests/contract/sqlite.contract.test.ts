import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// Relative imports: the root package does not depend on the workspace packages, so their names do not
// resolve from tests/. Both paths are the packages' "source" entry points.
import { describeEventStoreContract } from '../../packages/store-contract/src/index.js';
import { SqliteEventStore } from '../../packages/store-sqlite/src/index.js';

describeEventStoreContract(
  'sqlite',
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'ledger-sqlite-contract-'));
    const filename = join(dir, 'events.sqlite');
    const opened: SqliteEventStore[] = [];
    const open = async () => {
      const store = SqliteEventStore.open(filename);
      opened.push(store);
      return store;
    };
    return {
      store: await open(),
      reopen: open,
      cleanup: async () => {
        for (const store of opened) await store.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  },
  { durable: true },
);
