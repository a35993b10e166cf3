/**
 * Prometheus text exposition (format 0.0.4) without a client library: request counts and a latency
 * histogram by method, route pattern (never the raw path, so cardinality stays bounded) and status;
 * command outcomes by type and result; job runs.
 */
export const latencyBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

interface Histogram {
  counts: number[];
  sum: number;
  count: number;
}

const escapeLabel = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const labels = (pairs: Record<string, string>) =>
  `{${Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',')}}`;

/** The series of one method and route pattern: its histogram and its counter per status, found by one map lookup. */
interface RouteSeries {
  readonly histogram: Histogram;
  readonly byStatus: Map<number, { count: number }>;
}

export class Metrics {
  /** Counters by their label text, in the order they first appeared (the order `render` prints them). */
  private readonly requests = new Map<string, { count: number }>();
  private readonly durations = new Map<string, Histogram>();
  /** The same series by method and route, so a request costs no label text (it was a tenth of a small read). */
  private readonly routes = new Map<string, RouteSeries>();
  private readonly commands = new Map<string, number>();
  /** The label text of each command type and outcome, made once: escaping it on every command showed in a POST's profile. Both sets are small (command types, error codes). */
  private readonly commandKeys = new Map<string, Map<string, string>>();
  private readonly jobs = new Map<string, number>();
  private inFlight = 0;
  private readonly startedAt = Date.now();

  requestStarted(): void {
    this.inFlight += 1;
  }

  requestFinished(method: string, route: string, status: number, seconds: number): void {
    this.inFlight -= 1;
    const routeKey = `${method} ${route}`;
    let series = this.routes.get(routeKey);
    if (!series) {
      const hKey = labels({ method, route });
      const histogram = this.durations.get(hKey) ?? { counts: latencyBucketsSeconds.map(() => 0), sum: 0, count: 0 };
      this.durations.set(hKey, histogram);
      series = { histogram, byStatus: new Map() };
      this.routes.set(routeKey, series);
    }
    let counter = series.byStatus.get(status);
    if (!counter) {
      const key = labels({ method, route, status: String(status) });
      counter = this.requests.get(key) ?? { count: 0 };
      this.requests.set(key, counter);
      series.byStatus.set(status, counter);
    }
    counter.count += 1;
    const h = series.histogram;
    for (let i = 0; i < latencyBucketsSeconds.length; i += 1) if (seconds <= latencyBucketsSeconds[i]!) h.counts[i]! += 1;
    h.sum += seconds;
    h.count += 1;
  }

  command(type: string, outcome: string): void {
    let byOutcome = this.commandKeys.get(type);
    if (!byOutcome) this.commandKeys.set(type, (byOutcome = new Map()));
    let key = byOutcome.get(outcome);
    if (key === undefined) byOutcome.set(outcome, (key = labels({ type, outcome })));
    this.commands.set(key, (this.commands.get(key) ?? 0) + 1);
  }

  job(name: string, outcome: 'ok' | 'failed'): void {
    const key = labels({ job: name, outcome });
    this.jobs.set(key, (this.jobs.get(key) ?? 0) + 1);
  }

  render(): string {
    const out: string[] = [];
    out.push('# HELP ledger_http_requests_total HTTP requests by method, route pattern and status.', '# TYPE ledger_http_requests_total counter');
    for (const [k, v] of this.requests) out.push(`ledger_http_requests_total${k} ${v.count}`);
    out.push('# HELP ledger_http_request_duration_seconds HTTP request latency.', '# TYPE ledger_http_request_duration_seconds histogram');
    for (const [k, h] of this.durations) {
      const inner = k.slice(1, -1);
      latencyBucketsSeconds.forEach((le, i) => out.push(`ledger_http_request_duration_seconds_bucket{${inner},le="${le}"} ${h.counts[i]}`));
      out.push(`ledger_http_request_duration_seconds_bucket{${inner},le="+Inf"} ${h.count}`);
      out.push(`ledger_http_request_duration_seconds_sum${k} ${h.sum}`, `ledger_http_request_duration_seconds_count${k} ${h.count}`);
    }
    out.push('# HELP ledger_http_requests_in_flight Requests being handled now.', '# TYPE ledger_http_requests_in_flight gauge', `ledger_http_requests_in_flight ${this.inFlight}`);
    out.push('# HELP ledger_commands_total Ledger commands by type and outcome (ok or the domain error code).', '# TYPE ledger_commands_total counter');
    for (const [k, v] of this.commands) out.push(`ledger_commands_total${k} ${v}`);
    out.push('# HELP ledger_job_runs_total Scheduled job runs by job and outcome.', '# TYPE ledger_job_runs_total counter');
    for (const [k, v] of this.jobs) out.push(`ledger_job_runs_total${k} ${v}`);
    out.push('# HELP ledger_uptime_seconds Seconds since the service started.', '# TYPE ledger_uptime_seconds gauge', `ledger_uptime_seconds ${(Date.now() - this.startedAt) / 1000}`);
    return `${out.join('\n')}\n`;
  }
}
