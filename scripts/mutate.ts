/**
 * `pnpm mutate [stryker options]`: runs StrykerJS (stryker.config.mjs) and then prints the mutation score of
 * each folder of packages/ledger-core/src, with and without string mutants. String mutants (a message's
 * wording changed) are counted apart: the goal of issue 13 is ≥ 85 % of the others killed in the member and
 * workflow folders. Extra arguments go to `stryker run`, e.g. `pnpm mutate --mutate 'packages/ledger-core/src/member/**\/*.ts'`.
 * `pnpm mutate --summary` prints the summary of the last report without running Stryker; `--undetected [text]`
 * also lists the non-string mutants no test detected, in files whose path contains the text.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { formatSummary, summarise, undetected } from './mutation-score.js';

const reportFile = 'reports/mutation/mutation.json';
const args = process.argv.slice(2);

const listAt = args.indexOf('--undetected');
const listFilter = listAt === -1 ? null : (args[listAt + 1] ?? '');

let status = 0;
if (!args.includes('--summary') && listAt === -1) {
  const startedMs = Date.now();
  const run = spawnSync('stryker', ['run', ...args], { stdio: 'inherit', shell: process.platform === 'win32' });
  status = run.status ?? 1;
  console.log(`stryker took ${((Date.now() - startedMs) / 60_000).toFixed(1)} min`);
  if (status !== 0) process.exit(status);
}

const report = JSON.parse(readFileSync(reportFile, 'utf8'));
console.log(formatSummary(summarise(report)));
if (listFilter !== null) console.log(undetected(report, listFilter).join('\n'));
