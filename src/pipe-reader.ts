// Reads a child's stdout pipe into one reused buffer. A plain 'data' listener gets a new
// 64 KiB Buffer per read; a command printing 50 MB a run then leaves ~64 MB of garbage
// before V8's external-memory limit triggers a GC, doubling the pod's RSS. With
// net.Socket's `onread` buffer nothing is allocated per read.
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';

// One buffer for every pipe: libuv fills it and the callback consumes it synchronously,
// so concurrent runs never see each other's bytes.
const SHARED = Buffer.allocUnsafe(64 * 1024);

interface HandleOwner {
  _handle?: object | null;
}

/**
 * Delivers every chunk of `stream` to `sink` as (buffer, length): the bytes are
 * buffer[0, length), valid only until the sink returns. Returns the stream whose 'close'
 * marks the end of the output.
 */
export function readPipe(stream: Readable, sink: (chunk: Buffer, length: number) => void): Readable {
  const handle = (stream as unknown as HandleOwner)._handle;
  if (handle === undefined || handle === null) {
    // Not a libuv pipe (never the case for spawn's 'pipe'): fall back to data events.
    stream.on('data', (chunk: Buffer) => sink(chunk, chunk.length));
    return stream;
  }
  // A second socket on the same handle takes over its reads (it becomes the handle's
  // owner); nothing has been read yet because no I/O happens before we return.
  const socket = new Socket({
    handle,
    readable: true,
    writable: false,
    onread: {
      buffer: SHARED,
      // libuv hands back SHARED itself; passing it with a length allocates nothing.
      callback: (nread: number): boolean => {
        sink(SHARED, nread);
        return true;
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  // The 'end' of a read-only socket must not try to end a write side it never had.
  socket.on('error', () => undefined);
  socket.resume();
  return socket;
}
