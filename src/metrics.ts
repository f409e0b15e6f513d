// The service's metric families, in the order /metrics lists them, from the checks'
// own counters and histograms and the figures of the moment (process, connections).
// Rendered by the primitives (metric.ts) in the format the scraper asked for.
import type { Outcome } from './check';
import type { ConnectionMetrics } from './connection-guard';
import { Family, Gauge, Info, renderFamilies, type Counter, type FamilySpec, type Format, type Histogram, type Labels, type Metric } from './metric';
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

type Spec = FamilySpec;
const gauge = (name: string, help: string, unit?: string): Spec => ({ name, type: 'gauge', help, ...(unit === undefined ? {} : { unit }) });

/**
 * Every family's name, type, unit and help, made once: a Family keeps its metadata lines
 * per spec object (metric.ts), so a scrape does not write them anew.
 */
const SPEC = {
  build: { name: 'exechealthz_build', type: 'info', help: 'Always 1; the labels say which build and which Node.js runtime run.' },
  up: gauge('exechealthz_check_up', '1 if the check answers 200 now (last run succeeded and is fresh), else 0.'),
  exitCode: gauge('exechealthz_check_last_exit_code', 'Exit status of the last run; -1 if it was killed or could not start.'),
  lastRun: gauge('exechealthz_check_last_run_timestamp_seconds', 'Unix time the last run ended.', 'seconds'),
  lastDuration: gauge('exechealthz_check_last_run_duration_seconds', 'How long the last run took.', 'seconds'),
  failures: gauge('exechealthz_check_consecutive_failures', 'Failed or timed-out runs since the last success.'),
  runs: { name: 'exechealthz_check_runs', type: 'counter', help: 'Finished runs by result (success, failure, timeout).' },
  durations: { name: 'exechealthz_check_run_duration_seconds', type: 'histogram', unit: 'seconds', help: 'Duration of runs.' },
  rss: gauge('process_resident_memory_bytes', 'Resident memory size in bytes.', 'bytes'),
  startTime: gauge('process_start_time_seconds', 'Start time of the process since unix epoch in seconds.', 'seconds'),
  heapUsed: gauge('nodejs_heap_used_bytes', 'V8 heap in use.', 'bytes'),
  heapTotal: gauge('nodejs_heap_total_bytes', 'V8 heap reserved.', 'bytes'),
  external: gauge('nodejs_external_memory_bytes', 'Memory of C++ objects bound to JavaScript (buffers included).', 'bytes'),
  connections: gauge('exechealthz_http_connections', 'Open HTTP connections.'),
  dropped: {
    name: 'exechealthz_http_connections_dropped',
    type: 'counter',
    help: 'Connections closed because of --max-connections: the oldest idle one (evicted) or, all being busy, the new one (refused).',
  },
} as const satisfies Record<string, Spec>;

/** The event-loop delay gauges: which figure, and its spec. */
const LAG: readonly [keyof ProcessFigures['eventLoopDelay'], Spec][] = (
  [
    ['min', 'Smallest'],
    ['mean', 'Mean'],
    ['max', 'Largest'],
    ['p50', 'Median'],
    ['p90', '90th percentile'],
    ['p99', '99th percentile'],
  ] as const
).map(([figure, what]) => [figure, gauge(`nodejs_eventloop_delay_${figure}_seconds`, `${what} event-loop delay since the previous scrape.`, 'seconds')]);

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
  const families = [
    new Family(SPEC.build, [[{ version: snap.version, node_version: snap.nodeVersion }, new Info()]]),
    new Family(SPEC.up, perCheck(checks, (c) => (c.up ? 1 : 0))),
    new Family(SPEC.exitCode, perCheck(checks, (c) => c.last?.exitCode)),
    new Family(SPEC.lastRun, perCheck(checks, (c) => c.last?.endSeconds)),
    new Family(SPEC.lastDuration, perCheck(checks, (c) => c.last?.durationSeconds)),
    new Family(SPEC.failures, perCheck(checks, (c) => c.consecutiveFailures)),
    new Family(
      SPEC.runs,
      checks.flatMap((c) => OUTCOMES.map((result): [Labels, Metric] => [{ url: c.url, result }, c.runs[result]])),
    ),
    new Family(
      SPEC.durations,
      checks.map((c): [Labels, Metric] => [{ url: c.url }, c.durations]),
    ),
    new Family(SPEC.rss, one(p.rssBytes)),
    new Family(SPEC.startTime, one(p.startTimeSeconds)),
    new Family(SPEC.heapUsed, one(p.heapUsedBytes)),
    new Family(SPEC.heapTotal, one(p.heapTotalBytes)),
    new Family(SPEC.external, one(p.externalBytes)),
  ];
  for (const [figure, spec] of LAG) families.push(new Family(spec, one(p.eventLoopDelay[figure])));
  const conn = snap.connections;
  if (conn !== undefined) {
    families.push(
      new Family(SPEC.connections, one(conn.open)),
      new Family(SPEC.dropped, [
        [{ reason: 'evicted' }, conn.dropped.evicted],
        [{ reason: 'refused' }, conn.dropped.refused],
      ]),
    );
  }
  return families;
}

/** The exposition's bytes; `sizeHint` (the previous scrape's size) saves regrowing the buffer. */
export function renderMetrics(snap: MetricsSnapshot, format: Format, sizeHint?: number): Buffer {
  return renderFamilies(metricFamilies(snap), format, sizeHint);
}
