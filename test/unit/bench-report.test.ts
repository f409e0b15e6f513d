// The benchmark's pure pieces (bench/lib/, and the /proc helper it shares with the tests):
// reading wrk's report, /proc lines and the runs counter of /metrics, and rendering the
// ratio table from the figures.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, describe, it } from 'node:test';
import { parseStat, statusKB } from '../helpers/proc.cjs';

interface WrkFigures { rps: number; p99ms: number; requests: number; non2xx: number; errors: string }
interface Row { figure: string; unit: string; ours: number[]; bare: number[]; goal: string; test: ((ratio: number) => boolean) | null }
interface Wrk { parseWrk(out: string): WrkFigures | null }
interface Http { runsTotalOf(body: string): number | null }
interface Report {
  median(xs: number[]): number;
  fmt(n: number): string;
  spread(xs: number[]): string;
  renderTable(title: string, rows: Row[]): string;
}

// The bench is ES modules; this suite compiles to CommonJS, whose require() cannot load them.
const importEsm = new Function('u', 'return import(u)') as <T>(u: string) => Promise<T>;
const lib = (name: string): string => pathToFileURL(resolve(__dirname, '../../../bench/lib', name)).href;
let wrk: Wrk;
let http: Http;
let report: Report;
before(async () => {
  wrk = await importEsm<Wrk>(lib('wrk.mjs'));
  http = await importEsm<Http>(lib('http.mjs'));
  report = await importEsm<Report>(lib('report.mjs'));
});

// A real `wrk --latency` report (wrk 4.1), with a non-2xx line and socket errors added.
const WRK_OUT = `Running 4s test @ http://127.0.0.1:40123/healthz
  2 threads and 50 connections
  Thread Stats   Avg      Stdev     Max   +/- Stdev
    Latency     1.21ms  310.52us  12.40ms   91.20%
    Req/Sec    20.51k     1.02k   22.10k    70.00%
  Latency Distribution
     50%    1.15ms
     75%    1.30ms
     90%    1.52ms
     99%  850.00us
  163210 requests in 4.00s, 21.95MB read
  Socket errors: connect 0, read 3, write 0, timeout 0
  Non-2xx or 3xx responses: 7
Requests/sec:  40802.43
Transfer/sec:      5.49MB
`;

describe('wrk report', () => {
  it('reads req/s, p99 in ms, requests, non-2xx answers and socket errors', () => {
    assert.deepEqual(wrk.parseWrk(WRK_OUT), {
      rps: 40802.43,
      p99ms: 0.85,
      requests: 163210,
      non2xx: 7,
      errors: 'Socket errors: connect 0, read 3, write 0, timeout 0',
    });
  });
  it('takes p99 in seconds and milliseconds too', () => {
    assert.equal(wrk.parseWrk(WRK_OUT.replace('850.00us', '1.50s'))?.p99ms, 1500);
    assert.equal(wrk.parseWrk(WRK_OUT.replace('850.00us', '2.25ms'))?.p99ms, 2.25);
  });
  it('counts no non-2xx answers and no errors when wrk prints no such line', () => {
    const clean = WRK_OUT.replace(/^\s+Socket errors:.*\n/m, '').replace(/^\s+Non-2xx.*\n/m, '');
    assert.deepEqual(wrk.parseWrk(clean), { rps: 40802.43, p99ms: 0.85, requests: 163210, non2xx: 0, errors: '' });
  });
  it('is null without a 99% line or without req/s (wrk failed)', () => {
    assert.equal(wrk.parseWrk(WRK_OUT.replace(/^\s+99%.*\n/m, '')), null);
    assert.equal(wrk.parseWrk('unable to connect to 127.0.0.1:1 Connection refused\n'), null);
  });
});

describe('/proc and /metrics lines', () => {
  it('reads a memory field of /proc/PID/status in kB, null when absent', () => {
    const status = 'Name:\tnode\nVmHWM:\t   52344 kB\nVmRSS:\t   41200 kB\nRssAnon:\t   20480 kB\nRssFile:\t   20720 kB\n';
    assert.equal(statusKB(status, 'VmRSS'), 41200);
    assert.equal(statusKB(status, 'VmHWM'), 52344);
    assert.equal(statusKB(status, 'RssAnon'), 20480);
    assert.equal(statusKB('Name:\tkthreadd\n', 'RssAnon'), null);
  });
  it('reads state, process group and utime+stime+cutime+cstime of /proc/PID/stat, past a name with spaces and parentheses', () => {
    // Fields: pid (comm) state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt utime stime cutime cstime ...
    const stat = '4242 (a) b (c)) S 1 4242 4242 0 -1 4194560 900 0 0 0 120 30 7 3 20 0 1 0 555 1000 200';
    assert.deepEqual(parseStat(4242, stat), { pid: 4242, comm: 'a) b (c)', state: 'S', pgrp: 4242, ticks: 160 });
  });
  it('sums exechealthz_check_runs_total over its labels; null without the metric', () => {
    const body = [
      '# TYPE exechealthz_check_runs_total counter',
      'exechealthz_check_runs_total{url="/healthz",result="success"} 41',
      'exechealthz_check_runs_total{url="/healthz",result="failure"} 2',
      'exechealthz_check_runs_total_created 1',
      '',
    ].join('\n');
    assert.equal(http.runsTotalOf(body), 43);
    assert.equal(http.runsTotalOf('exechealthz_check_runs_total{url="/c0",result="success"} 0\n'), 0);
    assert.equal(http.runsTotalOf('# nothing here\n'), null);
  });
});

describe('ratio table', () => {
  it('takes medians of the rounds (the middle one, or the mean of the middle two)', () => {
    assert.equal(report.median([3, 1, 2]), 2);
    assert.equal(report.median([4, 1, 3, 2]), 2.5);
  });
  it('shows figures with fewer decimals as they grow, and many rounds as a range', () => {
    assert.deepEqual([0.123, 12.34, 123.4, 40802.4].map(report.fmt), ['0.12', '12.3', '123', '40802']);
    assert.equal(report.spread([1, 2]), '1.00 2.00');
    assert.equal(report.spread([5, 1, 2, 3, 4, 6]), '6x 1.00..6.00');
  });
  it('renders medians, exechealthz / bare, the goal\'s verdict and the rounds, columns aligned', () => {
    const rows: Row[] = [
      { figure: 'req/s', unit: '/s', ours: [900, 1000, 950], bare: [1000, 1000, 1000], goal: '>= 0.90', test: (x) => x >= 0.9 },
      { figure: 'RSS idle', unit: 'MB', ours: [60], bare: [40], goal: '<= 1.05', test: (x) => x <= 1.05 },
      { figure: 'CPU per probe', unit: 'ms', ours: [2], bare: [4], goal: '-', test: null },
    ];
    assert.equal(report.renderTable('subject', rows), [
      '',
      'subject',
      'figure         exechealthz  bare     ratio  goal     verdict  rounds (exechealthz | bare)',
      '-------------  -----------  -------  -----  -------  -------  -----------------------------',
      'req/s          950 /s       1000 /s  0.95   >= 0.90  met      900 1000 950 | 1000 1000 1000',
      'RSS idle       60.0 MB      40.0 MB  1.50   <= 1.05  NOT MET  60.0 | 40.0',
      'CPU per probe  2.00 ms      4.00 ms  0.50   -        info     2.00 | 4.00',
    ].join('\n'));
  });
});
