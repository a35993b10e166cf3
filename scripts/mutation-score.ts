/**
 * Mutation scores per folder from a Stryker JSON report (mutation-testing-report-schema). Score = detected /
 * (detected + undetected), as Stryker counts it: detected = killed or timed out, undetected = survived or not
 * covered by any test; mutants that do not compile or crash the run are left out. "Non-string" leaves out the
 * StringLiteral mutator's mutants (a message's wording).
 */
export interface ReportMutant {
  readonly mutatorName: string;
  readonly status: string;
  readonly replacement?: string;
  readonly location: { readonly start: { readonly line: number; readonly column: number } };
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
  /** Left out of the run: static mutants (only reached while modules load) under `ignoreStatic`. */
  ignored: number;
  /** Did not compile or crashed the run. */
  invalid: number;
}

export interface FolderScore {
  readonly folder: string;
  readonly all: Tally;
  readonly nonString: Tally;
}

const emptyTally = (): Tally => ({ killed: 0, timeout: 0, survived: 0, noCoverage: 0, ignored: 0, invalid: 0 });

function count(tally: Tally, status: string): void {
  if (status === 'Killed') tally.killed += 1;
  else if (status === 'Timeout') tally.timeout += 1;
  else if (status === 'Survived') tally.survived += 1;
  else if (status === 'NoCoverage') tally.noCoverage += 1;
  else if (status === 'Ignored') tally.ignored += 1;
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
  const lines = [
    'Non-string mutants per folder: score = (killed + timed out) / (those + survived + not covered); ignored = static, left out.',
    `${'folder'.padEnd(40)}${'score'.padStart(7)}${'detected'.padStart(12)}${'survived'.padStart(10)}${'no cover'.padStart(10)}${'timeout'.padStart(9)}${'ignored'.padStart(9)}   all mutants`,
  ];
  for (const { folder, all, nonString: t } of scores) {
    const detected = t.killed + t.timeout;
    const counted = detected + t.survived + t.noCoverage;
    lines.push(
      `${folder.padEnd(40)}${percent(scoreOf(t)).padStart(7)}${`${detected}/${counted}`.padStart(12)}${String(t.survived).padStart(10)}${String(t.noCoverage).padStart(10)}${String(t.timeout).padStart(9)}${String(t.ignored).padStart(9)}   ${percent(scoreOf(all))}`,
    );
  }
  return lines.join('\n');
}

/** Mutants no test detected (survived or not covered), non-string ones, in files whose path contains `filter`. */
export function undetected(report: Report, filter = ''): string[] {
  const lines: string[] = [];
  for (const [path, file] of Object.entries(report.files)) {
    if (!path.includes(filter)) continue;
    for (const mutant of file.mutants) {
      if ((mutant.status !== 'Survived' && mutant.status !== 'NoCoverage') || mutant.mutatorName === 'StringLiteral') continue;
      const { line, column } = mutant.location.start;
      lines.push(`${path}:${line}:${column}  ${mutant.status.padEnd(10)} ${mutant.mutatorName.padEnd(22)} ${JSON.stringify(mutant.replacement ?? '').slice(0, 100)}`);
    }
  }
  return lines;
}
