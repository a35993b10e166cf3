/**
 * A progress line for the CLI's long jobs (verify, rebuild, export, import): a bar, the percentage,
 * the count and the rate, redrawn in place on stderr. Drawn only on a terminal: when stderr is a file
 * or a pipe (CI, `2> log`), it stays quiet and only the jobs' result lines are written.
 * Thirty lines of our own rather than a dependency: one line, no colours, no multi-bar.
 */

/** Redraw at most this often, so a fast job does not spend its time writing to the terminal. */
export const progressRedrawIntervalMs = 100;
/** Width of the bar in characters. */
export const progressBarWidth = 24;

export interface Progress {
  /** `count` more units are done. */
  advance(count: number): void;
  /** Clears the line: the job's result line follows. */
  done(): void;
}

export interface ProgressOptions {
  readonly label: string;
  /** What is counted, plural: "events", "bytes". */
  readonly unit: string;
  /** How many units in all; null when unknown (then the count and rate alone are shown). */
  readonly total: number | null;
  readonly stream?: Pick<NodeJS.WriteStream, 'write' | 'isTTY'>;
  readonly now?: () => number;
}

const quiet: Progress = { advance: () => undefined, done: () => undefined };

const grouped = (n: number) => Math.round(n).toLocaleString('en-US');

/** The text of one progress line (exported for tests). */
export function progressText(label: string, unit: string, doneCount: number, total: number | null, elapsedMs: number): string {
  const rate = elapsedMs > 0 ? `${grouped((doneCount * 1000) / elapsedMs)} ${unit}/s` : `— ${unit}/s`;
  if (total === null || total <= 0) return `${label} ${grouped(doneCount)} ${unit} · ${rate}`;
  const fraction = Math.min(doneCount / total, 1);
  const filled = Math.round(fraction * progressBarWidth);
  const bar = `[${'#'.repeat(filled)}${'-'.repeat(progressBarWidth - filled)}]`;
  return `${label} ${bar} ${Math.floor(fraction * 100)}% ${grouped(doneCount)}/${grouped(total)} ${unit} · ${rate}`;
}

export function progress(options: ProgressOptions): Progress {
  const stream = options.stream ?? process.stderr;
  if (!stream.isTTY) return quiet;
  const now = options.now ?? (() => performance.now());
  const started = now();
  let doneCount = 0;
  let drawnAt = -Infinity;
  const draw = () => {
    drawnAt = now();
    stream.write(`\r\x1b[2K${progressText(options.label, options.unit, doneCount, options.total, drawnAt - started)}`);
  };
  return {
    advance(count) {
      doneCount += count;
      // The first update is drawn at once, so even a short job shows what it did.
      if (now() - drawnAt >= progressRedrawIntervalMs) draw();
    },
    done() {
      draw();
      stream.write('\n');
    },
  };
}
