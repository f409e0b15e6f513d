// @ts-check
// Load on /healthz with wrk, and its report read into figures (parseWrk is pure).
import { spawn } from 'node:child_process';
import { BenchError } from './args.mjs';
import { live } from './live.mjs';
import { lastLine } from './served.mjs';

/** @typedef {{ rps: number, p99ms: number, requests: number, non2xx: number, errors: string }} WrkFigures */

/**
 * The figures of a `wrk --latency` report, or null when it has no req/s or no 99% line.
 * @param {string} out @returns {WrkFigures | null}
 */
export function parseWrk(out) {
  const rps = /Requests\/sec:\s+([\d.]+)/.exec(out);
  const p99 = /^\s+99%\s+([\d.]+)(us|ms|s)\s*$/m.exec(out);
  if (rps === null || p99 === null) return null;
  const unit = { us: 1e-3, ms: 1, s: 1e3 }[/** @type {'us'|'ms'|'s'} */ (p99[2])];
  const non2xx = /Non-2xx or 3xx responses:\s+(\d+)/.exec(out);
  const errors = /Socket errors:.*$/m.exec(out);
  const total = /(\d+) requests in/.exec(out);
  return {
    rps: Number(rps[1]),
    p99ms: Number(p99[1]) * unit,
    requests: total === null ? 0 : Number(total[1]),
    non2xx: non2xx === null ? 0 : Number(non2xx[1]),
    errors: errors?.[0] ?? '',
  };
}

/**
 * wrk -t2 on http://127.0.0.1:PORT/healthz; killed if it overruns by 20 s.
 * @param {number} port @param {number} conns @param {number} seconds @returns {Promise<WrkFigures>}
 */
export function runWrk(port, conns, seconds) {
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
      rej(new BenchError(`wrk could not start: ${err.message}`, 1));
    });
    child.on('exit', (code) => {
      clearTimeout(killer);
      live.delete(child);
      const figures = parseWrk(out);
      if (code !== 0 || figures === null) rej(new BenchError(`wrk -c${conns} failed (status ${code}): ${lastLine(out)}`, 1));
      else res(figures);
    });
  });
}
