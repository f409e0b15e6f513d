// `/metrics`: the checks' own counters and histograms with the figures of the moment,
// in the format the scraper's Accept header asks for.
import type { Check } from './check';
import type { ConnectionMetrics } from './connection-guard';
import { CONTENT_TYPE, negotiateFormat } from './exposition';
import { send } from './http';
import { renderMetrics, type CheckMetrics } from './metrics';
import type { ProcessStats } from './process-stats';
import type { Handler } from './route';
import { NODE_VERSION, VERSION } from './version';

export function checkMetrics(check: Check): CheckMetrics {
  const last = check.last;
  return {
    url: check.url,
    up: check.health().state === 'ok',
    ...(last === undefined
      ? {}
      : { last: { exitCode: last.exitCode ?? -1, endSeconds: last.end / 1000, durationSeconds: (last.end - last.start) / 1000 } }),
    consecutiveFailures: check.consecutiveFailures,
    runs: check.runCounters,
    durations: check.durations,
  };
}

export function metricsHandler(
  checks: readonly Check[],
  stats: ProcessStats,
  connections?: () => ConnectionMetrics,
): Handler {
  // A little over the last scrape's size, so the next one fits in the first buffer.
  let sizeHint = 4096;
  return (req, res) => {
    const format = negotiateFormat(req.headers.accept);
    const body = renderMetrics(
      {
        version: VERSION,
        nodeVersion: NODE_VERSION,
        checks: checks.map(checkMetrics),
        process: stats.scrape(),
        ...(connections === undefined ? {} : { connections: connections() }),
      },
      format,
      sizeHint,
    );
    sizeHint = body.length + 1024;
    // Caches must keep the two formats apart.
    send(res, 200, body, CONTENT_TYPE[format], { Vary: 'Accept' });
  };
}
