#!/usr/bin/env node
// @ts-check
// The benchmark (not a test): exechealthz against a bare node:http server
// answering `ok`, on the same Node, measured alternately in the same run, medians of
// rounds, printed as ratios. Run it with `make bench` (or `npm run bench`), which builds
// what it needs and installs wrk.
//
//   node bench/bench.mjs --exe bin/ARCH/exechealthz --sea-node .cache/node/VERSION/ARCH/node \
//     --bundle dist/exechealthz.cjs [--exe-old EXE --sea-node-old NODE] [--node NODE] [--rounds 3]
//     [--seconds 4] [--cpu-seconds 8] [--only sea,sea-old,bundle]
//
// --exe-old/--sea-node-old: the same bundle made an executable on an older Node line (the
// oldest one an arch's image embeds, build/node.lock.json's compare entry), measured in the same rounds against a bare server
// on that Node; a last table puts the two executables side by side.
//
// Exit 0 whatever the figures (a goal not met is a result); 2 with one line when a
// prerequisite is missing; 1 with one line when a process fails to start or answer.
import { spawn, execFileSync } from 'node:child_process';
import { accessSync, chmodSync, constants, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { failLine } from '../build/lib.mjs';
import { BenchError as Fatal, parseLongFlags } from './lib/args.mjs';
import { lastLine, startServed as startServedAs } from './lib/served.mjs';

// ---- command line ------------------------------------------------------------------

const USAGE =
  'usage: node bench/bench.mjs --exe EXECUTABLE --sea-node NODE_OF_EXECUTABLE --bundle dist/exechealthz.cjs ' +
  '[--exe-old EXE --sea-node-old NODE] [--node NODE] [--rounds N] [--seconds S] [--cpu-seconds S] [--only sea,sea-old,bundle]';

/** @param {string[]} argv */
function parseArgs(argv) {
  const { values: o, num } = parseLongFlags(
    argv,
    ['exe', 'sea-node', 'exe-old', 'sea-node-old', 'bundle', 'node', 'rounds', 'seconds', 'cpu-seconds', 'only'],
    USAGE,
  );
  const only = o['only']?.split(',');
  for (const k of only ?? []) if (!['sea', 'sea-old', 'bundle'].includes(k)) throw new Fatal(`--only ${o['only']}: want a list of sea, sea-old, bundle`, 2);
  if ((o['exe-old'] === undefined) !== (o['sea-node-old'] === undefined)) throw new Fatal('--exe-old and --sea-node-old go together', 2);
  return {
    exe: o['exe'],
    seaNode: o['sea-node'],
    exeOld: o['exe-old'],
    seaNodeOld: o['sea-node-old'],
    bundle: o['bundle'],
    node: o['node'] ?? process.execPath,
    rounds: Math.round(num('rounds', 3, 1, 9)),
    seconds: num('seconds', 4, 1, 30),
    cpuSeconds: num('cpu-seconds', 8, 2, 60),
    only,
  };
}

// ---- processes -------------------------------------------------------------------

/** Every child still running, killed on any exit of the bench. */
const live = new Set(/** @type {import('node:child_process').ChildProcess[]} */ ([]));
let scratch = '';

function cleanUp() {
  for (const child of live) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
  live.clear();
  if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  scratch = '';
}
process.on('exit', cleanUp);
for (const sig of /** @type {const} */ (['SIGINT', 'SIGTERM', 'SIGHUP'])) {
  process.on(sig, () => {
    cleanUp();
    process.stderr.write(`${failLine(`interrupted by ${sig}`)}\n`);
    process.exit(1);
  });
}

/** @typedef {import('./lib/served.mjs').Served} Served */

/** @param {string} name @param {string[]} argv */
const startServed = (name, argv) => startServedAs(name, argv, { live, timeoutMs: 15_000, fail: (m) => new Fatal(m, 1) });

/** SIGTERM, then SIGKILL after 7 s (the service's grace is 5 s); resolves once it is gone. @param {Served} s */
async function stop(s) {
  const { child } = s;
  if (child.exitCode !== null || child.signalCode !== null) {
    live.delete(child);
    return;
  }
  const gone = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  const killer = setTimeout(() => child.kill('SIGKILL'), 7000);
  await gone;
  clearTimeout(killer);
  live.delete(child);
}

/**
 * One GET on loopback; resolves status and body. @param {number} port @param {string} path
 * @returns {Promise<{ status: number, body: string }>}
 */
function get(port, path) {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: 5000 }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('timed out after 5 s')));
    req.on('error', rej);
    req.end();
  });
}

