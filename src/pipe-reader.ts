// Reads a child's stdout pipe straight into the shared read area. A plain 'data'
// listener gets a new Buffer per read; a command printing 50 MB a run then leaves tens
// of MB of garbage before V8's external-memory limit triggers a GC, doubling the pod's
// RSS. net.Socket's `onread` option reads into a buffer we own and allocates nothing.
import { Socket } from 'node:net';
import type { Readable } from 'node:stream';
import { readArea } from './capture';

interface HandleOwner {
  _handle?: object | null;
}

const ignore = (): void => undefined;

/**
 * Hands every read of `stream` to `onRead(n)` as readArea()[0, n) (or, for a stream with
 * no libuv handle, `onChunk`); returns the stream whose 'close' ends the output.
 */
export function readPipe(stream: Readable, onRead: (n: number) => void, onChunk: (chunk: Buffer) => void): Readable {
  const handle = (stream as unknown as HandleOwner)._handle;
  if (handle === undefined || handle === null) {
    // Not a libuv pipe (never the case for spawn's 'pipe'): fall back to data events.
    stream.on('data', onChunk);
    return stream;
  }
  // A second socket on the same handle takes over its reads (it becomes the handle's
  // owner); nothing has been read yet because no I/O happens before we return. Every
  // pipe shares one read area: the callback copies out of it before any other read.
  const socket = new Socket({
    handle,
    readable: true,
    writable: false,
    onread: {
      buffer: readArea(),
      callback: (nread: number): boolean => {
        onRead(nread);
        return true;
      },
    },
  } as ConstructorParameters<typeof Socket>[0]);
  socket.on('error', ignore);
  socket.resume();
  return socket;
}
