// Requests carrying a body are refused from their headers alone, and the connection is
// closed without reading the body. Nothing here relies on the runtime's HTTP parser being
// careful with bodies: Node 20.11.0 (what npm still offers for some arches) reads an endless
// chunk extension without limit, and a body a handler ignores is read in full by Node to
// reach the next request on the connection.
import type { IncomingHttpHeaders, IncomingMessage, ServerResponse } from 'node:http';
import { TEXT } from './http';

/** Any Transfer-Encoding, or a Content-Length other than 0. */
export function carriesBody(headers: IncomingHttpHeaders): boolean {
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && length !== '0';
}

/**
 * Whether Node VERSION's parser joins a header line that starts with whitespace (obs-fold)
 * to the previous header's value instead of refusing the request: every release before the
 * April 2024 security releases (18.20.1, 20.12.1, 21.7.2), which made it a 400.
 */
export function foldsHeaders(version: string): boolean {
  const [major = 0, minor = 0, patch = 0] = version.replace(/^v/, '').split('.').map(Number);
  if (major !== 18 && major !== 20 && major !== 21) return major < 18;
  const [fixedMinor, fixedPatch] = major === 18 ? [20, 1] : major === 20 ? [12, 1] : [7, 2];
  return minor < fixedMinor || (minor === fixedMinor && patch < fixedPatch);
}

const FOLDS = foldsHeaders(process.versions.node);
// A framing header's name and colon inside a value: what a folded line looks like once joined.
const FRAMING = /(?:^|[\t ])(?:content-length|transfer-encoding)[\t ]*:/i;

/**
 * On a runtime that folds (FOLDS), whether a header value holds a Content-Length or
 * Transfer-Encoding that a fold hid from the parser. A proxy in front that reads that line
 * as a header of its own frames the request by it, and what it sent as a body reaches the
 * service as a second request (CVE-2024-27982). Nothing legitimate sends obs-fold.
 */
export function hidesFraming(rawHeaders: readonly string[], folds = FOLDS): boolean {
  if (!folds) return false;
  for (let i = 1; i < rawHeaders.length; i += 2) {
    if (FRAMING.test(rawHeaders[i] ?? '')) return true;
  }
  return false;
}

const BODY = 'request body not accepted: only GET and HEAD without a body are served\n';
const FOLDED = 'bad request: a folded header line hides a Content-Length or Transfer-Encoding\n';

/** 413: the request carries a body (carriesBody). */
export function refuseBody(req: IncomingMessage, res: ServerResponse): void {
  refuse(req, res, 413, BODY);
}

/** 400: a fold hid a framing header (hidesFraming); whatever follows on the connection is never read. */
export function refuseFolded(req: IncomingMessage, res: ServerResponse): void {
  refuse(req, res, 400, FOLDED);
}

function refuse(req: IncomingMessage, res: ServerResponse, status: number, body: string): void {
  const socket = req.socket;
  // Stop reading now: the kernel's receive window then throttles the client while the
  // answer goes out, and the parser never sees the rest of the body.
  socket.pause();
  res.shouldKeepAlive = false;
  res.writeHead(status, {
    'Content-Type': TEXT,
    'Content-Length': Buffer.byteLength(body),
    'X-Content-Type-Options': 'nosniff',
    Connection: 'close',
  });
  // Destroyed, not ended, once the answer is flushed: an orderly close would first
  // read the body to its end. Unread data makes the kernel reset the connection.
  res.end(body, () => socket.destroy());
}
