// `/`: what this port serves, one line per endpoint (the Go tool listed them as HTML).
import { send } from './http';
import type { Handler, Route } from './server';

export function indexHandler(routes: () => readonly Route[]): Handler {
  return (_req, res) => {
    const lines = routes()
      .filter((r) => r.path !== '/')
      .map((r) => `${r.path.padEnd(20)} ${r.description}`);
    send(res, 200, `exechealthz: Kubernetes liveness-exec over HTTP\n\n${lines.join('\n')}\n`);
  };
}
