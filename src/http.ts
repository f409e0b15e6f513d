// Small response helpers shared by the endpoint modules.
import type { ServerResponse } from 'node:http';

export const TEXT = 'text/plain; charset=utf-8';
export const JSON_TYPE = 'application/json';

export function send(
  res: ServerResponse,
  status: number,
  body: string | Buffer,
  contentType = TEXT,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, {
    'Content-Type': contentType,
    'Content-Length': Buffer.byteLength(body),
    // As Go's http.Error sets, so browsers never sniff probe output as HTML.
    'X-Content-Type-Options': 'nosniff',
    ...headers,
  });
  // Node drops the body of a HEAD response itself; the headers stay exact.
  res.end(body);
}
