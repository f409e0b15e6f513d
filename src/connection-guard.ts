// Bounds the open HTTP connections. Over the cap, the oldest connection with no request in
// progress is closed (a client trickling its headers, or an idle keep-alive one), not the
// new one: the kubelet opens a fresh connection per probe and must be served while slow
// clients hold the rest. Only when every connection has a request in progress is the new
// one closed. Node's own server.maxConnections would always refuse the newcomer.
import type { Server } from 'node:http';
import type { Socket } from 'node:net';

export interface ConnectionFigures {
  readonly open: number;
  /** Closed because of the cap: the oldest idle one (evicted) or the new one (refused). */
  readonly evicted: number;
  readonly refused: number;
}

export interface ConnectionGuard {
  figures(): ConnectionFigures;
}

/** Pure choice of the connection to close, given them oldest first; undefined: the newcomer. */
export function pickVictim<T>(oldestFirst: Iterable<T>, busy: (c: T) => boolean, newcomer: T): T | undefined {
  for (const c of oldestFirst) {
    if (c !== newcomer && !busy(c)) return c;
  }
  return undefined;
}

export function guardConnections(server: Server, max: number): ConnectionGuard {
  // Insertion order is age order; the value counts requests whose response is not done.
  const open = new Map<Socket, number>();
  let evicted = 0;
  let refused = 0;
  server.on('connection', (socket: Socket) => {
    open.set(socket, 0);
    socket.once('close', () => open.delete(socket));
    if (open.size <= max) return;
    const victim = pickVictim(open.keys(), (s) => (open.get(s) ?? 0) > 0, socket);
    if (victim === undefined) {
      refused++;
      open.delete(socket);
      socket.destroy();
    } else {
      evicted++;
      open.delete(victim);
      victim.destroy();
    }
  });
  server.on('request', (req, res) => {
    const socket = req.socket;
    if (!open.has(socket)) return;
    open.set(socket, (open.get(socket) ?? 0) + 1);
    let done = false;
    const finished = (): void => {
      if (done) return;
      done = true;
      const n = open.get(socket);
      if (n !== undefined) open.set(socket, Math.max(0, n - 1));
    };
    res.once('finish', finished);
    res.once('close', finished);
  });
  return { figures: () => ({ open: open.size, evicted, refused }) };
}
