// The OpenMetrics checker (test/helpers/openmetrics.ts) stands in for promtool, which
// reads only the 0.0.4 text format: it must accept the spec's own example and reject each
// kind of mistake, or a passing check of /metrics would mean nothing.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { openMetricsProblems } from '../helpers/openmetrics';

const SPEC_EXAMPLE = `# TYPE acme_http_router_request_seconds summary
# UNIT acme_http_router_request_seconds seconds
# HELP acme_http_router_request_seconds Latency though all of ACME's HTTP request router.
acme_http_router_request_seconds_sum{path="/api/v1",method="GET"} 9036.32
acme_http_router_request_seconds_count{path="/api/v1",method="GET"} 807283.0
acme_http_router_request_seconds_created{path="/api/v1",method="GET"} 1605281325.0
acme_http_router_request_seconds_sum{path="/api/v2",method="POST"} 479.3
acme_http_router_request_seconds_count{path="/api/v2",method="POST"} 34.0
acme_http_router_request_seconds_created{path="/api/v2",method="POST"} 1605281325.0
# TYPE go_goroutines gauge
# HELP go_goroutines Number of goroutines that currently exist.
go_goroutines 69
# TYPE process_cpu_seconds counter
# UNIT process_cpu_seconds seconds
# HELP process_cpu_seconds Total user and system CPU time spent in seconds.
process_cpu_seconds_total 4.20072246e+06
# EOF
`;

const HISTOGRAM = `# TYPE d_seconds histogram
d_seconds_bucket{le="0.5"} 1
d_seconds_bucket{le="1.0"} 2
d_seconds_bucket{le="+Inf"} 3
d_seconds_sum 4.5
d_seconds_count 3
`;

describe('OpenMetrics checker', () => {
  it("accepts the spec's example exposition, and a histogram", () => {
    assert.deepEqual(openMetricsProblems(SPEC_EXAMPLE), []);
    assert.deepEqual(openMetricsProblems(`${HISTOGRAM}# EOF\n`), []);
    assert.deepEqual(openMetricsProblems('# EOF'), []);
  });

  const bad: [string, string, RegExp][] = [
    ['no EOF', 'go_goroutines 69\n', /does not end with "# EOF"/],
    ['a line after EOF', '# EOF\ngo_goroutines 69\n', /does not end with "# EOF"/],
    ['CRLF', 'go_goroutines 69\r\n# EOF\n', /carriage return/],
    ['a comment', '# hello\n# EOF\n', /only lines starting with #/],
    ['a unit that is not the suffix', '# TYPE foo counter\n# UNIT foo seconds\n# EOF\n', /does not end in _seconds/],
    ['a counter without _total', '# TYPE foo counter\nfoo 1\n# EOF\n', /appears twice/],
    ['a text-format counter TYPE', '# TYPE foo_total counter\nfoo_total 1\n# EOF\n', /appears twice/],
    ['a negative counter', '# TYPE foo counter\nfoo_total -1\n# EOF\n', /counter's total must be a number >= 0/],
    ['an unknown type', '# TYPE foo untyped\n# EOF\n', /unknown type untyped/],
    ['TYPE twice', '# TYPE foo gauge\n# TYPE foo gauge\n# EOF\n', /a second TYPE/],
    ['interleaved families', '# TYPE a gauge\na 1\n# TYPE b gauge\nb 1\na 2\n# EOF\n', /interleaved|appears twice/],
    ['interleaved metrics', '# TYPE a gauge\na{x="1"} 1\na{x="2"} 1\na{x="1"} 2\n# EOF\n', /interleaved with another/],
    ['a bare quote in a label value', '# TYPE a gauge\na{x="1"2"} 1\n# EOF\n', /not a sample by the ABNF/],
    ['a bare quote in HELP', '# TYPE a gauge\n# HELP a say "hi"\n# EOF\n', /not an escaped-string/],
    ['a value that is no number', '# TYPE a gauge\na one\n# EOF\n', /not a sample by the ABNF/],
    ['a label name twice', '# TYPE a gauge\na{x="1",x="2"} 1\n# EOF\n', /label name twice/],
    ['an info of value 2', '# TYPE a info\na_info{v="1"} 2\n# EOF\n', /must be 1/],
    ['an integer le', HISTOGRAM.replace('le="1.0"', 'le="1"') + '# EOF\n', /canonical form/],
    ['no +Inf bucket', HISTOGRAM.replace('d_seconds_bucket{le="+Inf"} 3\n', '') + '# EOF\n', /no le="\+Inf" bucket/],
    ['buckets not cumulative', HISTOGRAM.replace('{le="1.0"} 2', '{le="1.0"} 0') + '# EOF\n', /buckets are cumulative/],
    ['buckets out of order', HISTOGRAM.replace('le="0.5"', 'le="2.0"') + '# EOF\n', /increasing le order/],
    ['a count that is not the +Inf bucket', HISTOGRAM.replace('d_seconds_count 3', 'd_seconds_count 4') + '# EOF\n', /differs from the \+Inf bucket/],
  ];
  for (const [what, exposition, problem] of bad) {
    it(`rejects ${what}`, () => {
      const problems = openMetricsProblems(exposition);
      assert.ok(problems.some((p) => problem.test(p)), `expected ${problem}, got ${JSON.stringify(problems)}`);
    });
  }
});
