// `/`: what this port serves, one line per endpoint (the Go tool listed them as HTML).
import { send } from './http';
import type { Handler, Route } from './route';

/** `routes`: the other routes, listed in their order; the body is made once. */
export function indexHandler(routes: readonly Route[]): Handler {
  const lines = routes.map((r) => `${r.path.padEnd(20)} ${r.description}`);
  const body = `exechealthz: Kubernetes liveness-exec over HTTP\n\n${lines.join('\n')}\n`;
  return (_req, res) => send(res, 200, body);
}
