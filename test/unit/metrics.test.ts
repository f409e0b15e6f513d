import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DURATION_BUCKETS } from '../../src/check';
import { canonicalFloat, Counter, escapeLabel, ExpositionWriter, Family, formatValue, Gauge, Histogram } from '../../src/metric';
import { renderMetrics, type CheckMetrics, type MetricsSnapshot } from '../../src/metrics';
import { openMetricsProblems } from '../helpers/openmetrics';

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

function counter(n: number): Counter {
  const c = new Counter();
  c.inc(n);
  return c;
}

function durations(...seconds: number[]): Histogram {
  const h = new Histogram(DURATION_BUCKETS);
  for (const s of seconds) h.observe(s);
  return h;
}

const ran: CheckMetrics = {
  url: '/healthz',
  up: false,
  last: { exitCode: 2, endSeconds: 1767323050.25, durationSeconds: 0.004 },
  consecutiveFailures: 3,
  runs: { success: counter(5), failure: counter(3), timeout: counter(1) },
  // 4 runs of 5 ms or less, 4 of 10 ms, 1 over the last bound: sum 10.5.
  durations: durations(0.001, 0.001, 0.001, 0.001, 0.01, 0.01, 0.01, 0.01, 10.456),
};

const fresh: CheckMetrics = {
  url: '/a"b\\c',
  up: false,
  consecutiveFailures: 0,
  runs: { success: counter(0), failure: counter(0), timeout: counter(0) },
  durations: durations(),
};

const snapshot: MetricsSnapshot = { version: '1.0', nodeVersion: 'v24.22.3', checks: [ran, fresh], process: proc };
const text = renderMetrics(snapshot, 'text').toString();
const lines = text.split('\n');

function has(line: string, among = lines): void {
  assert.ok(among.includes(line), `missing line: ${line}`);
}

describe('renderMetrics, text format 0.0.4', () => {
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

  it('names a counter by its sample (_total) and an info as a gauge, and has no UNIT or EOF', () => {
    has('# TYPE exechealthz_check_runs_total counter');
    has('# TYPE exechealthz_build_info gauge');
    assert.ok(!lines.some((l) => l.startsWith('# UNIT') || l === '# EOF'));
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
      'exechealthz_check_run_duration_seconds_bucket{url="/healthz",le="30"} 9',
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
    // Each character alone, as the no-escape fast path must not miss one.
    assert.equal(escapeLabel('a\nb'), 'a\\nb');
    assert.equal(escapeLabel('a\\b'), 'a\\\\b');
    assert.equal(escapeLabel('a"b'), 'a\\"b');
    assert.equal(escapeLabel('/healthz'), '/healthz');
    assert.equal(formatValue(Infinity), '+Inf');
    assert.equal(formatValue(-Infinity), '-Inf');
    assert.equal(formatValue(NaN), 'NaN');
    assert.equal(formatValue(1e21), '1e+21');
  });
});

describe('renderMetrics, OpenMetrics 1.0.0', () => {
  const om = renderMetrics(snapshot, 'openmetrics').toString();
  const omLines = om.split('\n');

  it('is valid by the OpenMetrics grammar and rules', () => assert.deepEqual(openMetricsProblems(om), []));

  it('ends with "# EOF" and a newline', () => assert.ok(om.endsWith('\n# EOF\n')));

  it('writes TYPE, UNIT, HELP in that order, a UNIT where the name ends in one', () => {
    const at = omLines.indexOf('# TYPE exechealthz_check_run_duration_seconds histogram');
    assert.deepEqual(omLines.slice(at, at + 3), [
      '# TYPE exechealthz_check_run_duration_seconds histogram',
      '# UNIT exechealthz_check_run_duration_seconds seconds',
      '# HELP exechealthz_check_run_duration_seconds Duration of runs.',
    ]);
    has('# UNIT process_resident_memory_bytes bytes', omLines);
    has('# UNIT nodejs_eventloop_delay_p99_seconds seconds', omLines);
    assert.ok(!omLines.includes('# UNIT exechealthz_check_up up'));
    assert.equal(omLines.filter((l) => l.startsWith('# UNIT ')).length, 14);
  });

  it('names a counter family without _total, its samples with it', () => {
    const at = omLines.indexOf('# TYPE exechealthz_check_runs counter');
    assert.ok(at >= 0, om);
    assert.deepEqual(omLines.slice(at, at + 3), [
      '# TYPE exechealthz_check_runs counter',
      '# HELP exechealthz_check_runs Finished runs by result (success, failure, timeout).',
      'exechealthz_check_runs_total{url="/healthz",result="success"} 5',
    ]);
  });

  it('exposes the build as an info family', () => {
    assert.deepEqual(omLines.slice(0, 3), [
      '# TYPE exechealthz_build info',
      '# HELP exechealthz_build Always 1; the labels say which build and which Node.js runtime run.',
      'exechealthz_build_info{version="1.0",node_version="v24.22.3"} 1',
    ]);
  });

  it('writes le values in their canonical form', () => {
    const le = omLines
      .filter((l) => l.startsWith('exechealthz_check_run_duration_seconds_bucket{url="/healthz"'))
      .map((l) => /le="([^"]+)"/.exec(l)?.[1]);
    assert.deepEqual(le, ['0.005', '0.01', '0.025', '0.05', '0.1', '0.25', '0.5', '1.0', '2.5', '5.0', '10.0', '30.0', '+Inf']);
  });

  it('has the same samples as the text format but for le', () => {
    const samples = (s: string): string[] => s.split('\n').filter((l) => l !== '' && !l.startsWith('#')).map((l) => l.replace(/le="([^"]+)"/, (_m, v: string) => `le="${Number(v === '+Inf' ? Infinity : v)}"`));
    assert.deepEqual(samples(om), samples(text));
  });
});

