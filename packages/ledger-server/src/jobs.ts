/**
 * Scheduled work inside the service: expiry of points and holds, and recovery of unfinished
 * redemptions and transfers. Runs one job at a time, never overlapping itself; `stop()` waits for the
 * job in progress. The same jobs run from the CLI (`ledger jobs run`).
 */
import { expireDue, type JobReport, type Ledger, type ReadModels, recoverUnfinished } from '@volunteer-ledger/core';
import type { Metrics } from './metrics.js';

export interface Job {
  readonly name: string;
  /** Returns a one-line summary for the log. */
  run(): Promise<string>;
}

/** The core's jobs: expiry of points, lapsed holds and lapsed service requests; recovery of unfinished redemptions, transfers, activity closings, service requests and micro-wishes. */
export function ledgerJobs(ledger: Ledger, models: ReadModels, afterRun: () => void = () => undefined): Job[] {
  const summary = (name: string, report: JobReport) => {
    afterRun();
    const failures = report.failures.map((f) => `${f.target}: ${f.message}`).join('; ');
    return `${name}: visited ${report.visited}, changed ${report.changed}${failures ? `, failed: ${failures}` : ''}`;
  };
  return [
    { name: 'expiry', run: async () => summary('expiry', await expireDue(ledger, models)) },
    { name: 'recovery', run: async () => summary('recovery', await recoverUnfinished(ledger, models)) },
  ];
}

export class Scheduler {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | null = null;
  private stopped = false;

  constructor(
    private readonly jobs: readonly Job[],
    private readonly intervalMs: number,
    private readonly metrics: Metrics | null,
    private readonly log: (line: string) => void,
  ) {}

  start(): void {
    if (this.intervalMs <= 0 || this.jobs.length === 0) return;
    this.timer = setInterval(() => void this.runOnce(), this.intervalMs);
    this.timer.unref();
  }

  /** Runs every job once, in order; a failing job is logged and counted, and the others still run. */
  runOnce(): Promise<void> {
    if (this.stopped) return Promise.resolve();
    this.running ??= (async () => {
      for (const job of this.jobs) {
        try {
          this.log(await job.run());
          this.metrics?.job(job.name, 'ok');
        } catch (fault) {
          this.metrics?.job(job.name, 'failed');
          this.log(`${job.name} failed: ${fault instanceof Error ? fault.message : String(fault)}`);
        }
      }
    })().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}
