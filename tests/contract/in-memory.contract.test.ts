// Relative imports: the root package does not depend on the workspace packages (yet), so their names
// do not resolve from tests/. Both paths are the packages' "source" entry points.
import { InMemoryEventStore } from '../../packages/ledger-core/src/index.js';
import { describeEventStoreContract } from '../../packages/store-contract/src/index.js';

describeEventStoreContract(
  'in-memory',
  async () => ({ store: new InMemoryEventStore(), cleanup: async () => {} }),
  // Not durable: nothing survives close, so the reopen tests are not registered for it.
  { durable: false },
);