describe('renderMetrics: HTTP connections', () => {
  const connections = { open: 7, dropped: { evicted: counter(3), refused: counter(1) } };
  it('renders the open gauge and the dropped counter by reason when given', () => {
    const out = renderMetrics({ ...snapshot, checks: [], connections }, 'text').toString();
    assert.match(out, /^# TYPE exechealthz_http_connections gauge\nexechealthz_http_connections 7$/m);
    assert.match(out, /^# TYPE exechealthz_http_connections_dropped_total counter$/m);
    assert.match(out, /^exechealthz_http_connections_dropped_total\{reason="evicted"\} 3$/m);
    assert.match(out, /^exechealthz_http_connections_dropped_total\{reason="refused"\} 1$/m);
    assert.deepEqual(openMetricsProblems(renderMetrics({ ...snapshot, connections }, 'openmetrics').toString()), []);
  });
  it('leaves them out without a server', () => {
    assert.doesNotMatch(renderMetrics({ ...snapshot, checks: [] }, 'text').toString(), /http_connections/);
  });
});

describe('ExpositionWriter', () => {
  it('writes UTF-8 across every growth of its buffer, whatever the first size', () => {
    const pieces = ['# HELP x é\n', 'x{url="/ünï€😀"} ', '1.5', '\n', 'y'.repeat(5000), '€'.repeat(700)];
    const want = Buffer.from(pieces.join(''));
    for (const hint of [0, 1, 16, 300, 4096, want.length, 1 << 20]) {
      const w = new ExpositionWriter(hint);
      for (const p of pieces) w.put(p);
      assert.equal(w.byteLength, want.length, `hint ${hint}`);
      assert.ok(w.bytes().equals(want), `hint ${hint}`);
    }
  });

  it('makes room for three bytes a character, not one', () => {
    // 100 characters fit in the first 256 bytes; their 300 bytes of UTF-8 do not.
    const w = new ExpositionWriter(0);
    w.put('€'.repeat(100));
    assert.equal(w.bytes().toString(), '€'.repeat(100));
  });

  it('renders the same exposition from a size hint too small, exact or too large', () => {
    for (const format of ['text', 'openmetrics'] as const) {
      const want = renderMetrics(snapshot, format).toString();
      for (const hint of [1, 700, want.length, 10 * want.length]) {
        assert.equal(renderMetrics(snapshot, format, hint).toString(), want, `${format}, hint ${hint}`);
      }
    }
  });
});

describe('metric primitives', () => {
  it('a counter only goes up', () => {
    const c = new Counter();
    c.inc();
    c.inc(2);
    assert.equal(c.value, 3);
    assert.throws(() => c.inc(-1), /cannot go down/);
  });

  it('a histogram counts each observation in the first bucket that holds it, +Inf past the last', () => {
    const h = new Histogram([1, 2]);
    for (const v of [0.5, 1, 1.5, 3]) h.observe(v);
    assert.deepEqual(h.cumulative(), { buckets: [2, 3, 4], sum: 6, count: 4 });
  });

  it('a family refuses a unit its name does not end in, and a counter named with _total', () => {
    assert.throws(() => new Family({ name: 'x_ms', type: 'gauge', help: 'h', unit: 'seconds' }, []), /must end in _seconds/);
    assert.throws(() => new Family({ name: 'x_total', type: 'counter', help: 'h' }, []), /without _total/);
    assert.doesNotThrow(() => new Family({ name: 'x_seconds', type: 'gauge', help: 'h', unit: 'seconds' }, []));
  });

  it('escapes HELP as each format wants', () => {
    const f = new Family({ name: 'x', type: 'gauge', help: 'a "b" \\ c\nd' }, [[{}, new Gauge(1)]]);
    const out = (format: 'text' | 'openmetrics'): string[] => {
      const o = new ExpositionWriter();
      f.render(format, o);
      return o.bytes().toString().split('\n');
    };
    assert.equal(out('text')[0], '# HELP x a "b" \\\\ c\\nd');
    assert.equal(out('openmetrics')[1], '# HELP x a \\"b\\" \\\\ c\\nd');
  });

  it('renders floats canonically as the OpenMetrics spec lists them', () => {
    const cases: [number, string][] = [
      [0, '0.0'], [0.001, '0.001'], [0.002, '0.002'], [0.01, '0.01'], [0.1, '0.1'], [0.9, '0.9'], [0.95, '0.95'],
      [0.99, '0.99'], [0.999, '0.999'], [1, '1.0'], [1.7, '1.7'], [10, '10.0'],
      [1e-10, '1e-10'], [1e-9, '1e-09'], [1e-5, '1e-05'], [1e-4, '0.0001'], [1e5, '100000.0'], [1e6, '1e+06'], [1e10, '1e+10'],
      [Infinity, '+Inf'],
    ];
    for (const [n, want] of cases) assert.equal(canonicalFloat(n), want, String(n));
  });
});
