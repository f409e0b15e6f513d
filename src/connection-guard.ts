// Bounds the open HTTP connections. Over the cap, the oldest connection with no request in
// progress is closed (a client trickling its headers, or an idle keep-alive one), not the
// new one: the kubelet opens a fresh connection per probe and must be served while slow
// clients hold the rest. Only when every connection has a request in progress is the new
// one closed. Node's own server.maxConnections would always refuse the newcomer.
import type { Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { Counter } from './metric';

export interface ConnectionFigures {
  readonly open: number;
  /** Closed because of the cap: the oldest idle one (evicted) or the new one (refused). */
  readonly evicted: number;
  readonly refused: number;
}

export type DropReason = 'evicted' | 'refused';

/** What /metrics shows: the open count now, and the guard's own counters. */
export interface ConnectionMetrics {
  readonly open: number;
  readonly dropped: Readonly<Record<DropReason, Counter>>;
}

export interface ConnectionGuard {
  figures(): ConnectionFigures;
  metrics(): ConnectionMetrics;
  /** Applies the cap to `server`'s connections (one server per guard). */
  watch(server: Server): void;
}

/** Pure choice of the connection to close, given them oldest first; undefined: the newcomer. */
export function pickVictim<T>(oldestFirst: Iterable<T>, busy: (c: T) => boolean, newcomer: T): T | undefined {
  for (const c of oldestFirst) {
    if (c !== newcomer && !busy(c)) return c;
  }
  return undefined;
}

/** Made before the server, so what reports its figures (/metrics) needs no server. */
export function guardConnections(max: number): ConnectionGuard {
  // Insertion order is age order; the value counts requests whose response is not done.
  const open = new Map<Socket, number>();
  const dropped: Readonly<Record<DropReason, Counter>> = { evicted: new Counter(), refused: new Counter() };
  const watch = (server: Server): void => {
    server.on('connection', (socket: Socket) => {
      open.set(socket, 0);
      socket.once('close', () => open.delete(socket));
      if (open.size <= max) return;
      const victim = pickVictim(open.keys(), (s) => (open.get(s) ?? 0) > 0, socket);
      if (victim === undefined) {
        dropped.refused.inc();
        open.delete(socket);
        socket.destroy();
      } else {
        dropped.evicted.inc();
        open.delete(victim);
        victim.destroy();
      }
    });
    server.on('request', (req, res) => {
      const socket = req.socket;
      const n = open.get(socket);
      if (n === undefined) return;
      open.set(socket, n + 1);
      // One listener shared by every response, not two closures per request: a response
      // emits 'close' once, whether it finished or its connection went first.
      res.on('close', released);
    });
  };
  function released(this: ServerResponse): void {
    const socket = this.req.socket;
    const n = open.get(socket);
    if (n !== undefined) open.set(socket, Math.max(0, n - 1));
  }
  return {
    figures: () => ({ open: open.size, evicted: dropped.evicted.value, refused: dropped.refused.value }),
    metrics: () => ({ open: open.size, dropped }),
    watch,
  };
}
