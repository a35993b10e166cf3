/**
 * The tests `pnpm mutate` runs against each mutant: the core's tests and the model tests (tests/model), the
 * suites that exercise packages/ledger-core/src directly. Stryker runs one test file at a time and stops at
 * the first failure, so the files go cheapest first: unit specs kill most mutants in milliseconds, and the
 * property and model tests run only for what the specs let through — and stop at their first counterexample
 * (scripts/mutate-vitest-setup.ts).
 */
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/** Cheapest kind of test first (by the kind its file name says), then by path for a stable order. */
const kindOrder = ['.unit.test.ts', '.property.test.ts', '.model.test.ts'];
const kindRank = (moduleId: string): number => {
  const rank = kindOrder.findIndex((suffix) => moduleId.endsWith(suffix));
  return rank === -1 ? kindOrder.length : rank;
};

class CheapestFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return [...files].sort((a, b) => kindRank(a.moduleId) - kindRank(b.moduleId) || a.moduleId.localeCompare(b.moduleId));
  }
}

// Spread, not mergeConfig: mergeConfig would append to the base's `include` instead of replacing it.
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['packages/ledger-core/test/**/*.test.ts', 'tests/model/**/*.test.ts'],
    // It fingerprints member/state.ts and lots.ts (memberStateVersion's guard), which Stryker instruments in place.
    exclude: [...(base.test?.exclude ?? []), 'packages/ledger-core/test/stream-snapshots.property.test.ts'],
    sequence: { sequencer: CheapestFirst },
    setupFiles: ['scripts/mutate-vitest-setup.ts'],
    // One module graph for all files: Stryker switches mutants at run time, so nothing needs reloading, and
    // importing the core afresh for every test file cost ten times the test itself on a busy machine.
    isolate: false,
  },
});
