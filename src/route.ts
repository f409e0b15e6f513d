// What one path serves, and the table of them. The table is built once, before the server,
// and frozen: nothing adds a route to a running service, and `/` lists exactly what is
// served.
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { RequestTarget } from './request-target';

export type Handler = (req: IncomingMessage, res: ServerResponse, url: RequestTarget) => void | Promise<void>;

/**
 * Who writes a request's log line: the server, one access line per answered request
 * ('request'); the handler, in its own words ('self', the check paths keep the Go tool's
 * wording); nobody ('none').
 */
export type RequestLog = 'request' | 'self' | 'none';

export interface Route {
  readonly path: string;
  /** Serve every path under `path` too (e.g. /debug/...). */
  readonly prefix?: boolean;
  readonly description: string;
  readonly handler: Handler;
  readonly log: RequestLog;
}

export interface RouteTable {
  /** In the order given: the order `/` lists them. */
  readonly routes: readonly Route[];
  find(path: string): Route | undefined;
}

export function findRoute(routes: readonly Route[], path: string): Route | undefined {
  const exact = routes.find((r) => r.path === path);
  if (exact !== undefined) return exact;
  return routes.find((r) => r.prefix === true && path.startsWith(r.path.endsWith('/') ? r.path : `${r.path}/`));
}

/** Freezes `routes` into a table; a path given twice is a wiring bug and throws. */
export function routeTable(routes: readonly Route[]): RouteTable {
  const seen = new Set<string>();
  for (const r of routes) {
    if (seen.has(r.path)) throw new Error(`route ${r.path} given twice`);
    seen.add(r.path);
  }
  const frozen = Object.freeze(routes.map((r) => Object.freeze({ ...r })));
  return Object.freeze({ routes: frozen, find: (path: string) => findRoute(frozen, path) });
}
