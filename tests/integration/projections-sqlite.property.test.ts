/**
 * Rule 9 on disk: a projection folded live — in batches of any size, caught up at random moments, its file
 * closed and reopened at random moments — equals one rebuilt from scratch, in SQLite and in memory, for
 * random scenarios (hours recorded, approved, rejected, reversed and clawed back into deficit, grants,
 * holds spent and released, levels, the clock moving on) under random policies and time zones; and what it
 * says agrees with itself along independent paths (`crossCheck`), which a fold wrong twice alike would not.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type EventStore, InMemoryEventStore, ReadModels } from '../../packages/ledger-core/src/index.js';
import { runScenario, scenarioArb } from '../../packages/ledger-core/src/testing/index.js';
import { SqliteProjectionStore } from '../../packages/store-sqlite/src/index.js';
import { crossCheck, everythingReadable } from '../support/read-models.js';

type Step = 'nothing' | 'catch-up' | 'reopen';
const stepArb = fc.constantFrom<Step>('nothing', 'nothing', 'catch-up', 'reopen');

// The live projection folds stored events unchecked, as the service does with its own SQLite file; the
// rebuilt ones check every event, so their equality also says that skipping the check changes nothing.
const open = (store: EventStore, file: string, pageSize: number) =>
  new ReadModels(store, { projections: SqliteProjectionStore.open(file), pageSize, validateStoredEvents: false }).open();

describe('rule 9 on disk: the live projection equals a rebuilt one', () => {
  it('after random batches, catch-ups and reopens, SQLite live = SQLite rebuilt = in-memory rebuilt', async () => {
    let comparedLines = 0;
    await fc.assert(
      fc.asyncProperty(scenarioArb({ maxLength: 40 }), fc.integer({ min: 1, max: 25 }), fc.array(stepArb, { minLength: 1, maxLength: 40 }), async (scenario, pageSize, steps) => {
        const dir = mkdtempSync(join(tmpdir(), 'ledger-projection-property-'));
        const file = join(dir, 'live.sqlite');
        const store = new InMemoryEventStore();
        let live = await open(store, file, pageSize);
        try {
          const { t } = await runScenario(
            scenario,
            async ({ index }) => {
              const step = steps[index % steps.length]!;
              if (step === 'catch-up') await live.catchUp();
              if (step === 'reopen') {
                await live.projections.close();
                live = await open(store, file, pageSize);
              }
            },
            { store },
          );
          await live.catchUp();
          const onDisk = new ReadModels(store, { projections: SqliteProjectionStore.open(join(dir, 'rebuilt.sqlite')) });
          await onDisk.rebuild();
          const inMemory = new ReadModels(store);
          await inMemory.rebuild();
          const asOf = t.clock.now();
          const expected = await everythingReadable(inMemory, asOf);
          expect(await everythingReadable(live, asOf)).toEqual(expected);
          expect(await everythingReadable(onDisk, asOf)).toEqual(expected);
          expect(live.checkpoint).toBe(inMemory.checkpoint);
          expect(live.eventsFolded).toBe(inMemory.eventsFolded);
          for (const c of expected) {
            expect(c.trialBalance!.balanced).toBe(true);
            expect(crossCheck(c)).toEqual([]);
            for (const m of c.members) comparedLines += m.statement.length;
          }
          await onDisk.projections.close();
        } finally {
          await live.projections.close();
          rmSync(dir, { recursive: true, force: true });
        }
      }),
      { numRuns: 40 },
    );
    // The runs compared real statements, not empty books.
    expect(comparedLines).toBeGreaterThan(100);
  });
});
