// The one place the service's route table is made, from the config and the parts the
// routes read; main builds it before the server, and it does not change after.
import type { Check } from './check';
import type { Config } from './config';
import type { ConnectionMetrics } from './connection-guard';
import { debugRoutes } from './debug';
import { healthHandler } from './health';
import { indexHandler } from './index-page';
import type { Logger } from './log';
import { metricsHandler } from './metrics-handler';
import type { ProcessStats } from './process-stats';
import { quitHandler } from './quit';
import { routeTable, type Route, type RouteTable } from './route';

export interface RouteParts {
  readonly checks: readonly Check[];
  readonly stats: ProcessStats;
  readonly logger: Logger;
  /** The HTTP connection figures, for /metrics. */
  readonly connections: () => ConnectionMetrics;
  /** What /quit calls once it has answered. */
  readonly requestStop: (why: string) => void;
}

export function serviceRoutes(
  config: Pick<Config, 'output' | 'timeoutMs' | 'latencyMs' | 'debugEndpoints' | 'allowQuit'>,
  parts: RouteParts,
): RouteTable {
  const healthOptions = {
    output: config.output,
    timeoutMs: config.timeoutMs,
    latencyMs: config.latencyMs,
    logger: parts.logger,
  };
  const listed: Route[] = parts.checks.map((check) => ({
    path: check.url,
    description: `200 "ok" if "${check.cmd}" last exited 0 (?verbose, ?format=json)`,
    handler: healthHandler(check, healthOptions),
    // The Go tool's per-probe line, written by the handler.
    log: 'self',
  }));
  listed.push({
    path: '/metrics',
    description: 'Prometheus metrics',
    handler: metricsHandler(parts.checks, parts.stats, parts.connections),
    log: 'request',
  });
  if (config.debugEndpoints) listed.push(...debugRoutes(parts.stats));
  if (config.allowQuit) {
    listed.push({ path: '/quit', description: 'make this process exit', handler: quitHandler(parts.logger, parts.requestStop), log: 'request' });
  }
  return routeTable([{ path: '/', description: 'this list', handler: indexHandler(listed), log: 'request' }, ...listed]);
}
