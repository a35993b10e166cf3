/**
 * Mutation scores per folder from a Stryker JSON report (mutation-testing-report-schema). Score = detected /
 * (detected + undetected), as Stryker counts it: detected = killed or timed out, undetected = survived or not
 * covered by any test; mutants that do not compile or crash the run are left out. "Non-string" leaves out the
 * StringLiteral mutator's mutants (a message's wording).
 */
export interface ReportMutant {
  readonly mutatorName: string;
  readonly status: string;
}
export interface Report {
  readonly files: Record<string, { readonly mutants: readonly ReportMutant[] }>;
}

/** The folders the issue's goal names, and where each source file belongs. */
const coreSrc = 'packages/ledger-core/src/';
const workflowFiles = new Set(['workflow.ts', 'steps.ts', 'pipeline/workflow-runner.ts']);

export function folderOf(path: string): string {
  const normalised = path.replaceAll('\\', '/');
  const index = normalised.indexOf(coreSrc);
  if (index === -1) return normalised;
  const inCore = normalised.slice(index + coreSrc.length);
  if (workflowFiles.has(inCore)) return `workflow (${inCore})`;
  const slash = inCore.indexOf('/');
  return slash === -1 ? inCore : `${inCore.slice(0, slash)}/`;
}

export interface Tally {
  killed: number;
  timeout: number;
  survived: number;
  noCoverage: number;
  invalid: number;
}

export interface FolderScore {
  readonly folder: string;
  readonly all: Tally;
  readonly nonString: Tally;
}

const emptyTally = (): Tally => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, invalid: 0 });

function count(tally: Tally, status: string): void {
  if (status === 'Killed') tally.killed += 1;
  else if (status === 'Timeout') tally.timeout += 1;
  else if (status === 'Survived') tally.survived += 1;
  else if (status === 'NoCoverage') tally.noCoverage += 1;
  else tally.invalid += 1;
}

/** Detected / (detected + undetected), in percent; null when no mutant counts. */
export function scoreOf(tally: Tally): number | null {
  const detected = tally.killed + tally.timeout;
  const counted = detected + tally.survived + tally.noCoverage;
  return counted === 0 ? null : (100 * detected) / counted;
}

export function summarise(report: Report): FolderScore[] {
  const folders = new Map<string, FolderScore>();
  for (const [path, file] of Object.entries(report.files)) {
    const folder = folderOf(path);
    let score = folders.get(folder);
    if (!score) folders.set(folder, (score = { folder, all: emptyTally(), nonString: emptyTally() }));
    for (const mutant of file.mutants) {
      count(score.all, mutant.status);
      if (mutant.mutatorName !== 'StringLiteral') count(score.nonString, mutant.status);
    }
  }
  return [...folders.values()].sort((a, b) => a.folder.localeCompare(b.folder));
}

const percent = (value: number | null): string => (value === null ? '   n/a' : `${value.toFixed(1).padStart(5)}%`);

export function formatSummary(scores: readonly FolderScore[]): string {
  const lines = ['folder                                  non-string score (killed+timeout / counted)   all mutants'];
  for (const { folder, all, nonString } of scores) {
    const detected = nonString.killed + nonString.timeout;
    const counted = detected + nonString.survived + nonString.noCoverage;
    lines.push(
      `${folder.padEnd(40)}${percent(scoreOf(nonString))}  ${`${detected}/${counted}`.padStart(9)}  survived ${String(nonString.survived).padStart(3)}, no coverage ${String(nonString.noCoverage).padStart(3)}   ${percent(scoreOf(all))}`,
    );
  }
  return lines.join('\n');
}
