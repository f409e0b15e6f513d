// Prometheus text exposition (format 0.0.4), rendered by a pure function from a
// snapshot so every line can be tested without a running service.
import { DURATION_BUCKETS, type Outcome } from './check';
import type { ConnectionFigures } from './connection-guard';
import type { ProcessFigures } from './process-stats';

export interface CheckSnapshot {
  readonly url: string;
  readonly up: boolean;
  readonly hasResult: boolean;
  /** -1 when the run ended without an exit status (signal, timeout, spawn error). */
  readonly lastExitCode: number;
  /** Epoch seconds of the end of the last run. */
  readonly lastRunTimestampSeconds: number;
  readonly lastRunDurationSeconds: number;
  readonly consecutiveFailures: number;
  readonly runs: Readonly<Record<Outcome, number>>;
  /** Cumulative counts, one per DURATION_BUCKETS entry then +Inf. */
  readonly histogram: { readonly buckets: readonly number[]; readonly sum: number; readonly count: number };
}

export interface MetricsSnapshot {
  readonly version: string;
  /** The embedded Node.js runtime (`v24.22.3`): it differs per arch. */
  readonly nodeVersion: string;
  readonly checks: readonly CheckSnapshot[];
  readonly process: ProcessFigures;
  /** HTTP connections (connection-guard.ts); absent where no server runs. */
  readonly connections?: ConnectionFigures;
}

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'timeout'];

export function escapeLabel(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"');
}

export function formatValue(n: number): string {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return '+Inf';
  if (n === -Infinity) return '-Inf';
  return String(n);
}

function labels(pairs: Record<string, string>): string {
  const body = Object.entries(pairs)
    .map(([k, v]) => `${k}="${escapeLabel(v)}"`)
    .join(',');
  return body === '' ? '' : `{${body}}`;
}

export function renderMetrics(snap: MetricsSnapshot): string {
  const out: string[] = [];
  const family = (name: string, type: string, help: string): void => {
    out.push(`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`);
  };
  const sample = (name: string, value: number, l: Record<string, string> = {}): void => {
    out.push(`${name}${labels(l)} ${formatValue(value)}`);
  };
  const perCheck = (
    name: string,
    help: string,
    pick: (c: CheckSnapshot) => number,
    onlyWithResult: boolean,
  ): void => {
    family(name, 'gauge', help);
    for (const c of snap.checks) {
      if (!onlyWithResult || c.hasResult) sample(name, pick(c), { url: c.url });
    }
  };

  family('exechealthz_build_info', 'gauge', 'Always 1; the labels say which build and which Node.js runtime run.');
  sample('exechealthz_build_info', 1, { version: snap.version, node_version: snap.nodeVersion });

  perCheck('exechealthz_check_up', '1 if the check answers 200 now (last run succeeded and is fresh), else 0.', (c) => (c.up ? 1 : 0), false);
  perCheck('exechealthz_check_last_exit_code', 'Exit status of the last run; -1 if it was killed or could not start.', (c) => c.lastExitCode, true);
  perCheck('exechealthz_check_last_run_timestamp_seconds', 'Unix time the last run ended.', (c) => c.lastRunTimestampSeconds, true);
  perCheck('exechealthz_check_last_run_duration_seconds', 'How long the last run took.', (c) => c.lastRunDurationSeconds, true);
  perCheck('exechealthz_check_consecutive_failures', 'Failed or timed-out runs since the last success.', (c) => c.consecutiveFailures, false);

  family('exechealthz_check_runs_total', 'counter', 'Finished runs by result (success, failure, timeout).');
  for (const c of snap.checks) {
    for (const result of OUTCOMES) sample('exechealthz_check_runs_total', c.runs[result], { url: c.url, result });
  }

  family('exechealthz_check_run_duration_seconds', 'histogram', 'Duration of runs.');
  for (const c of snap.checks) {
    DURATION_BUCKETS.forEach((le, i) => {
      sample('exechealthz_check_run_duration_seconds_bucket', c.histogram.buckets[i] ?? 0, { url: c.url, le: formatValue(le) });
    });
    sample('exechealthz_check_run_duration_seconds_bucket', c.histogram.count, { url: c.url, le: '+Inf' });
    sample('exechealthz_check_run_duration_seconds_sum', c.histogram.sum, { url: c.url });
    sample('exechealthz_check_run_duration_seconds_count', c.histogram.count, { url: c.url });
  }

  const p = snap.process;
  family('process_resident_memory_bytes', 'gauge', 'Resident memory size in bytes.');
  sample('process_resident_memory_bytes', p.rssBytes);
  family('process_start_time_seconds', 'gauge', 'Start time of the process since unix epoch in seconds.');
  sample('process_start_time_seconds', p.startTimeSeconds);
  family('nodejs_heap_used_bytes', 'gauge', 'V8 heap in use.');
  sample('nodejs_heap_used_bytes', p.heapUsedBytes);
  family('nodejs_heap_total_bytes', 'gauge', 'V8 heap reserved.');
  sample('nodejs_heap_total_bytes', p.heapTotalBytes);
  family('nodejs_external_memory_bytes', 'gauge', 'Memory of C++ objects bound to JavaScript (buffers included).');
  sample('nodejs_external_memory_bytes', p.externalBytes);
  const lag = p.eventLoopDelay;
  const lagGauges: [string, number, string][] = [
    ['min', lag.min, 'Smallest'],
    ['mean', lag.mean, 'Mean'],
    ['max', lag.max, 'Largest'],
    ['p50', lag.p50, 'Median'],
    ['p90', lag.p90, '90th percentile'],
    ['p99', lag.p99, '99th percentile'],
  ];
  for (const [suffix, value, what] of lagGauges) {
    const name = `nodejs_eventloop_delay_${suffix}_seconds`;
    family(name, 'gauge', `${what} event-loop delay since the previous scrape.`);
    sample(name, value);
  }
  const conn = snap.connections;
  if (conn !== undefined) {
    family('exechealthz_http_connections', 'gauge', 'Open HTTP connections.');
    sample('exechealthz_http_connections', conn.open);
    family('exechealthz_http_connections_dropped_total', 'counter', 'Connections closed because of --max-connections: the oldest idle one (evicted) or, all being busy, the new one (refused).');
    sample('exechealthz_http_connections_dropped_total', conn.evicted, { reason: 'evicted' });
    sample('exechealthz_http_connections_dropped_total', conn.refused, { reason: 'refused' });
  }
  return `${out.join('\n')}\n`;
}
