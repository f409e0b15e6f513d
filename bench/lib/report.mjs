// @ts-check
// The bench's ratio tables, as pure functions of the figures it measured: medians of the
// rounds, exechealthz / bare, each goal's verdict, the rounds' spread.

/** @typedef {import('./measure.mjs').ServeFigures} ServeFigures */

/**
 * One subject's figures over the rounds.
 * @typedef {{ serve: { ours: ServeFigures[], verbose: ServeFigures[], bare: ServeFigures[] },
 *   start: { ours: number[], bare: number[] }, cpu: { ours: number[], bare: number[] },
 *   bareSea: ServeFigures[], big: number[], bigIdle: number[], notes: Set<string> }} Results
 */

/**
 * @typedef {{ figure: string, unit: string, ours: number[], bare: number[], goal: string,
 *   test: ((ratio: number) => boolean) | null }} Row
 */

/** @param {number[]} xs */
export function median(xs) {
  const a = [...xs].sort((p, q) => p - q);
  const mid = Math.floor(a.length / 2);
  return a.length % 2 === 1 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
}

/** Three significant-ish digits, none after the point from 100 on. @param {number} n */
export function fmt(n) {
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Each value, or for many samples their count and range. @param {number[]} xs */
export function spread(xs) {
  return xs.length <= 5 ? xs.map(fmt).join(' ') : `${xs.length}x ${fmt(Math.min(...xs))}..${fmt(Math.max(...xs))}`;
}

/** A table under its title, columns padded, as lines joined. @param {string} title @param {Row[]} rows */
export function renderTable(title, rows) {
  const head = ['figure', 'exechealthz', 'bare', 'ratio', 'goal', 'verdict', 'rounds (exechealthz | bare)'];
  const body = rows.map((r) => {
    const o = median(r.ours);
    const b = median(r.bare);
    const ratio = o / b;
    const verdict = r.test === null ? 'info' : r.test(ratio) ? 'met' : 'NOT MET';
    return [r.figure, `${fmt(o)} ${r.unit}`, `${fmt(b)} ${r.unit}`, ratio.toFixed(2), r.goal, verdict, `${spread(r.ours)} | ${spread(r.bare)}`];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (/** @type {string[]} */ cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  return ['', title, line(head), line(widths.map((w) => '-'.repeat(w))), ...body.map(line)].join('\n');
}

/** @type {(x: number) => boolean} */
const atLeast08 = (x) => x >= 0.8;
/** @type {(x: number) => boolean} */
const atLeast09 = (x) => x >= 0.9;
/** @type {(x: number) => boolean} */
const atMost125 = (x) => x <= 1.25;

/**
 * The rows of one subject's table: the service against its bare baselines, with the goals.
 * @param {Results} r @param {number} startSamples starts per round and side
 * @returns {Row[]}
 */
export function subjectRows(r, startSamples) {
  /** @param {(f: ServeFigures) => number} pick */
  const col = (pick) => ({ ours: r.serve.ours.map(pick), bare: r.serve.bare.map(pick) });
  /** @param {(f: ServeFigures) => number} pick */
  const colSea = (pick) => ({ ours: r.serve.ours.map(pick), bare: r.bareSea.map(pick) });
  /** @param {(f: ServeFigures) => number} pick */
  const colVerbose = (pick) => ({ ours: r.serve.verbose.map(pick), bare: r.serve.bare.map(pick) });
  return [
    { figure: '/healthz req/s, 50 conns', unit: '/s', ...col((f) => f.rps50), goal: '>= 0.90', test: atLeast09 },
    { figure: '/healthz p99, 50 conns', unit: 'ms', ...col((f) => f.p99at50), goal: '<= 1.25', test: atMost125 },
    { figure: '/healthz req/s, 200 conns', unit: '/s', ...col((f) => f.rps200), goal: '>= 0.80', test: atLeast08 },
    { figure: '/healthz p99, 200 conns', unit: 'ms', ...col((f) => f.p99at200), goal: '<= 1.25', test: atMost125 },
    { figure: 'server CPU per request, 50 conns', unit: 'us', ...col((f) => f.cpuPerReq50), goal: '-', test: null },
    { figure: '  with -v 2 (a line per request): req/s, 50', unit: '/s', ...colVerbose((f) => f.rps50), goal: '-', test: null },
    { figure: '  -v 2: req/s, 200 conns', unit: '/s', ...colVerbose((f) => f.rps200), goal: '-', test: null },
    { figure: '  -v 2: CPU per request, 50', unit: 'us', ...colVerbose((f) => f.cpuPerReq50), goal: '-', test: null },
    { figure: '  -v 2: RSS after load', unit: 'MB', ...colVerbose((f) => f.loadedMB), goal: '-', test: null },
    { figure: 'RSS idle', unit: 'MB', ...col((f) => f.idleMB), goal: '<= 1.05', test: (x) => x <= 1.05 },
    ...(r.bareSea.length > 0 ? [{ ...colSea((f) => f.idleMB), figure: '  idle, vs bare server as a SEA too', unit: 'MB', goal: '-', test: null }] : []),
    { figure: 'RSS after load', unit: 'MB', ...col((f) => f.loadedMB), goal: '<= 1.05', test: (x) => x <= 1.05 },
    ...(r.bareSea.length > 0 ? [{ ...colSea((f) => f.loadedMB), figure: '  after load, vs bare server as a SEA', unit: 'MB', goal: '-', test: null }] : []),
    { figure: '  anonymous part (RssAnon), idle', unit: 'MB', ...col((f) => f.idleAnonMB), goal: '-', test: null },
    { figure: '  anonymous part, after load', unit: 'MB', ...col((f) => f.loadedAnonMB), goal: '-', test: null },
    { figure: 'peak RSS during load (VmHWM)', unit: 'MB', ...col((f) => f.peakLoadMB), goal: '-', test: null },
    { figure: `start to first answer (${startSamples}/round)`, unit: 'ms', ours: r.start.ours, bare: r.start.bare, goal: '<= 1.00', test: (x) => x <= 1.0 },
    { figure: 'CPU per probe run (vs Node spawn loop)', unit: 'ms', ours: r.cpu.ours, bare: r.cpu.bare, goal: '-', test: null },
    { figure: 'peak RSS, 50 MB/run (vs own idle)', unit: 'MB', ours: r.big, bare: r.bigIdle, goal: '<= 1.20', test: (x) => x <= 1.2 },
  ];
}

/**
 * The two Node lines side by side: "ratio" is the newer line's executable / the older one's.
 * @param {Results} n newer @param {Results} o older @param {{ newer: number, older: number }} sizeMB executables' sizes
 * @returns {Row[]}
 */
export function linesRows(n, o, sizeMB) {
  /** @param {Results} r @param {(f: ServeFigures) => number} pick */
  const serve = (r, pick) => r.serve.ours.map(pick);
  /** @param {Results} r @param {(f: ServeFigures) => number} pick */
  const bare = (r, pick) => r.serve.bare.map(pick);
  return [
    { figure: 'executable size', unit: 'MB', ours: [sizeMB.newer], bare: [sizeMB.older], goal: '-', test: null },
    { figure: 'RSS idle', unit: 'MB', ours: serve(n, (f) => f.idleMB), bare: serve(o, (f) => f.idleMB), goal: '-', test: null },
    { figure: 'RSS after load', unit: 'MB', ours: serve(n, (f) => f.loadedMB), bare: serve(o, (f) => f.loadedMB), goal: '-', test: null },
    { figure: '  anonymous part (RssAnon), idle', unit: 'MB', ours: serve(n, (f) => f.idleAnonMB), bare: serve(o, (f) => f.idleAnonMB), goal: '-', test: null },
    { figure: '  anonymous part, after load', unit: 'MB', ours: serve(n, (f) => f.loadedAnonMB), bare: serve(o, (f) => f.loadedAnonMB), goal: '-', test: null },
    { figure: 'bare node:http RSS idle', unit: 'MB', ours: bare(n, (f) => f.idleMB), bare: bare(o, (f) => f.idleMB), goal: '-', test: null },
    { figure: '/healthz req/s, 50 conns', unit: '/s', ours: serve(n, (f) => f.rps50), bare: serve(o, (f) => f.rps50), goal: '-', test: null },
    { figure: 'start to first answer', unit: 'ms', ours: n.start.ours, bare: o.start.ours, goal: '-', test: null },
    { figure: 'bare node:http start to first answer', unit: 'ms', ours: n.start.bare, bare: o.start.bare, goal: '-', test: null },
    { figure: 'CPU per probe run', unit: 'ms', ours: n.cpu.ours, bare: o.cpu.ours, goal: '-', test: null },
  ];
}

/** What the figures mean, under the tables. @param {number} clkTck @param {string} bigCmd */
export function legend(clkTck, bigCmd) {
  return [
    '',
    'ratio = exechealthz / bare; for p99 and ms lower is better (p99 goal: bare/ours >= 0.8). MB = 10^6 bytes, from /proc/PID/status.',
    'exechealthz runs with its default flags plus --port 0 --address 127.0.0.1: it logs its start and changes of state to',
    '  stderr, a pipe the bench drains; the -v 2 rows log a line per request as the Go tool did. CPU per request: the server\'s',
    '  utime+stime during the 50-connection load / requests served (robust to other load on the machine).',
    `CPU per probe: own + children CPU (ticks of 1/${clkTck} s) at --period 100ms / runs counted in exechealthz_check_runs_total;`,
    '  its baseline is a Node loop (bench/baselines/spawn-loop.mjs) that spawns the same `sh -c` with a stdout pipe and nothing else.',
    'Every executable runs from a copy in a scratch dir, written alike: file-backed RSS depends on how the file\'s pages',
    '  came into the page cache (the same executable idles ~10 MB higher as pkg wrote it); RssAnon is the private part.',
    `50 MB case: --cmd '${bigCmd}' --period 1s for 6 s while /healthz is probed; VmHWM against the same service's idle RSS.`,
    'For scale, the Go original on this machine: ~70k req/s at 50 conns, 5 MB idle / 12 MB loaded RSS, 7 ms to first answer,',
    '  1.6 ms CPU per probe, 379-669 MB peak RSS on the 50 MB case.',
  ].join('\n');
}
