// The one place a route's request-log choice (route.ts) is carried out.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { V_REQUESTS, type Logger } from './log';
import type { RequestLog } from './route';

/** The server's access line: `GET /metrics 200 0.4ms from 10.0.0.7`. */
export function accessLine(method: string, path: string, status: number, ms: number, from: string): string {
  return `${method} ${path} ${status} ${ms.toFixed(1)}ms from ${from}`;
}

/**
 * Arranges the log line `choice` asks for, written when the answer is finished and timed
 * from now (the request has just been routed).
 */
export function logRequest(
  choice: RequestLog,
  logger: Logger,
  req: IncomingMessage,
  res: ServerResponse,
  path: string,
): void {
  // Access lines are verbosity 2 (--v 2): a sidecar does not log every kubelet probe.
  if (choice !== 'request' || !logger.enabled(V_REQUESTS)) return;
  const started = process.hrtime.bigint();
  res.on('finish', () => {
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    logger.info(accessLine(req.method ?? '?', path, res.statusCode, ms, req.socket.remoteAddress ?? '?'));
  });
}