/** @param {Served} s @param {string} path */
async function mustGet(s, path) {
  try {
    return await get(s.port, path);
  } catch (err) {
    throw new Fatal(`${s.name}: GET ${path} failed: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
}

/** Polls until the path answers 200 (bounded). @param {Served} s @param {string} path */
async function waitHealthy(s, path) {
  for (let i = 0; i < 100; i++) {
    const { status } = await mustGet(s, path);
    if (status === 200) return;
    await sleep(50);
  }
  throw new Fatal(`${s.name}: ${path} did not answer 200 within 5 s`, 1);
}

// ---- /proc figures -----------------------------------------------------------------

/** Starts per round and side for the start-to-first-answer figure (each costs ~0.2 s). */
const START_SAMPLES = 5;

/** Ticks per second of /proc/PID/stat (USER_HZ, 100 on Linux whatever getconf can say). */
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** kB of VmRSS / VmHWM / RssAnon as MB (10^6 bytes). @param {number} pid @param {'VmRSS'|'VmHWM'|'RssAnon'} field */
function memMB(pid, field) {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  if (m === null) throw new Fatal(`no ${field} in /proc/${pid}/status`, 1);
  return (Number(m[1]) * 1024) / 1e6;
}

/** CPU seconds of the process and its waited-for children. @param {number} pid */
function cpuSeconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  // Fields 14-17 (utime stime cutime cstime); f[0] is field 3.
  const ticks = Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
  return ticks / CLK_TCK;
}

function loadavg() {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

// ---- wrk -----------------------------------------------------------------------------

/**
 * @param {number} port @param {number} conns @param {number} seconds
 * @returns {Promise<{ rps: number, p99ms: number, requests: number, non2xx: number, errors: string }>}
 */
function wrk(port, conns, seconds) {
  return new Promise((res, rej) => {
    const child = spawn('wrk', ['-t2', `-c${conns}`, `-d${seconds}s`, '--latency', '--timeout', '5s', `http://127.0.0.1:${port}/healthz`], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    live.add(child);
    let out = '';
    child.stdout?.on('data', (c) => (out += c));
    child.stderr?.on('data', (c) => (out += c));
    const killer = setTimeout(() => child.kill('SIGKILL'), (seconds + 20) * 1000);
    child.on('error', (err) => {
      clearTimeout(killer);
      live.delete(child);
      rej(new Fatal(`wrk could not start: ${err.message}`, 1));
    });
    child.on('exit', (code) => {
      clearTimeout(killer);
      live.delete(child);
      const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
      const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
      if (code !== 0 || rps === null || p99 === null) {
        rej(new Fatal(`wrk -c${conns} failed (status ${code}): ${lastLine(out)}`, 1));
        return;
      }
      const unit = { us: 1e-3, ms: 1, s: 1e3 }[/** @type {'us'|'ms'|'s'} */ (p99[2])];
      const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
      const errors = /Socket errors:.*$/m.exec(out);
      const total = /(\d+) requests in/.exec(out);
      res({
        rps: Number(rps[1]),
        p99ms: Number(p99[1]) * unit,
        requests: total === null ? 0 : Number(total[1]),
        non2xx: non2xx === null ? 0 : Number(non2xx[1]),
        errors: errors?.[0] ?? '',
      });
    });
  });
}

// ---- the bare baselines, written to a scratch dir as CommonJS like the bundle ----------

