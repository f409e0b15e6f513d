// @ts-check
// The measurements of one subject (the service, or a baseline): each starts the process,
// measures one thing on it and stops it, whatever happens.
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './args.mjs';
import { mustGet, runsTotal, waitHealthy } from './http.mjs';
import { live } from './live.mjs';
import { cpuSeconds, memBytes } from './proc.mjs';
import { startServed, stop as stopServed } from './served.mjs';
import { runWrk } from './wrk.mjs';

/** @typedef {import('./served.mjs').Served} Served */

/** @param {string} name @param {string[]} argv */
const start = (name, argv) => startServed(name, argv, { live, timeoutMs: 15_000, fail: (m) => new BenchError(m, 1) });
/** The service's grace is 5 s. @param {Served} s */
const stop = (s) => stopServed(s, live, 7000);

/** A memory field in MB (10^6 bytes). @param {number} pid @param {import('../../test/helpers/proc.cjs').MemField} field */
const memMB = (pid, field) => memBytes(pid, field) / 1e6;

/**
 * @typedef {{ idleMB: number, idleAnonMB: number, loadedAnonMB: number, rps50: number, p99at50: number, cpuPerReq50: number, rps200: number,
 *   p99at200: number, loadedMB: number, peakLoadMB: number, notes: string[] }} ServeFigures
 */

/**
 * Idle RSS, load at 50 and 200 connections (with the server's CPU per request), RSS after load.
 * @param {string} name @param {string[]} argv @param {number} seconds
 * @returns {Promise<ServeFigures>}
 */
export async function measureServe(name, argv, seconds) {
  const s = await start(name, argv);
  try {
    /** @type {string[]} */
    const notes = [];
    await waitHealthy(s, '/healthz');
    await sleep(2000);
    const idleMB = memMB(s.pid, 'VmRSS');
    const idleAnonMB = memMB(s.pid, 'RssAnon');
    await runWrk(s.port, 50, 1); // warm-up: JIT and buffers, for both alike
    const cpu0 = cpuSeconds(s.pid);
    const at50 = await runWrk(s.port, 50, seconds);
    const cpuPerReq50 = ((cpuSeconds(s.pid) - cpu0) * 1e6) / Math.max(1, at50.requests);
    const at200 = await runWrk(s.port, 200, seconds);
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
 * Spawn -> first HTTP response on /healthz (any status), in ms; the process is stopped after.
 * @param {string} name @param {string[]} argv
 */
export async function measureStart(name, argv) {
  const s = await start(name, argv);
  try {
    await mustGet(s, '/healthz');
    return performance.now() - s.spawnedAt;
  } finally {
    await stop(s);
  }
}

/**
 * CPU ms (own + children) per probe run over `seconds`, runs counted on /metrics.
 * @param {string} name @param {string[]} argv @param {number} seconds
 */
export async function measureCpu(name, argv, seconds) {
  const s = await start(name, argv);
  try {
    await sleep(1000); // past start-up, whose CPU is not a probe's
    const cpu0 = cpuSeconds(s.pid);
    const runs0 = await runsTotal(s);
    await sleep(seconds * 1000);
    const runs1 = await runsTotal(s);
    const cpu1 = cpuSeconds(s.pid);
    const runs = runs1 - runs0;
    if (runs <= 0) throw new BenchError(`${name}: no probe run counted in ${seconds} s`, 1);
    return { msPerRun: ((cpu1 - cpu0) * 1000) / runs, runs };
  } finally {
    await stop(s);
  }
}

/**
 * Peak RSS (VmHWM) while a failing command prints 50 MB per run.
 * @param {string} name @param {string[]} argv
 */
export async function measureBigOutput(name, argv) {
  const s = await start(name, argv);
  try {
    let answers = 0;
    // Probes as a kubelet would, while the runs stream 50 MB each.
    for (let i = 0; i < 12; i++) {
      await sleep(500);
      const { status } = await mustGet(s, '/healthz');
      if (status === 503) answers += 1;
    }
    const runs = await runsTotal(s);
    if (runs < 3) throw new BenchError(`${name}: only ${runs} runs of the 50 MB command in 6 s`, 1);
    return { peakMB: memMB(s.pid, 'VmHWM'), runs, answers };
  } finally {
    await stop(s);
  }
}
