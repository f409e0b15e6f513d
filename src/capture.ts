// Holds a command's output while it streams, never more than `max` bytes: the first
// half as it came, the rest as a ring of the latest bytes. A probe printing 50 MB a run
// costs the service `max` bytes, not 50 MB.

/** Size of the area the pipe is read into (a pipe hands over at most 64 KiB a read). */
export const READ_AREA = 64 * 1024;

// Arenas of finished runs, reused by the next runs: a fresh one per run would be external
// memory that only a GC returns, and at a run every 100 ms that garbage piles up faster
// than V8 collects it.
const MAX_POOLED_PER_SIZE = 8;
const pool = new Map<number, Buffer[]>();

function takeArena(size: number): Buffer {
  return pool.get(size)?.pop() ?? Buffer.allocUnsafe(size);
}

function giveBack(arena: Buffer): void {
  let list = pool.get(arena.length);
  if (list === undefined) pool.set(arena.length, (list = []));
  if (list.length < MAX_POOLED_PER_SIZE) list.push(arena);
}

export class CappedOutput {
  // One allocation per run: [head | tail ring | read area]. Moving bytes from the read
  // area with copyWithin allocates nothing, where Buffer.copy from a window creates a
  // view per call; at thousands of pipe reads a run, that garbage sized the heap.
  private readonly arena: Buffer;
  private readonly headSize: number;
  private readonly tailSize: number;
  private readonly readStart: number;
  /** Where a pipe reader puts bytes before calling commit(). Empty if none was asked for. */
  readonly readArea: Buffer;
  private headLen = 0;
  /** Bytes written into the tail ring so far (its write position is this mod size). */
  private tailWritten = 0;
  private total = 0;

  constructor(max: number, readAreaSize = 0) {
    this.headSize = Math.floor(max / 2);
    this.tailSize = max - this.headSize;
    this.readStart = max;
    this.arena = takeArena(max + readAreaSize);
    this.readArea = this.arena.subarray(this.readStart);
  }

  /** Keeps what it must of readArea[0, n), just filled by the pipe. */
  commit(n: number): void {
    this.keep(this.arena, this.readStart, this.readStart + n);
  }

  /** Keeps what it must of src[start, end). */
  write(src: Buffer, start = 0, end = src.length): void {
    this.keep(src, start, end);
  }

  private put(src: Buffer, target: number, start: number, end: number): void {
    if (src === this.arena) this.arena.copyWithin(target, start, end);
    else src.copy(this.arena, target, start, end);
  }

  private keep(src: Buffer, start: number, end: number): void {
    this.total += end - start;
    if (this.headLen < this.headSize) {
      const n = Math.min(end - start, this.headSize - this.headLen);
      this.put(src, this.headLen, start, start + n);
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
    const pos = this.tailWritten % size;
    const first = Math.min(end - start, size - pos);
    this.put(src, this.headSize + pos, start, start + first);
    if (start + first < end) this.put(src, this.headSize, start + first, end);
    this.tailWritten += end - start;
  }

  /** Returns the memory for reuse; the object must not be used afterwards. */
  release(): void {
    giveBack(this.arena);
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
    const headText = this.arena.toString('utf8', 0, this.headLen);
    const kept = Math.min(this.tailWritten, this.tailSize);
    if (kept === 0) return headText;
    const t0 = this.headSize;
    const pos = this.tailWritten % this.tailSize;
    const tailBytes =
      this.tailWritten <= this.tailSize
        ? this.arena.subarray(t0, t0 + kept)
        : Buffer.concat([this.arena.subarray(t0 + pos, t0 + this.tailSize), this.arena.subarray(t0, t0 + pos)]);
    const dropped = this.droppedBytes;
    const marker = dropped > 0 ? `\n... [${dropped} bytes dropped] ...\n` : '';
    return headText + marker + tailBytes.toString('utf8');
  }
}
