// @ts-check
// Starting a process that serves HTTP and says `listening on ADDR:PORT` on stderr (the
// service, a bare node:http server): shared by the benchmark's sections, which each make
// their own error type from `fail`.
import { spawn } from 'node:child_process';

/**
 * A served process.
 * @typedef {{ name: string, child: import('node:child_process').ChildProcess, pid: number,
 *   port: number, spawnedAt: number, listenedAt: number, logBytes: () => number }} Served
 */

/** @param {string} text */
export function lastLine(text) {
  const lines = text.trim().split('\n');
  return lines[lines.length - 1] || '(no output)';
}

/**
 * Spawns argv[0] with the rest and waits for `listening on ADDR:PORT` on stderr (drained
 * after, its bytes counted). `live` holds the children still running, for clean-up.
 * @param {string} name @param {string[]} argv
 * @param {{ live: Set<import('node:child_process').ChildProcess>, timeoutMs: number, fail: (message: string) => Error }} o
 * @returns {Promise<Served>}
 */
export function startServed(name, argv, { live, timeoutMs, fail }) {
  return new Promise((resolveStart, rejectStart) => {
    const spawnedAt = performance.now();
    const child = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
    live.add(child);
    let text = '';
    let bytes = 0;
    let port = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rejectStart(fail(`${name} did not say "listening on" within ${timeoutMs / 1000} s: ${lastLine(text)}`));
    }, timeoutMs);
    child.stderr?.on('data', (/** @type {Buffer} */ chunk) => {
      bytes += chunk.length;
      if (port !== 0) return;
      text += chunk.toString('utf8');
      const m = /listening on \S+:(\d+)/.exec(text);
      if (m === null) return;
      port = Number(m[1]);
      clearTimeout(timer);
      resolveStart({ name, child, pid: /** @type {number} */ (child.pid), port, spawnedAt, listenedAt: performance.now(), logBytes: () => bytes });
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      rejectStart(fail(`${name} could not start: ${err.message}`));
    });
    child.on('exit', (code, signal) => {
      live.delete(child);
      if (port !== 0) return;
      clearTimeout(timer);
      rejectStart(fail(`${name} exited (${signal ?? `status ${code}`}) before listening: ${lastLine(text)}`));
    });
  });
}

/**
 * SIGTERM, then SIGKILL after `graceMs` (longer than the service's own grace of 5 s);
 * resolves once it is gone, and takes it out of `live`.
 * @param {Served} s @param {Set<import('node:child_process').ChildProcess>} live @param {number} graceMs
 */
export async function stop(s, live, graceMs) {
  const { child } = s;
  if (child.exitCode === null && child.signalCode === null) {
    const gone = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    await gone;
    clearTimeout(killer);
  }
  live.delete(child);
}
