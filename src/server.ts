// The HTTP server over a route table made before it (route.ts). Creating it is apart from
// listening, so tests (and main) choose the port. Only GET and HEAD without a body exist; everything else is
// 405, and a request carrying a body is refused before its body is read (request-body.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { ConnectionGuard } from './connection-guard';
import type { Logger } from './log';
import { send } from './http';
import { logRequest } from './request-log';
import { carriesBody, hidesFraming, refuseBody, refuseFolded } from './request-body';
import { requestTarget } from './request-target';
import type { RouteTable } from './route';

const ALLOW = 'GET, HEAD';

/** Limits on what one client can hold; see docs/security.md. */
export const HTTP_LIMITS = {
  /** Request line and headers; a 1 MB URL answers 431. Node's default is 16 KiB. */
  maxHeaderSize: 8 * 1024,
  /** A client must have sent its whole head within this (slowloris). */
  headersTimeoutMs: 5_000,
  /** ... and its whole request (there is no body to wait for). */
  requestTimeoutMs: 10_000,
  /** Node checks the two timeouts above only this often (its default is 30 s). */
  connectionsCheckingIntervalMs: 1_000,
  /** An idle keep-alive connection is closed after this. */
  keepAliveTimeoutMs: 5_000,
  /** No byte either way for this long: closed (a /debug/profile runs at most 60 s). */
  socketIdleTimeoutMs: 120_000,
} as const;

export interface App {
  readonly server: Server;
  /** Stops accepting; resolves once every request in flight is answered and every connection is gone. */
  close(): Promise<void>;
  /** Closes the connections still open (the shutdown grace is over). */
  dropConnections(): void;
}

/** A handler threw or rejected: one log line, and a 500 if the answer has not begun. */
function handlerFailed(logger: Logger, req: IncomingMessage, res: ServerResponse, path: string, err: unknown): void {
  logger.error(`${req.method} ${path} failed: ${err instanceof Error ? err.message : String(err)}`);
  if (!res.headersSent) send(res, 500, 'internal error\n');
  else res.destroy();
}

/** Idle keep-alive connections are closed this often while closing (see close()). */
const IDLE_SWEEP_MS = 50;

export function createApp(table: RouteTable, logger: Logger, connections: ConnectionGuard): App {
  const server = createServer({
    maxHeaderSize: HTTP_LIMITS.maxHeaderSize,
    headersTimeout: HTTP_LIMITS.headersTimeoutMs,
    requestTimeout: HTTP_LIMITS.requestTimeoutMs,
    connectionsCheckingInterval: HTTP_LIMITS.connectionsCheckingIntervalMs,
    keepAliveTimeout: HTTP_LIMITS.keepAliveTimeoutMs,
  }, (req, res) => {
    if (carriesBody(req.headers)) {
      refuseBody(req, res);
      return;
    }
    if (hidesFraming(req.rawHeaders)) {
      refuseFolded(req, res);
      return;
    }
    const url = requestTarget(req.url ?? '/');
    if (url === undefined) {
      send(res, 400, 'bad request\n');
      return;
    }
    const route = table.find(url.pathname);
    if (route === undefined) {
      // Not logged: a scanner walking paths would fill the log. Go's http.NotFound body,
      // so the text stays familiar.
      send(res, 404, '404 page not found\n');
      return;
    }
    logRequest(route.log, logger, req, res, url.pathname);
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, `method ${req.method ?? ''} not allowed: use ${ALLOW}\n`, undefined, { Allow: ALLOW });
      return;
    }
    // Called at once, not from a promise: most handlers answer synchronously, and a
    // promise and a closure per request were a cost a bare server does not pay.
    let pending: void | Promise<void>;
    try {
      pending = route.handler(req, res, url);
    } catch (err) {
      handlerFailed(logger, req, res, url.pathname, err);
      return;
    }
    if (pending !== undefined) pending.catch((err: unknown) => handlerFailed(logger, req, res, url.pathname, err));
  });
  // With no listener Node answers `Expect: 100-continue` itself, inviting the body;
  // routed here, such a request is refused before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  server.timeout = HTTP_LIMITS.socketIdleTimeoutMs;
  connections.watch(server);
  return {
    server,
    close() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Keep-alive connections go idle as their last request finishes; close them as they
      // do, or they would hold close() until keepAliveTimeout.
      server.closeIdleConnections();
      const sweep = setInterval(() => server.closeIdleConnections(), IDLE_SWEEP_MS);
      sweep.unref();
      return closed.finally(() => clearInterval(sweep));
    },
    dropConnections: () => server.closeAllConnections(),
  };
}