// Answers `ok` with the service's own headers, so both send the same bytes per answer.
const BARE_SERVER = `'use strict';
const http = require('node:http');
const server = http.createServer((req, res) => {
  res.writeHead(200, { 'Content-Type': 'text/plain; charset=utf-8', 'Content-Length': 2, 'X-Content-Type-Options': 'nosniff' });
  res.end('ok');
});
server.listen(0, '127.0.0.1', () => process.stderr.write('listening on 127.0.0.1:' + server.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

// The least a Node program does per probe: spawn sh -c CMD with a stdout pipe, read it,
// wait for the exit; next start a period after the previous start. /runs says how many.
const SPAWN_LOOP = `'use strict';
const http = require('node:http');
const { spawn } = require('node:child_process');
const period = Number(process.argv[2]);
let runs = 0;
function run() {
  const started = Date.now();
  const child = spawn('sh', ['-c', 'exec 2>&1; echo healthz'], { stdio: ['ignore', 'pipe', 'ignore'] });
  child.stdout.on('data', () => {});
  child.on('close', () => {
    runs += 1;
    setTimeout(run, Math.max(0, started + period - Date.now()));
  });
}
run();
const server = http.createServer((req, res) => res.end('exechealthz_check_runs_total{url="/healthz",result="success"} ' + runs + '\\n'));
server.listen(0, '127.0.0.1', () => process.stderr.write('listening on 127.0.0.1:' + server.address().port + '\\n'));
process.on('SIGTERM', () => process.exit(0));
`;

// ---- measurements ----------------------------------------------------------------------

/**
 * @typedef {{ idleMB: number, idleAnonMB: number, loadedAnonMB: number, rps50: number, p99at50: number, cpuPerReq50: number, rps200: number,
 *   p99at200: number, loadedMB: number, peakLoadMB: number, notes: string[] }} ServeFigures
 */

/**
 * Idle RSS, load at 50 and 200 connections (with the server's CPU per request), RSS after load.
 * @param {string} name @param {string[]} argv @param {number} seconds
 * @returns {Promise<ServeFigures>}
 */
async function measureServe(name, argv, seconds) {
  const s = await startServed(name, argv);
  try {
    /** @type {string[]} */
    const notes = [];
    await waitHealthy(s, '/healthz');
    await sleep(2000);
    const idleMB = memMB(s.pid, 'VmRSS');
    const idleAnonMB = memMB(s.pid, 'RssAnon');
    await wrk(s.port, 50, 1); // warm-up: JIT and buffers, for both alike
    const cpu0 = cpuSeconds(s.pid);
    const at50 = await wrk(s.port, 50, seconds);
    const cpuPerReq50 = ((cpuSeconds(s.pid) - cpu0) * 1e6) / Math.max(1, at50.requests);
    const at200 = await wrk(s.port, 200, seconds);
    for (const r of [at50, at200]) {
      if (r.non2xx > 0) notes.push(`${r.non2xx} non-2xx answers under load`);
      if (r.errors !== '') notes.push(r.errors);
    }
    const loadedMB = memMB(s.pid, 'VmRSS');
    const peakLoadMB = memMB(s.pid, 'VmHWM');
    const loadedAnonMB = memMB(s.pid, 'RssAnon');
    return { idleMB, idleAnonMB, loadedAnonMB, rps50: at50.rps, p99at50: at50.p99ms, cpuPerReq50, rps200: at200.rps, p99at200: at200.p99ms, loadedMB, peakLoadMB, notes };
  } finally {
    await stop(s);
  }
}

/**
 * A copy of an executable in the scratch dir, written like every other one the bench runs.
 * File-backed RSS depends on how a file's pages came into the page cache (large folios):
 * the very same executable idles at ~42 MB run from a copy and ~52-54 MB as pkg or postject
 * wrote it. Copying every binary alike keeps that out of the ratios.
 * @param {string} path @param {string} name
 */
function stage(path, name) {
  const out = join(scratch, name);
  copyFileSync(path, out);
  chmodSync(out, 0o755);
  return out;
}

/**
 * The bare server made a single executable the way the service's is (same Node, blob without
 * snapshot or code cache, injected by postject): shows what the format itself costs.
 * Returns its path, or a reason it could not be made (the row is then left out).
 * @param {string} node @param {string} bareFile @returns {Promise<{ path: string } | { why: string }>}
 */
async function makeBareSea(node, bareFile) {
  const blob = join(scratch, 'bare.blob');
  const config = join(scratch, 'sea-config.json');
  const out = join(scratch, 'bare-sea');
  writeFileSync(config, JSON.stringify({ main: bareFile, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false }));
  try {
    execFileSync(node, ['--experimental-sea-config', config], { stdio: 'ignore' });
    copyFileSync(node, out);
    chmodSync(out, 0o755);
    const { inject } = createRequire(join(process.cwd(), 'package.json'))('postject');
    // postject's LIEF warns about note sections it rewrites; that line is noise here.
    const write = process.stderr.write.bind(process.stderr);
    process.stderr.write = (/** @type {string | Uint8Array} */ chunk, /** @type {never[]} */ ...rest) =>
      /^warning: /.test(String(chunk)) ? true : write(chunk, ...rest);
    try {
      // The fuse postject flips, written split so this file never contains it whole.
      await inject(out, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: 'NODE_SEA' + '_FUSE_fce680ab2cc467b6e072b8b5df1996b2', overwrite: true });
    } finally {
      process.stderr.write = write;
    }
    return { path: stage(out, 'bare-sea-run') };
  } catch (err) {
    return { why: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}

/**
 * Spawn -> first HTTP response on /healthz (any status), in ms; the process is killed after.
 * @param {string} name @param {string[]} argv
 */
async function measureStart(name, argv) {
  const s = await startServed(name, argv);
  try {
    await mustGet(s, '/healthz');
    return performance.now() - s.spawnedAt;
  } finally {
    await stop(s);
  }
}

/** Sum of exechealthz_check_runs_total over all labels. @param {Served} s */
async function runsTotal(s) {
  const { status, body } = await mustGet(s, '/metrics');
  if (status !== 200) throw new Fatal(`${s.name}: /metrics answered ${status}`, 1);
  let n = 0;
  let seen = false;
  for (const m of body.matchAll(/^exechealthz_check_runs_total\{[^}]*\} (\d+)$/gm)) {
    n += Number(m[1]);
    seen = true;
  }
  if (!seen) throw new Fatal(`${s.name}: /metrics has no exechealthz_check_runs_total`, 1);
  return n;
}

/**
 * CPU ms (own + children) per probe run over `seconds` at --period 100ms.
 * @param {string} name @param {string[]} argv @param {number} seconds
 */
async function measureCpu(name, argv, seconds) {
  const s = await startServed(name, argv);
  try {
    await sleep(1000); // past start-up, whose CPU is not a probe's
    const cpu0 = cpuSeconds(s.pid);
    const runs0 = await runsTotal(s);
    await sleep(seconds * 1000);
    const runs1 = await runsTotal(s);
    const cpu1 = cpuSeconds(s.pid);
    const runs = runs1 - runs0;
    if (runs <= 0) throw new Fatal(`${name}: no probe run counted in ${seconds} s`, 1);
    return { msPerRun: ((cpu1 - cpu0) * 1000) / runs, runs };
  } finally {
    await stop(s);
  }
}

/**
 * Peak RSS (VmHWM) while a failing command prints 50 MB per run.
 * @param {string} name @param {string[]} argv
 */
async function measureBigOutput(name, argv) {
  const s = await startServed(name, argv);
  try {
    let answers = 0;
    // Probes as a kubelet would, while the runs stream 50 MB each.
    for (let i = 0; i < 12; i++) {
      await sleep(500);
      const { status } = await mustGet(s, '/healthz');
      if (status === 503) answers += 1;
    }
    const runs = await runsTotal(s);
    if (runs < 3) throw new Fatal(`${name}: only ${runs} runs of the 50 MB command in 6 s`, 1);
    return { peakMB: memMB(s.pid, 'VmHWM'), runs, answers };
  } finally {
    await stop(s);
  }
}

// ---- report ------------------------------------------------------------------------------

/** @param {number[]} xs */
function median(xs) {
  const a = [...xs].sort((p, q) => p - q);
  const mid = Math.floor(a.length / 2);
  return a.length % 2 === 1 ? a[mid] : (a[mid - 1] + a[mid]) / 2;
}

/** @param {number} n */
function fmt(n) {
  if (n >= 10000) return n.toFixed(0);
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  return n.toFixed(2);
}

/** Each value, or for many samples their count and range. @param {number[]} xs */
function spread(xs) {
  return xs.length <= 5 ? xs.map(fmt).join(' ') : `${xs.length}x ${fmt(Math.min(...xs))}..${fmt(Math.max(...xs))}`;
}

/**
 * @typedef {{ figure: string, unit: string, ours: number[], bare: number[], goal: string,
 *   test: ((ratio: number) => boolean) | null }} Row
 */

/** @param {string} title @param {Row[]} rows */
function printTable(title, rows) {
  const head = ['figure', 'exechealthz', 'bare', 'ratio', 'goal', 'verdict', 'rounds (exechealthz | bare)'];
  const body = rows.map((r) => {
    const o = median(r.ours);
    const b = median(r.bare);
    const ratio = o / b;
    const verdict = r.test === null ? 'info' : r.test(ratio) ? 'met' : 'NOT MET';
    return [
      r.figure,
      `${fmt(o)} ${r.unit}`,
      `${fmt(b)} ${r.unit}`,
      ratio.toFixed(2),
      r.goal,
      verdict,
      `${spread(r.ours)} | ${spread(r.bare)}`,
    ];
  });
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((row) => row[i].length)));
  const line = (/** @type {string[]} */ cells) => cells.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd();
  console.log(`\n${title}`);
  console.log(line(head));
  console.log(line(widths.map((w) => '-'.repeat(w))));
  for (const row of body) console.log(line(row));
}

/** @param {string} path @param {string} what @param {boolean} exec */
function need(path, what, exec) {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    accessSync(path, exec ? constants.X_OK : constants.R_OK);
  } catch {
    throw new Fatal(`missing ${what}: ${path} (make bench builds it)`, 2);
  }
}

function onPath(/** @type {string} */ cmd) {
  return (process.env['PATH'] ?? '').split(delimiter).some((d) => {
    try {
      accessSync(join(d, cmd), constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

async function main() {
  const opt = parseArgs(process.argv.slice(2));
  if (opt.exe === undefined || opt.seaNode === undefined || opt.bundle === undefined) throw new Fatal(USAGE, 2);
  need(opt.exe, 'executable', true);
  need(opt.seaNode, "the executable's Node (its bare baseline)", true);
  need(opt.bundle, 'bundle', false);
  need(opt.node, 'node', true);
  if (opt.exeOld !== undefined) need(opt.exeOld, 'older-line executable', true);
  if (opt.seaNodeOld !== undefined) need(opt.seaNodeOld, "the older-line executable's Node", true);
  if (!onPath('wrk')) throw new Fatal('wrk is not on PATH: apt-get install -y wrk (make bench does it)', 2);
  if (!onPath('sh')) throw new Fatal('sh is not on PATH', 2);

  scratch = mkdtempSync(join(tmpdir(), 'exechealthz-bench-'));
  const bareFile = join(scratch, 'bare-server.cjs');
  const loopFile = join(scratch, 'spawn-loop.cjs');
  writeFileSync(bareFile, BARE_SERVER);
  writeFileSync(loopFile, SPAWN_LOOP);

  const seaNodeVersion = execFileSync(opt.seaNode, ['--version'], { encoding: 'utf8' }).trim();
  const nodeVersion = execFileSync(opt.node, ['--version'], { encoding: 'utf8' }).trim();
  const oldNodeVersion = opt.seaNodeOld === undefined ? '' : execFileSync(opt.seaNodeOld, ['--version'], { encoding: 'utf8' }).trim();
  const systemNode = opt.only !== undefined && !opt.only.includes('bundle') ? opt.node : stage(opt.node, 'node');
  const serveFlags = ['--port', '0', '--address', '127.0.0.1'];
  const bigCmd = 'head -c 50000000 /dev/zero; exit 1';

  const subjects = [
    {
      key: 'sea',
      title: `single executable ${opt.exe} (embedded Node ${seaNodeVersion}) vs bare node:http on ${opt.seaNode}`,
      ours: [stage(opt.exe, 'exechealthz')],
      node: stage(opt.seaNode, 'node-of-executable'),
    },
    ...(opt.exeOld !== undefined && opt.seaNodeOld !== undefined ? [{
      key: 'sea-old',
      title: `single executable ${opt.exeOld} (embedded Node ${oldNodeVersion}) vs bare node:http on ${opt.seaNodeOld}`,
      ours: [stage(opt.exeOld, 'exechealthz-old')],
      node: stage(opt.seaNodeOld, 'node-of-old-executable'),
    }] : []),
    {
      key: 'bundle',
      title: `${opt.node} ${opt.bundle} (Node ${nodeVersion}, context) vs bare node:http on the same node`,
      ours: [systemNode, resolve(opt.bundle)],
      node: systemNode,
    },
  ].filter((s) => opt.only === undefined || opt.only.includes(s.key));

  const bareSea = subjects.some((x) => x.key === 'sea') ? await makeBareSea(resolve(opt.seaNode), bareFile) : undefined;

  const load0 = loadavg();
  const t0 = Date.now();
  console.log(
    `exechealthz bench: ${opt.rounds} rounds, alternating exechealthz and bare (order flips each round), ` +
      `wrk -t2 ${opt.seconds}s per figure, CPU over ${opt.cpuSeconds}s at --period 100ms; ` +
      `${(await import('node:os')).cpus().length} CPUs; loadavg at start ${load0}`,
  );

  /**
   * @typedef {{ serve: { ours: ServeFigures[], verbose: ServeFigures[], bare: ServeFigures[] },
   *   start: { ours: number[], bare: number[] }, cpu: { ours: number[], bare: number[] },
   *   bareSea: ServeFigures[], big: number[], bigIdle: number[], notes: Set<string> }} Results
   */
  /** @type {Map<string, Results>} */
  const results = new Map();
  /** @type {string[]} */
  const loads = [];
  for (const s of subjects) {
    results.set(s.key, {
      serve: { ours: [], verbose: [], bare: [] },
      start: { ours: [], bare: [] },
      cpu: { ours: [], bare: [] },
      bareSea: [],
      big: [],
      bigIdle: [],
      notes: new Set(),
    });
  }
  /** @param {string} key */
  const resultsOf = (key) => /** @type {Results} */ (results.get(key));
  /** @param {number} round @param {string} key @param {string} what */
  const say = (round, key, what) => process.stderr.write(`round ${round}/${opt.rounds} ${key}: ${what}\n`);

  for (let round = 1; round <= opt.rounds; round++) {
    const oursFirst = round % 2 === 1;
    for (const s of subjects) {
      const r = resultsOf(s.key);
      /** @param {'ours'|'verbose'|'bare'} which @param {string} name @param {string[]} argv */
      const serve = (which, name, argv) => async () => {
        say(round, s.key, `${name} under load`);
        const f = await measureServe(`${name} (${s.key})`, argv, opt.seconds);
        r.serve[which].push(f);
        for (const n of f.notes) r.notes.add(`${name}: ${n}`);
      };
      const serveSteps = [
        serve('ours', 'exechealthz', [...s.ours, ...serveFlags]),
        serve('verbose', 'exechealthz -v 2', [...s.ours, ...serveFlags, '-v', '2']),
        serve('bare', 'bare node:http', [s.node, bareFile]),
      ];
      if (s.key === 'sea' && bareSea !== undefined && 'path' in bareSea) {
        const bareSeaPath = bareSea.path;
        serveSteps.push(async () => {
          say(round, s.key, 'bare node:http as a single executable under load');
          const f = await measureServe('bare node:http SEA', [bareSeaPath], opt.seconds);
          r.bareSea.push(f);
          for (const n of f.notes) r.notes.add(`bare node:http SEA: ${n}`);
        });
      }
      for (const step of oursFirst ? serveSteps : serveSteps.reverse()) await step();

      say(round, s.key, `start to first answer, ${START_SAMPLES} starts each`);
      for (let i = 0; i < START_SAMPLES; i++) {
        const startSteps = [
          async () => r.start.ours.push(await measureStart(`exechealthz (${s.key})`, [...s.ours, ...serveFlags])),
          async () => r.start.bare.push(await measureStart(`bare node:http (${s.key})`, [s.node, bareFile])),
        ];
        for (const step of (i + round) % 2 === 0 ? startSteps : startSteps.reverse()) await step();
      }

      const cpuSteps = [
        async () => {
          say(round, s.key, 'exechealthz CPU per probe');
          const c = await measureCpu(`exechealthz (${s.key})`, [...s.ours, ...serveFlags, '--period', '100ms'], opt.cpuSeconds);
          r.cpu.ours.push(c.msPerRun);
        },
        async () => {
          say(round, s.key, 'Node spawn loop CPU per probe');
          const c = await measureCpu(`spawn loop (${s.key})`, [s.node, loopFile, '100'], opt.cpuSeconds);
          r.cpu.bare.push(c.msPerRun);
        },
      ];
      for (const step of oursFirst ? cpuSteps : cpuSteps.reverse()) await step();

      say(round, s.key, 'exechealthz with 50 MB output per run');
      const big = await measureBigOutput(`exechealthz (${s.key}, 50 MB)`, [...s.ours, ...serveFlags, '--cmd', bigCmd, '--period', '1s']);
      r.big.push(big.peakMB);
      r.bigIdle.push(r.serve.ours[r.serve.ours.length - 1].idleMB);
      loads.push(loadavg().split(' ')[0]);
    }
  }

  for (const s of subjects) {
    const r = resultsOf(s.key);
    /** @param {(f: ServeFigures) => number} pick */
    const col = (pick) => ({ ours: r.serve.ours.map(pick), bare: r.serve.bare.map(pick) });
    /** @param {(f: ServeFigures) => number} pick */
    const colSea = (pick) => ({ ours: r.serve.ours.map(pick), bare: r.bareSea.map(pick) });
    /** @param {(f: ServeFigures) => number} pick */
    const colVerbose = (pick) => ({ ours: r.serve.verbose.map(pick), bare: r.serve.bare.map(pick) });
    /** @type {(x: number) => boolean} */
    const atLeast08 = (x) => x >= 0.8;
    /** @type {(x: number) => boolean} */
    const atLeast09 = (x) => x >= 0.9;
    /** @type {(x: number) => boolean} */
    const atMost125 = (x) => x <= 1.25;
    /** @type {Row[]} */
    const rows = [
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
      { figure: `start to first answer (${START_SAMPLES}/round)`, unit: 'ms', ours: r.start.ours, bare: r.start.bare, goal: '<= 1.00', test: (x) => x <= 1.0 },
      { figure: 'CPU per probe run (vs Node spawn loop)', unit: 'ms', ours: r.cpu.ours, bare: r.cpu.bare, goal: '-', test: null },
      { figure: 'peak RSS, 50 MB/run (vs own idle)', unit: 'MB', ours: r.big, bare: r.bigIdle, goal: '<= 1.20', test: (x) => x <= 1.2 },
    ];
    const subject = subjects.find((x) => x.key === s.key);
    printTable(/** @type {{ title: string }} */ (subject).title, rows);
    if (s.key === 'sea' && bareSea !== undefined && 'why' in bareSea) r.notes.add(`no bare SEA row: ${bareSea.why}`);
    if (r.notes.size > 0) console.log(`notes: ${[...r.notes].join('; ')}`);
  }
  if (results.has('sea') && results.has('sea-old')) {
    // The two lines side by side: "ratio" here is the newer line's executable / the older one's.
    const n = resultsOf('sea');
    const o = resultsOf('sea-old');
    /** @param {Results} r @param {(f: ServeFigures) => number} pick */
    const serve = (r, pick) => r.serve.ours.map(pick);
    /** @param {Results} r @param {(f: ServeFigures) => number} pick */
    const bare = (r, pick) => r.serve.bare.map(pick);
    /** @type {Row[]} */
    const rows = [
      { figure: 'executable size', unit: 'MB', ours: [statSync(opt.exe).size / 1e6], bare: [statSync(/** @type {string} */ (opt.exeOld)).size / 1e6], goal: '-', test: null },
      { figure: 'RSS idle', unit: 'MB', ours: serve(n, (f) => f.idleMB), bare: serve(o, (f) => f.idleMB), goal: '-', test: null },
      { figure: 'RSS after load', unit: 'MB', ours: serve(n, (f) => f.loadedMB), bare: serve(o, (f) => f.loadedMB), goal: '-', test: null },
      { figure: '  anonymous part (RssAnon), idle', unit: 'MB', ours: serve(n, (f) => f.idleAnonMB), bare: serve(o, (f) => f.idleAnonMB), goal: '-', test: null },
      { figure: '  anonymous part, after load', unit: 'MB', ours: serve(n, (f) => f.loadedAnonMB), bare: serve(o, (f) => f.loadedAnonMB), goal: '-', test: null },
      { figure: 'bare node:http RSS idle', unit: 'MB', ours: bare(n, (f) => f.idleMB), bare: bare(o, (f) => f.idleMB), goal: '-', test: null },
      { figure: '/healthz req/s, 50 conns', unit: '/s', ours: serve(n, (f) => f.rps50), bare: serve(o, (f) => f.rps50), goal: '-', test: null },
      { figure: `start to first answer`, unit: 'ms', ours: n.start.ours, bare: o.start.ours, goal: '-', test: null },
      { figure: 'bare node:http start to first answer', unit: 'ms', ours: n.start.bare, bare: o.start.bare, goal: '-', test: null },
      { figure: 'CPU per probe run', unit: 'ms', ours: n.cpu.ours, bare: o.cpu.ours, goal: '-', test: null },
    ];
    printTable(`Node lines side by side, ratio = newer / older: ${opt.exe} (Node ${seaNodeVersion}) in the "exechealthz" column, ${opt.exeOld} (Node ${oldNodeVersion}) in the "bare" column`, rows);
  }
  console.log(
    [
      '',
      'ratio = exechealthz / bare; for p99 and ms lower is better (p99 goal: bare/ours >= 0.8). MB = 10^6 bytes, from /proc/PID/status.',
      'exechealthz runs with its default flags plus --port 0 --address 127.0.0.1: it logs its start and changes of state to',
      '  stderr, a pipe the bench drains; the -v 2 rows log a line per request as the Go tool did. CPU per request: the server\'s',
      '  utime+stime during the 50-connection load / requests served (robust to other load on the machine).',
      `CPU per probe: own + children CPU (ticks of 1/${CLK_TCK} s) at --period 100ms / runs counted in exechealthz_check_runs_total;`,
      '  its baseline is a Node loop that spawns the same `sh -c` with a stdout pipe and nothing else.',
      'Every executable runs from a copy in a scratch dir, written alike: file-backed RSS depends on how the file\'s pages',
      '  came into the page cache (the same executable idles ~10 MB higher as pkg wrote it); RssAnon is the private part.',
      `50 MB case: --cmd '${bigCmd}' --period 1s for 6 s while /healthz is probed; VmHWM against the same service's idle RSS.`,
      'For scale, the Go original on this machine: ~70k req/s at 50 conns, 5 MB idle / 12 MB loaded RSS, 7 ms to first answer,',
      '  1.6 ms CPU per probe, 379-669 MB peak RSS on the 50 MB case.',
    ].join('\n'),
  );
  // The scale section (bench/scale.mjs): 1, 10, 100 checks vs the bare spawn loop on the
  // executable's Node, whenever the executable is among the subjects.
  const scale = await import('./scale.mjs');
  if (opt.only === undefined || opt.only.includes('sea')) console.log(`\n${await scale.runScale(scale.parseScaleArgs(['--exe', opt.exe, '--node', opt.seaNode]))}\n`);
  console.log(`loadavg: start ${load0}; 1-min after each round/subject ${loads.join(' ')}; end ${loadavg()}; took ${Math.round((Date.now() - t0) / 1000)} s`);
}

main().then(
  () => {
    cleanUp();
    process.exit(0);
  },
  (err) => {
    cleanUp();
    if (err instanceof Fatal) {
      process.stderr.write(`${failLine(err.message)}\n`);
      process.exit(err.code);
    }
    process.stderr.write(`${failLine(String(err instanceof Error ? err.message : err).split('\n')[0] ?? '')}\n`);
    process.exit(1);
  },
);
