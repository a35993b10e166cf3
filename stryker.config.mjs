// @ts-check
import { fileURLToPath } from 'node:url';

/**
 * Mutation testing (`pnpm mutate`): StrykerJS mutates packages/ledger-core/src and runs the core's tests and
 * the model tests against each mutant (vitest.mutate.config.ts). A surviving mutant is a change to the code
 * no test noticed. `inPlace` because the model tests import the core through its workspace package
 * (@volunteer-ledger/core), which a sandbox copy would not redirect: the sources are mutated where they are
 * and restored at the end — do not edit them, or stop the run with kill -9, while it runs.
 *
 * Incremental: results are kept in reports/stryker-incremental.json and reused for mutants whose code and
 * covering tests did not change, so a second run costs only what changed. Scope a run with
 * `pnpm mutate --mutate 'packages/ledger-core/src/member/**\/*.ts'`.
 *
 * @type {import('@stryker-mutator/api/core').PartialStrykerOptions}
 */
const config = {
  packageManager: 'pnpm',
  testRunner: 'vitest',
  // pnpm keeps each package's dependencies beside it, where Stryker's default '@stryker-mutator/*' scan
  // does not look: name the runner, resolved from this project.
  plugins: [fileURLToPath(import.meta.resolve('@stryker-mutator/vitest-runner'))],
  vitest: { configFile: 'vitest.mutate.config.ts' },
  mutate: ['packages/ledger-core/src/**/*.ts', '!packages/ledger-core/src/testing/**'],
  inPlace: true,
  coverageAnalysis: 'perTest',
  // Code that runs while modules load (zod schemas, constants, specs' set-up in describe bodies) is "static":
  // a mutant there needs every test re-run with the module reloaded, a minute and a half each on two shared
  // cores. Mutants only reached that way are left out (reported as Ignored); those also reached inside a
  // test are run against the tests that reach them. `--ignoreStatic false` runs them all, slowly.
  ignoreStatic: true,
  incremental: true,
  incrementalFile: 'reports/stryker-incremental.json',
  reporters: ['clear-text', 'progress', 'html', 'json'],
  htmlReporter: { fileName: 'reports/mutation/mutation.html' },
  jsonReporter: { fileName: 'reports/mutation/mutation.json' },
  concurrency: 2,
  // The first run (all tests, one worker, measuring which test covers which mutant) takes minutes on a busy machine.
  dryRunTimeoutMinutes: 30,
  // A mutant that makes code loop is a timeout, counted as detected (Stryker also counts hits to catch loops
  // early). The margin is wide because the machine is shared: a run slowed by someone else's tests must not
  // pass for a timeout, which would count a surviving mutant as killed.
  timeoutMS: 60_000,
  timeoutFactor: 3,
  tempDirName: '.stryker-tmp',
  cleanTempDir: 'always',
};
export default config;
