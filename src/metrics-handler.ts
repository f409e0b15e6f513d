// `/metrics`: takes a snapshot of the checks and the process, renders it.
import type { Check } from './check';
import type { ConnectionFigures } from './connection-guard';
import { send } from './http';
import { CONTENT_TYPE, renderMetrics, type CheckSnapshot } from './metrics';
import type { ProcessStats } from './process-stats';
import type { Handler } from './server';
import { NODE_VERSION, VERSION } from './version';

export function snapshotCheck(check: Check): CheckSnapshot {
  const last = check.last;
  return {
    url: check.url,
    up: check.health().state === 'ok',
    hasResult: last !== undefined,
    lastExitCode: last?.exitCode ?? -1,
    lastRunTimestampSeconds: last === undefined ? 0 : last.end / 1000,
    lastRunDurationSeconds: last === undefined ? 0 : (last.end - last.start) / 1000,
    consecutiveFailures: check.consecutiveFailures,
    runs: { success: check.runs('success'), failure: check.runs('failure'), timeout: check.runs('timeout') },
    histogram: check.histogram(),
  };
}

export function metricsHandler(
  checks: readonly Check[],
  stats: ProcessStats,
  connections?: () => ConnectionFigures,
): Handler {
  return (_req, res) => {
    const body = renderMetrics({
      version: VERSION,
      nodeVersion: NODE_VERSION,
      checks: checks.map(snapshotCheck),
      process: stats.scrape(),
      ...(connections === undefined ? {} : { connections: connections() }),
    });
    send(res, 200, body, CONTENT_TYPE);
  };
}
