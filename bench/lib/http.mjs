// @ts-check
// GETs on loopback to a served process: any answer, a 200 awaited, the runs counter of
// /metrics (exechealthz's, or a baseline's counter in the same name).
import { httpRequest } from '../../test/helpers/http.cjs';
import { until } from '../../test/helpers/poll.cjs';
import { BenchError } from './args.mjs';

/** @typedef {import('./served.mjs').Served} Served */

/**
 * One GET of a served process (127.0.0.1), failing with a BenchError that names it.
 * @param {Served} s @param {string} path @param {number} [timeoutMs]
 */
export async function mustGet(s, path, timeoutMs = 5000) {
  try {
    return await httpRequest(`http://127.0.0.1:${s.port}${path}`, { timeoutMs });
  } catch (err) {
    throw new BenchError(`${s.name}: GET ${path} failed: ${err instanceof Error ? err.message : String(err)}`, 1);
  }
}

/** Polls until the path answers 200, for at most 5 s. @param {Served} s @param {string} path */
export async function waitHealthy(s, path) {
  await until(`${s.name} to answer 200 on ${path}`, async () => ((await mustGet(s, path)).status === 200 ? true : undefined), 5000, 50);
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
