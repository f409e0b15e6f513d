// @ts-check
// GETs on loopback to a served process: any answer, a 200 awaited, the runs counter of
// /metrics (exechealthz's, or a baseline's counter in the same name).
import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';
import { BenchError } from './args.mjs';

/** @typedef {import('./served.mjs').Served} Served */

/**
 * One GET on 127.0.0.1; resolves status and body. @param {number} port @param {string} path @param {number} timeoutMs
 * @returns {Promise<{ status: number, body: string }>}
 */
export function get(port, path, timeoutMs) {
  return new Promise((res, rej) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (r) => {
      let body = '';
      r.setEncoding('utf8');
      r.on('data', (c) => (body += c));
      r.on('end', () => res({ status: r.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error(`timed out after ${timeoutMs / 1000} s`)));
    req.on('error', rej);
    req.end();
  });
}

/** get(), failing with a BenchError naming the process. @param {Served} s @param {string} path @param {number} [timeoutMs] */
export async function mustGet(s, path, timeoutMs = 5000) {
  try {
    return await get(s.port, path, timeoutMs);
  } catch (err) {
    throw new BenchError(`${s.name}: GET ${path} failed: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
}

/** Polls until the path answers 200 (bounded: 100 tries 50 ms apart). @param {Served} s @param {string} path */
export async function waitHealthy(s, path) {
  for (let i = 0; i < 100; i++) {
    const { status } = await mustGet(s, path);
    if (status === 200) return;
    await sleep(50);
  }
  throw new BenchError(`${s.name}: ${path} did not answer 200 within 5 s`, 1);
}

/** Sum of exechealthz_check_runs_total over all labels of a /metrics body, or null without one. @param {string} body */
export function runsTotalOf(body) {
  let n = 0;
  let seen = false;
  for (const m of body.matchAll(/^exechealthz_check_runs_total\{[^}]*\} (\d+)$/gm)) {
    n += Number(m[1]);
    seen = true;
  }
  return seen ? n : null;
}

/** The runs counted on /metrics. @param {Served} s @param {number} [timeoutMs] */
export async function runsTotal(s, timeoutMs = 5000) {
  const { status, body } = await mustGet(s, '/metrics', timeoutMs);
  if (status !== 200) throw new BenchError(`${s.name}: /metrics answered ${status}`, 1);
  const n = runsTotalOf(body);
  if (n === null) throw new BenchError(`${s.name}: /metrics has no exechealthz_check_runs_total`, 1);
  return n;
}
