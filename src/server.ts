// The HTTP server and its route table. Creating it is apart from listening, so tests
// (and main) choose the port. Only GET and HEAD exist; everything else is 405.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Logger } from './log';
import { send } from './http';

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

export function createApp(routes: readonly Route[], logger: Logger): Server {
  const server = createServer((req, res) => {
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
    if (route !== undefined && !route.logsItself) {
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
  // A slow client must not hold a connection (and memory) forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  server.keepAliveTimeout = 5_000;
  return server;
}
