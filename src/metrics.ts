// The service's metric families, in the order /metrics lists them, from the checks'
// own counters and histograms and the figures of the moment (process, connections).
// Rendered by the primitives (metric.ts) in the format the scraper asked for.
import type { Outcome } from './check';
import type { ConnectionMetrics } from './connection-guard';
import { Family, Gauge, Info, renderFamilies, type Counter, type Format, type Histogram, type Labels, type Metric } from './metric';
import type { ProcessFigures } from './process-stats';

export interface CheckMetrics {
  readonly url: string;
  readonly up: boolean;
  /** Absent until the first run has ended. */
  readonly last?: {
    /** -1 when the run ended without an exit status (signal, timeout, spawn error). */
    readonly exitCode: number;
    /** Epoch seconds of the end of the run. */
    readonly endSeconds: number;
    readonly durationSeconds: number;
  };
  readonly consecutiveFailures: number;
  /** The check's own counters and histogram, not copies. */
  readonly runs: Readonly<Record<Outcome, Counter>>;
  readonly durations: Histogram;
}

export interface MetricsSnapshot {
  readonly version: string;
  /** The embedded Node.js runtime (`v24.22.3`): it differs per arch. */
  readonly nodeVersion: string;
  readonly checks: readonly CheckMetrics[];
  readonly process: ProcessFigures;
  /** HTTP connections (connection-guard.ts); absent where no server runs. */
  readonly connections?: ConnectionMetrics;
}

const OUTCOMES: readonly Outcome[] = ['success', 'failure', 'timeout'];

/** A series per check, for those `pick` gives a value. */
function perCheck(checks: readonly CheckMetrics[], pick: (c: CheckMetrics) => number | undefined): [Labels, Metric][] {
  const series: [Labels, Metric][] = [];
  for (const c of checks) {
    const v = pick(c);
    if (v !== undefined) series.push([{ url: c.url }, new Gauge(v)]);
  }
  return series;
}

const one = (v: number): [Labels, Metric][] => [[{}, new Gauge(v)]];

export function metricFamilies(snap: MetricsSnapshot): Family[] {
  const { checks, process: p } = snap;
  const lag = p.eventLoopDelay;
  const families = [
    new Family({ name: 'exechealthz_build', type: 'info', help: 'Always 1; the labels say which build and which Node.js runtime run.' }, [
      [{ version: snap.version, node_version: snap.nodeVersion }, new Info()],
    ]),
    new Family({ name: 'exechealthz_check_up', type: 'gauge', help: '1 if the check answers 200 now (last run succeeded and is fresh), else 0.' }, perCheck(checks, (c) => (c.up ? 1 : 0))),
    new Family({ name: 'exechealthz_check_last_exit_code', type: 'gauge', help: 'Exit status of the last run; -1 if it was killed or could not start.' }, perCheck(checks, (c) => c.last?.exitCode)),
    new Family(
      { name: 'exechealthz_check_last_run_timestamp_seconds', type: 'gauge', unit: 'seconds', help: 'Unix time the last run ended.' },
      perCheck(checks, (c) => c.last?.endSeconds),
    ),
    new Family(
      { name: 'exechealthz_check_last_run_duration_seconds', type: 'gauge', unit: 'seconds', help: 'How long the last run took.' },
      perCheck(checks, (c) => c.last?.durationSeconds),
    ),
    new Family({ name: 'exechealthz_check_consecutive_failures', type: 'gauge', help: 'Failed or timed-out runs since the last success.' }, perCheck(checks, (c) => c.consecutiveFailures)),
    new Family(
      { name: 'exechealthz_check_runs', type: 'counter', help: 'Finished runs by result (success, failure, timeout).' },
      checks.flatMap((c) => OUTCOMES.map((result): [Labels, Metric] => [{ url: c.url, result }, c.runs[result]])),
    ),
    new Family(
      { name: 'exechealthz_check_run_duration_seconds', type: 'histogram', unit: 'seconds', help: 'Duration of runs.' },
      checks.map((c): [Labels, Metric] => [{ url: c.url }, c.durations]),
    ),
    new Family({ name: 'process_resident_memory_bytes', type: 'gauge', unit: 'bytes', help: 'Resident memory size in bytes.' }, one(p.rssBytes)),
    new Family({ name: 'process_start_time_seconds', type: 'gauge', unit: 'seconds', help: 'Start time of the process since unix epoch in seconds.' }, one(p.startTimeSeconds)),
    new Family({ name: 'nodejs_heap_used_bytes', type: 'gauge', unit: 'bytes', help: 'V8 heap in use.' }, one(p.heapUsedBytes)),
    new Family({ name: 'nodejs_heap_total_bytes', type: 'gauge', unit: 'bytes', help: 'V8 heap reserved.' }, one(p.heapTotalBytes)),
    new Family({ name: 'nodejs_external_memory_bytes', type: 'gauge', unit: 'bytes', help: 'Memory of C++ objects bound to JavaScript (buffers included).' }, one(p.externalBytes)),
  ];
  const lagGauges: [string, number, string][] = [
    ['min', lag.min, 'Smallest'],
    ['mean', lag.mean, 'Mean'],
    ['max', lag.max, 'Largest'],
    ['p50', lag.p50, 'Median'],
    ['p90', lag.p90, '90th percentile'],
    ['p99', lag.p99, '99th percentile'],
  ];
  for (const [suffix, value, what] of lagGauges) {
    families.push(
      new Family({ name: `nodejs_eventloop_delay_${suffix}_seconds`, type: 'gauge', unit: 'seconds', help: `${what} event-loop delay since the previous scrape.` }, one(value)),
    );
  }
  const conn = snap.connections;
  if (conn !== undefined) {
    families.push(
      new Family({ name: 'exechealthz_http_connections', type: 'gauge', help: 'Open HTTP connections.' }, one(conn.open)),
      new Family(
        {
          name: 'exechealthz_http_connections_dropped',
          type: 'counter',
          help: 'Connections closed because of --max-connections: the oldest idle one (evicted) or, all being busy, the new one (refused).',
        },
        [
          [{ reason: 'evicted' }, conn.dropped.evicted],
          [{ reason: 'refused' }, conn.dropped.refused],
        ],
      ),
    );
  }
  return families;
}

export function renderMetrics(snap: MetricsSnapshot, format: Format): string {
  return renderFamilies(metricFamilies(snap), format);
}
