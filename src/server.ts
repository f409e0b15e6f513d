// The HTTP server and its route table. Creating it is apart from listening, so tests
// (and main) choose the port. Only GET and HEAD without a body exist; everything else is
// 405, and a request carrying a body is refused before its body is read (request-body.ts).
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { guardConnections, type ConnectionGuard } from './connection-guard';
import { V_REQUESTS, type Logger } from './log';
import { send } from './http';
import { carriesBody, refuseBody } from './request-body';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: URL) => void | Promise<void>;

export interface Route {
  readonly path: string;
  /** Serve every path under `path` too (e.g. /debug/...). */
  readonly prefix?: boolean;
  readonly description: string;
  readonly handler: Handler;
  /** The handler writes its own log line (check paths keep the Go wording). */
  readonly logsItself?: boolean;
}

const ALLOW = 'GET, HEAD';

export function findRoute(routes: readonly Route[], path: string): Route | undefined {
  const exact = routes.find((r) => r.path === path);
  if (exact !== undefined) return exact;
  return routes.find((r) => r.prefix === true && path.startsWith(r.path.endsWith('/') ? r.path : `${r.path}/`));
}

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

export interface AppOptions {
  /** --max-connections */
  readonly maxConnections: number;
}

export interface App {
  readonly server: Server;
  readonly connections: ConnectionGuard;
}

export function createApp(routes: readonly Route[], logger: Logger, options: AppOptions): App {
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
    const started = process.hrtime.bigint();
    // The host part is irrelevant; a fixed origin keeps a hostile Host header out of
    // parsing, and prefixing (not resolving) keeps `//healthz` a path, not a host.
    let url: URL;
    try {
      const raw = req.url ?? '/';
      url = raw.startsWith('/') ? new URL(`http://localhost${raw}`) : new URL(raw);
    } catch {
      send(res, 400, 'bad request\n');
      return;
    }
    const route = findRoute(routes, url.pathname);
    if (route !== undefined && !route.logsItself && logger.enabled(V_REQUESTS)) {
      res.on('finish', () => {
        const ms = Number(process.hrtime.bigint() - started) / 1e6;
        logger.info(`${req.method ?? '?'} ${url.pathname} ${res.statusCode} ${ms.toFixed(1)}ms from ${req.socket.remoteAddress ?? '?'}`);
      });
    }
    if (route === undefined) {
      // Go's http.NotFound body, so the text stays familiar.
      send(res, 404, '404 page not found\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      send(res, 405, `method ${req.method ?? ''} not allowed: use ${ALLOW}\n`, undefined, { Allow: ALLOW });
      return;
    }
    Promise.resolve()
      .then(() => route.handler(req, res, url))
      .catch((err: unknown) => {
        logger.error(`${req.method} ${url.pathname} failed: ${err instanceof Error ? err.message : String(err)}`);
        if (!res.headersSent) send(res, 500, 'internal error\n');
        else res.destroy();
      });
  });
  // With no listener Node answers `Expect: 100-continue` itself, inviting the body;
  // routed here, such a request is refused before the client sends it.
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  server.timeout = HTTP_LIMITS.socketIdleTimeoutMs;
  return { server, connections: guardConnections(server, options.maxConnections) };
}
