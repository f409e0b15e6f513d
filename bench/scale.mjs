#!/usr/bin/env node
// @ts-check
// Scale section of the benchmark: cost per check and per probe run as the checks grow.
// exechealthz with 1, 10 and 100 checks (`--cmd true --url /cN --period 1s`) against the
// bare Node spawn loop (bench/baselines/spawn-loop.mjs) with as many loops, measured
// alternately in the same run: private memory (RssAnon, median of samples, so the GC's
// timing does not decide it) and CPU per run (utime+stime of the process and its reaped
// children, /proc/PID/stat), printed side by side as ratios. Not a test: a goal not met
// is a result, and the exit status is 0 whatever the figures.
//
//   node bench/scale.mjs --exe bin/ARCH/exechealthz [--node NODE] [--checks 1,10,100]
//     [--seconds 10] [--rounds 2] [--period-ms 1000] [--flags '--quiet' (default)] [--launcher sh]
//
// --launcher SH adds bench/baselines/launcher-loop.mjs (one long-lived SH starting every
// run) beside the spawn loop: the measurement behind the README's note on launchers.
// --node is the Node the baseline runs on: by default the one the executable embeds
// (.cache/node/VERSION/ARCH/node, as `make` fetched it), else the Node running this.
// --exe may also be a bundle (`dist/exechealthz.cjs`), then run with --node.
import { execFileSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { hostRow } from '../build/lib.mjs';
import { BenchError, BenchError as ScaleError, parseLongFlags } from './lib/args.mjs';
import { mustGet, runsTotal } from './lib/http.mjs';
import { live } from './lib/live.mjs';
import { runMain } from './lib/main.mjs';
import { CLK_TCK, memBytes, treeCpuSeconds } from './lib/proc.mjs';
import { median } from './lib/report.mjs';
import { startServed, stop as stopServed } from './lib/served.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = resolve(HERE, '..');
const LOOP = join(HERE, 'baselines', 'spawn-loop.mjs');
const LAUNCHER_LOOP = join(HERE, 'baselines', 'launcher-loop.mjs');
const USAGE =
  'usage: node bench/scale.mjs --exe EXECUTABLE|BUNDLE.cjs [--node NODE] [--checks 1,10,100] [--seconds 10] ' +
  "[--rounds 2] [--period-ms 1000] [--flags '--quiet'] [--launcher SH]";
/** Memory goal: RssAnon added per check between the two largest check counts. */
const GOAL_KIB_PER_CHECK = 64;
/** CPU goal: CPU per run against the spawn loop's. */
const GOAL_CPU_RATIO = 1.1;
/** Scrapes of /metrics after the window, 100 ms apart: the scrape-cost columns. */
const SCRAPES = 20;

export { BenchError as ScaleError };

/**
 * @typedef {{ exe: string, node: string, checks: number[], seconds: number, rounds: number,
 *   periodMs: number, flags: string[], launcher: string | undefined }} ScaleOptions
 */

/** @param {string[]} argv @returns {ScaleOptions} */
export function parseScaleArgs(argv) {
  const { values: o, num } = parseLongFlags(argv, ['exe', 'node', 'checks', 'seconds', 'rounds', 'period-ms', 'flags', 'launcher'], USAGE);
  if (o['exe'] === undefined) throw new ScaleError(USAGE, 2);
  const checks = (o['checks'] ?? '1,10,100').split(',').map(Number);
  if (checks.some((n) => !Number.isInteger(n) || n < 1 || n > 1000)) {
    throw new ScaleError(`--checks ${o['checks']}: want a comma-separated list of integers in 1..1000`, 2);
  }
  return {
    exe: o['exe'],
    node: o['node'] ?? defaultNode(),
    checks,
    seconds: num('seconds', 10, 2, 120),
    rounds: Math.round(num('rounds', 2, 1, 9)),
    periodMs: num('period-ms', 1000, 100, 10_000),
    // --quiet by default: the spawn loop logs nothing either; --flags '' measures the
    // service logging two lines per run.
    flags: (o['flags'] ?? '--quiet').split(/\s+/).filter((f) => f !== ''),
    launcher: o['launcher'],
  };
}

/** The Node this machine's executable embeds (its arch: build/arches.tsv), if `make` fetched it; else this Node. */
function defaultNode() {
  try {
    const lock = JSON.parse(readFileSync(join(ROOT, 'build', 'node.lock.json'), 'utf8'));
    const arch = hostRow((m) => {
      throw new Error(m);
    }).make;
    const version = lock.arches?.[arch]?.version || lock.version;
    const path = join(ROOT, '.cache', 'node', String(version), arch, 'node');
    if (existsSync(path)) return path;
  } catch {
    // no lock, no cache or no row for this machine: fall through
  }
  return process.execPath;
}

/** @param {string} name @param {string[]} argv */
const start = (name, argv) => startServed(name, argv, { live, timeoutMs: 30_000, fail: (m) => new ScaleError(m, 1) });
/** @param {import('./lib/served.mjs').Served} s */
const stop = (s) => stopServed(s, live, 10_000);

/**
 * RssAnon (median of samples every 250 ms) and CPU ms per run over `seconds`, after the
 * first runs and a warm-up.
 * @param {string} name @param {string[]} argv @param {number} checks @param {ScaleOptions} opt
 */
async function measure(name, argv, checks, opt) {
  const s = await start(name, argv);
  try {
    const deadline = Date.now() + 30_000;
    // Polled once a period, as a scraper would not poll ten times a second: each /metrics of
    // 100 checks is 150 KB, and its cost is measured on its own below.
    while ((await runsTotal(s, 30_000)) < checks * 2) {
      if (Date.now() > deadline) throw new ScaleError(`${name}: fewer than ${checks * 2} runs in 30 s`, 1);
      await sleep(opt.periodMs);
    }
    await sleep(opt.periodMs); // start-up garbage and the first runs' JIT are not a steady state
    const runs0 = await runsTotal(s, 30_000);
    const cpu0 = treeCpuSeconds(s.pid);
    const samples = [];
    const end = Date.now() + opt.seconds * 1000;
    while (Date.now() < end) {
      samples.push(memBytes(s.pid, 'RssAnon'));
      await sleep(250);
    }
    const cpu1 = treeCpuSeconds(s.pid);
    const runs1 = await runsTotal(s, 30_000);
    const runs = runs1 - runs0;
    if (runs <= 0) throw new ScaleError(`${name}: no run counted in ${opt.seconds} s`, 1);
    const anon = median(samples);
    // What a burst of scrapes leaves: SCRAPES of /metrics 100 ms apart, then RssAnon over 3 s.
    let bytes = 0;
    for (let i = 0; i < SCRAPES; i++) {
      bytes = (await mustGet(s, '/metrics', 30_000)).body.length;
      await sleep(100);
    }
    const after = [];
    for (const end = Date.now() + 3000; Date.now() < end; await sleep(250)) after.push(memBytes(s.pid, 'RssAnon'));
    return { anon, msPerRun: ((cpu1 - cpu0) * 1000) / runs, runs, scrapeBytes: bytes, afterScrapes: median(after) - anon };
  } finally {
    await stop(s);
  }
}

/** @param {string} path @param {string} what */
function need(path, what) {
  try {
    accessSync(path, constants.R_OK);
  } catch {
    throw new ScaleError(`${what} ${path} is missing: build it first (make build, make bundle)`, 2);
  }
}

const MB = (/** @type {number} */ b) => (b / 1e6).toFixed(2);
const KIB = (/** @type {number} */ b) => (b / 1024).toFixed(0);

/**
 * Runs the scale section and prints its table.
 * @param {ScaleOptions} opt
 * @param {(line: string) => void} [log] progress lines
 */
export async function runScale(opt, log = (line) => process.stderr.write(`${line}\n`)) {
  need(opt.exe, 'executable');
  need(opt.node, 'node');
  need(LOOP, 'baseline');
  const nodeVersion = execFileSync(opt.node, ['--version'], { encoding: 'utf8' }).trim();
  const ours = opt.exe.endsWith('.cjs') || opt.exe.endsWith('.js') ? [opt.node, resolve(opt.exe)] : [resolve(opt.exe)];
  /** @typedef {Awaited<ReturnType<typeof measure>>} Measured */
  /** @type {Map<number, { ours: Measured[], bare: Measured[], launcher: Measured[] }>} */
  const results = new Map();
  for (const n of opt.checks) results.set(n, { ours: [], bare: [], launcher: [] });
  const t0 = Date.now();
  for (let round = 1; round <= opt.rounds; round++) {
    for (const n of opt.checks) {
      const args = ['--port', '0', '--address', '127.0.0.1', '--period', `${opt.periodMs}ms`, ...opt.flags];
      for (let i = 0; i < n; i++) args.push('--cmd', 'true', '--url', `/c${i}`);
      const r = /** @type {{ ours: Measured[], bare: Measured[], launcher: Measured[] }} */ (results.get(n));
      const steps = [
        async () => {
          log(`scale round ${round}/${opt.rounds}: exechealthz, ${n} checks`);
          r.ours.push(await measure(`exechealthz (${n} checks)`, [...ours, ...args], n, opt));
        },
        async () => {
          log(`scale round ${round}/${opt.rounds}: spawn loop, ${n} loops`);
          r.bare.push(await measure(`spawn loop (${n})`, [opt.node, LOOP, String(n), String(opt.periodMs)], n, opt));
        },
      ];
      const sh = opt.launcher;
      if (sh !== undefined) {
        steps.push(async () => {
          log(`scale round ${round}/${opt.rounds}: launcher loop (${sh}), ${n} loops`);
          r.launcher.push(await measure(`launcher loop (${n})`, [opt.node, LAUNCHER_LOOP, String(n), String(opt.periodMs), sh], n, opt));
        });
      }
      for (const step of (round + n) % 2 === 0 ? steps : steps.reverse()) await step();
    }
  }

  const lines = [];
  lines.push(
    `scale: ${opt.checks.join(', ')} checks of \`--cmd true --period ${opt.periodMs}ms${opt.flags.length > 0 ? ` ${opt.flags.join(' ')}` : ''}\`, ` +
      `${opt.rounds} round(s) of ${opt.seconds} s each, alternating; ${opt.exe} vs the spawn loop on ${opt.node} (${nodeVersion})`,
  );
  const head = ['checks', 'RssAnon MB', 'loop MB', 'ratio', 'CPU ms/run', 'loop ms/run', 'ratio', 'runs', '/metrics KB', `+MB after ${SCRAPES} scrapes`];
  if (opt.launcher !== undefined) head.push('launcher ms/run', 'vs loop');
  const table = [head];
  /** @type {Map<number, { ours: number, bare: number }>} */
  const anonAt = new Map();
  for (const n of opt.checks) {
    const r = /** @type {{ ours: Measured[], bare: Measured[], launcher: Measured[] }} */ (results.get(n));
    const oa = median(r.ours.map((x) => x.anon));
    const ba = median(r.bare.map((x) => x.anon));
    const oc = median(r.ours.map((x) => x.msPerRun));
    const bc = median(r.bare.map((x) => x.msPerRun));
    anonAt.set(n, { ours: oa, bare: ba });
    const cpuGoal = n >= 10 ? (oc / bc <= GOAL_CPU_RATIO ? ' ok' : ` MISSED (goal <= ${GOAL_CPU_RATIO})`) : ' (few runs)';
    table.push([
      String(n),
      MB(oa),
      MB(ba),
      (oa / ba).toFixed(2),
      oc.toFixed(2),
      bc.toFixed(2),
      (oc / bc).toFixed(2) + cpuGoal,
      `${r.ours.map((x) => x.runs).join('/')} vs ${r.bare.map((x) => x.runs).join('/')}`,
      (median(r.ours.map((x) => x.scrapeBytes)) / 1000).toFixed(1),
      `${MB(median(r.ours.map((x) => x.afterScrapes)))} (loop ${MB(median(r.bare.map((x) => x.afterScrapes)))})`,
    ]);
    if (opt.launcher !== undefined) {
      const lc = median(r.launcher.map((x) => x.msPerRun));
      table[table.length - 1].push(lc.toFixed(2), (lc / bc).toFixed(2));
    }
  }
  const widths = head.map((_, i) => Math.max(...table.map((row) => (row[i] ?? '').length)));
  for (const row of table) lines.push(row.map((c, i) => c.padEnd(widths[i])).join('  ').trimEnd());
  const sorted = [...opt.checks].sort((a, b) => a - b);
  if (sorted.length >= 2) {
    const lo = sorted[sorted.length - 2];
    const hi = sorted[sorted.length - 1];
    const a = /** @type {{ ours: number, bare: number }} */ (anonAt.get(lo));
    const b = /** @type {{ ours: number, bare: number }} */ (anonAt.get(hi));
    const per = (b.ours - a.ours) / (hi - lo);
    const perBare = (b.bare - a.bare) / (hi - lo);
    lines.push(
      `RssAnon per added check, ${lo} -> ${hi} checks: exechealthz ${KIB(per)} KiB, spawn loop ${KIB(perBare)} KiB; ` +
        `goal <= ${GOAL_KIB_PER_CHECK} KiB: ${per <= GOAL_KIB_PER_CHECK * 1024 ? 'ok' : 'MISSED'}`,
    );
  }
  lines.push(
    `RssAnon: median of samples every 250 ms over the window; +MB after ${SCRAPES} scrapes: RssAnon's median over 3 s after ` +
      `${SCRAPES} GETs of /metrics 100 ms apart, less the window's; CPU per run: utime+stime+cutime+cstime of the process ` +
      `(ticks of 1/${CLK_TCK} s) over the window / runs counted on /metrics; ratio = exechealthz / spawn loop. ` +
      `took ${Math.round((Date.now() - t0) / 1000)} s`,
  );
  return lines.join('\n');
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  runMain(async () => {
    console.log(await runScale(parseScaleArgs(process.argv.slice(2))));
  });
}
