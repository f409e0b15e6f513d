// Holds a command's output while it streams, never more than `max` bytes: the first
// half as it came, the rest as a ring of the latest bytes. A probe printing 50 MB a run
// costs the service `max` bytes, not 50 MB; a probe printing nothing costs nothing.

/** Size of the area pipes are read into (a pipe hands over at most 64 KiB a read). */
export const READ_AREA_SIZE = 64 * 1024;

// One read area for every pipe of the process: libuv reads a pipe into it and the read
// callback copies out what must be kept before the next read of any pipe can start (one
// thread), so no run needs an area of its own. An area per run was 64 KiB of external
// memory per running check that only a GC returned.
let sharedReadArea: Buffer | undefined;

/** The read area every CappedOutput commits from (allocated on first use). */
export function readArea(): Buffer {
  return (sharedReadArea ??= Buffer.allocUnsafe(READ_AREA_SIZE));
}

// Tail rings of finished runs, reused by the next loud runs: only a run whose output
// passes the head needs one, and a fresh one per run would be external memory that only
// a GC returns, which at a run every 100 ms piles up faster than V8 collects it.
const MAX_POOLED_PER_SIZE = 4;
const pool = new Map<number, Buffer[]>();

function takeRing(size: number): Buffer {
  return pool.get(size)?.pop() ?? Buffer.allocUnsafe(size);
}

function giveBack(ring: Buffer): void {
  let list = pool.get(ring.length);
  if (list === undefined) pool.set(ring.length, (list = []));
  if (list.length < MAX_POOLED_PER_SIZE) list.push(ring);
}

export class CappedOutput {
  private readonly headSize: number;
  private readonly tailSize: number;
  // The head as copies of what came, allocated as it comes: most probes print a line or
  // nothing, and Buffer.allocUnsafe of a few bytes is a slice of Node's shared slab.
  private readonly head: Buffer[] = [];
  private headLen = 0;
  /** Taken from the pool when the first byte passes the head; given back by release(). */
  private ring: Buffer | undefined;
  /** Bytes written into the tail ring so far (its write position is this mod size). */
  private tailWritten = 0;
  private total = 0;

  constructor(max: number) {
    this.headSize = Math.floor(max / 2);
    this.tailSize = max - this.headSize;
  }

  /** Keeps what it must of readArea()[0, n), just filled by the pipe. */
  commit(n: number): void {
    this.keep(readArea(), 0, n);
  }

  /** Keeps what it must of src[start, end). */
  write(src: Buffer, start = 0, end = src.length): void {
    this.keep(src, start, end);
  }

  private keep(src: Buffer, start: number, end: number): void {
    this.total += end - start;
    if (this.headLen < this.headSize && start < end) {
      const n = Math.min(end - start, this.headSize - this.headLen);
      const piece = Buffer.allocUnsafe(n);
      src.copy(piece, 0, start, start + n);
      this.head.push(piece);
      this.headLen += n;
      start += n;
    }
    const size = this.tailSize;
    if (start >= end || size === 0) return;
    // Only the last `size` bytes of a big chunk can survive.
    if (end - start > size) {
      this.tailWritten += end - start - size;
      start = end - size;
    }
    const ring = (this.ring ??= takeRing(size));
    const pos = this.tailWritten % size;
    const first = Math.min(end - start, size - pos);
    src.copy(ring, pos, start, start + first);
    if (start + first < end) src.copy(ring, 0, start + first, end);
    this.tailWritten += end - start;
  }

  /** Returns the memory for reuse; the object must not be used afterwards. */
  release(): void {
    if (this.ring !== undefined) giveBack(this.ring);
    this.ring = undefined;
  }

  /** Bytes received in total, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  /** Bytes that were received but not kept. */
  get droppedBytes(): number {
    return Math.max(0, this.total - this.headSize - this.tailSize);
  }

  /** The kept output; when bytes were dropped, a marker between head and tail says how many. */
  toString(): string {
    const head = this.head;
    const headText =
      head.length === 0 ? '' : head.length === 1 ? (head[0] as Buffer).toString('utf8') : Buffer.concat(head, this.headLen).toString('utf8');
    const kept = Math.min(this.tailWritten, this.tailSize);
    const ring = this.ring;
    if (kept === 0 || ring === undefined) return headText;
    const pos = this.tailWritten % this.tailSize;
    const tailBytes =
      this.tailWritten <= this.tailSize
        ? ring.subarray(0, kept)
        : Buffer.concat([ring.subarray(pos, this.tailSize), ring.subarray(0, pos)]);
    const dropped = this.droppedBytes;
    const marker = dropped > 0 ? `\n... [${dropped} bytes dropped] ...\n` : '';
    return headText + marker + tailBytes.toString('utf8');
  }
}
