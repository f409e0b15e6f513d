import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { escapeLabel, formatValue, renderMetrics, type CheckSnapshot, type MetricsSnapshot } from '../../src/metrics';

const proc: MetricsSnapshot['process'] = {
  rssBytes: 41_000_000,
  heapUsedBytes: 5_000_000,
  heapTotalBytes: 7_000_000,
  externalBytes: 1_500_000,
  arrayBuffersBytes: 20_000,
  eventLoopDelay: { min: 0, mean: 0.0005, max: 0.012, p50: 0.0001, p90: 0.001, p99: 0.01 },
  startTimeSeconds: 1767323045.6,
  uptimeSeconds: 12,
};

const ran: CheckSnapshot = {
  url: '/healthz',
  up: false,
  hasResult: true,
  lastExitCode: 2,
  lastRunTimestampSeconds: 1767323050.25,
  lastRunDurationSeconds: 0.004,
  consecutiveFailures: 3,
  runs: { success: 5, failure: 3, timeout: 1 },
  histogram: { buckets: [4, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 9], sum: 10.5, count: 9 },
};

const fresh: CheckSnapshot = {
  url: '/a"b\\c',
  up: false,
  hasResult: false,
  lastExitCode: -1,
  lastRunTimestampSeconds: 0,
  lastRunDurationSeconds: 0,
  consecutiveFailures: 0,
  runs: { success: 0, failure: 0, timeout: 0 },
  histogram: { buckets: new Array<number>(13).fill(0), sum: 0, count: 0 },
};

const text = renderMetrics({ version: '1.0', nodeVersion: 'v24.22.3', checks: [ran, fresh], process: proc });
const lines = text.split('\n');

function has(line: string): void {
  assert.ok(lines.includes(line), `missing line: ${line}`);
}

describe('renderMetrics', () => {
  it('ends with one newline and has no blank lines', () => {
    assert.ok(text.endsWith('\n') && !text.endsWith('\n\n'));
    assert.equal(lines.slice(0, -1).filter((l) => l === '').length, 0);
  });

  it('gives every family one HELP and one TYPE line before its samples', () => {
    const seen = new Set<string>();
    for (const [i, line] of lines.entries()) {
      const m = /^# TYPE (\S+) (gauge|counter|histogram)$/.exec(line);
      if (m !== null) {
        assert.ok(!seen.has(m[1] as string), `TYPE twice for ${m[1]}`);
        seen.add(m[1] as string);
        assert.match(lines[i - 1] ?? '', new RegExp(`^# HELP ${m[1]} \\S`));
      }
    }
    assert.equal(seen.size, 19);
  });

  it('renders the build info with the embedded Node.js version', () => has('exechealthz_build_info{version="1.0",node_version="v24.22.3"} 1'));

  it('renders per-check gauges', () => {
    has('exechealthz_check_up{url="/healthz"} 0');
    has('exechealthz_check_last_exit_code{url="/healthz"} 2');
    has('exechealthz_check_last_run_timestamp_seconds{url="/healthz"} 1767323050.25');
    has('exechealthz_check_last_run_duration_seconds{url="/healthz"} 0.004');
    has('exechealthz_check_consecutive_failures{url="/healthz"} 3');
  });

  it('leaves out last-run gauges of a check that has not run, but not its up gauge', () => {
    has('exechealthz_check_up{url="/a\\"b\\\\c"} 0');
    assert.ok(!lines.some((l) => l.startsWith('exechealthz_check_last_exit_code{url="/a')));
    assert.ok(!lines.some((l) => l.startsWith('exechealthz_check_last_run_timestamp_seconds{url="/a')));
  });

  it('counts runs by result', () => {
    has('exechealthz_check_runs_total{url="/healthz",result="success"} 5');
    has('exechealthz_check_runs_total{url="/healthz",result="failure"} 3');
    has('exechealthz_check_runs_total{url="/healthz",result="timeout"} 1');
    has('exechealthz_check_runs_total{url="/a\\"b\\\\c",result="timeout"} 0');
  });

  it('renders the duration histogram with cumulative buckets, +Inf, sum and count', () => {
    const bucket = lines.filter((l) => l.startsWith('exechealthz_check_run_duration_seconds_bucket{url="/healthz"'));
    assert.deepEqual(bucket, [
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="0.005"} 4',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="0.01"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="0.025"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="0.05"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="0.1"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="0.25"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="0.5"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="1"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="2.5"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="5"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="10"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="30"} 8',
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="+Inf"} 9',
    ]);
    has('exechealthz_check_run_duration_seconds_sum{url="/healthz"} 10.5');
    has('exechealthz_check_run_duration_seconds_count{url="/healthz"} 9');
  });

  it('renders process memory and event-loop delay', () => {
    has('process_resident_memory_bytes 41000000');
    has('process_start_time_seconds 1767323045.6');
    has('nodejs_heap_used_bytes 5000000');
    has('nodejs_heap_total_bytes 7000000');
    has('nodejs_external_memory_bytes 1500000');
    has('nodejs_eventloop_delay_min_seconds 0');
    has('nodejs_eventloop_delay_mean_seconds 0.0005');
    has('nodejs_eventloop_delay_max_seconds 0.012');
    has('nodejs_eventloop_delay_p50_seconds 0.0001');
    has('nodejs_eventloop_delay_p90_seconds 0.001');
    has('nodejs_eventloop_delay_p99_seconds 0.01');
  });

  it('escapes label values and formats special floats', () => {
    assert.equal(escapeLabel('a"b\\c\nd'), 'a\\"b\\\\c\\nd');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(1e21), '1e+21');
  });
});

describe('renderMetrics: HTTP connections', () => {
  it('renders the open gauge and the dropped counter by reason when given', () => {
    const out = renderMetrics({ version: '1.0', nodeVersion: 'v24.22.3', checks: [], process: proc, connections: { open: 7, evicted: 3, refused: 1 } });
    assert.match(out, /^# TYPE exechealthz_http_connections gauge\nexechealthz_http_connections 7$/m);
    assert.match(out, /^# TYPE exechealthz_http_connections_dropped_total counter$/m);
    assert.match(out, /^exechealthz_http_connections_dropped_total\{reason="evicted"\} 3$/m);
    assert.match(out, /^exechealthz_http_connections_dropped_total\{reason="refused"\} 1$/m);
  });
  it('leaves them out without a server', () => {
    assert.doesNotMatch(renderMetrics({ version: '1.0', nodeVersion: 'v24.22.3', checks: [], process: proc }), /http_connections/);
  });
});
