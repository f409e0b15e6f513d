// Requests carrying a body are refused from their headers alone, and the connection is
// closed without reading the body. Nothing here relies on the runtime's HTTP parser being
// careful with bodies: Node 20.11.0 (still embedded on some arches) reads an endless chunk
// extension without limit, and a body a handler ignores is read in full by Node to
// reach the next request on the connection.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { TEXT } from './http';

/** Any Transfer-Encoding, or a Content-Length other than 0. */
export function carriesBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

const BODY = 'request body not accepted: only GET and HEAD without a body are served\n';

export function refuseBody(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  // Stop reading now: the kernel's receive window then throttles the client while the
  // answer goes out, and the parser never sees the rest of the body.
  socket.pause();
  res.shouldKeepAlive = false;
  res.writeHead(413, {
    'Content-Type': TEXT,
    'Content-Length': Buffer.byteLength(BODY),
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  });
  // Destroyed, not ended, once the answer is flushed: an orderly close would first
  // read the body to its end. Unread data makes the kernel reset the connection.
  res.end(BODY, () => socket.destroy());
}
