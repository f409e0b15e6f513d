// Listening on --address without the name lookup. Node's listen(port, host) looks the host up
// even when it is an IP literal, then tests each address it got with isIPv6, whose first call
// compiles Node's IPv6 pattern: 9-10 ms of start-up on Node 20 and 24, on the path to the
// first probe run and so to the first 200. --address is always an IP literal (flags.ts), so
// the TCP handle is bound here and handed to listen(), which adopts a bound TCP handle as it
// is (what the cluster module does with the handles it passes). The handle comes from
// process.binding('tcp_wrap') (process-binding.ts, as handle-start.ts's handles); when it
// is missing or the bind fails, listen(port, host) runs as before and reports any error
// through the server's 'error' event, as it always did.
import type { Server } from 'node:net';
import { processBinding } from './process-binding';

interface TcpHandle {
  bind(address: string, port: number): number;
  bind6(address: string, port: number, flags: number): number;
  close(): void;
}

interface TcpWrap {
  readonly TCP: new (type: number) => TcpHandle;
  readonly server: number;
}

function loadTcpWrap(): TcpWrap | null {
  const tw = processBinding('tcp_wrap') as { TCP?: unknown; constants?: { SERVER?: unknown } } | undefined;
  const server = tw?.constants?.SERVER;
  if (typeof tw?.TCP !== 'function' || typeof server !== 'number') return null;
  const proto = (tw.TCP as { prototype: object }).prototype as Partial<TcpHandle>;
  if (typeof proto.bind !== 'function' || typeof proto.bind6 !== 'function') return null;
  return { TCP: tw.TCP as TcpWrap['TCP'], server };
}

const TCP_WRAP = loadTcpWrap();

/** A TCP handle bound to ADDRESS:PORT, or undefined (no binding, or the bind failed). */
function boundHandle(tcp: TcpWrap | null, address: string, port: number): TcpHandle | undefined {
  if (tcp === null) return undefined;
  const handle = new tcp.TCP(tcp.server);
  // An IP literal with a colon is IPv6; flags 0 keeps "::" dual-stack, as listen() does.
  const err = address.includes(':') ? handle.bind6(address, port, 0) : handle.bind(address, port);
  if (err === 0) return handle;
  handle.close();
  return undefined;
}

/** SERVER listens on ADDRESS (an IP literal) and PORT; ON_LISTENING runs once it does. TCP null: as without the binding. */
export function listen(server: Server, port: number, address: string, onListening: () => void, tcp: TcpWrap | null = TCP_WRAP): void {
  const handle = boundHandle(tcp, address, port);
  if (handle !== undefined) server.listen(handle, onListening);
  else server.listen(port, address, onListening);
}
