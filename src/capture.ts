// Holds a command's output while it streams, never more than `max` bytes: the first
// half as it came, the rest as a ring of the latest bytes. A probe printing 50 MB a run
// costs the service `max` bytes, not 50 MB.

export class CappedOutput {
  private readonly head: Buffer;
  private headLen = 0;
  private readonly tail: Buffer;
  /** Bytes written into the tail ring so far (its write position is this mod size). */
  private tailWritten = 0;
  private total = 0;

  constructor(max: number) {
    const headSize = Math.floor(max / 2);
    this.head = Buffer.allocUnsafe(headSize);
    this.tail = Buffer.allocUnsafe(max - headSize);
  }

  /** Keeps what it must of src[start, end); works on offsets so no view is allocated per read. */
  write(src: Buffer, start = 0, end = src.length): void {
    this.total += end - start;
    if (this.headLen < this.head.length) {
      const n = Math.min(end - start, this.head.length - this.headLen);
      src.copy(this.head, this.headLen, start, start + n);
      this.headLen += n;
      start += n;
    }
    const size = this.tail.length;
    if (start >= end || size === 0) return;
    // Only the last `size` bytes of a big chunk can survive.
    if (end - start > size) {
      this.tailWritten += end - start - size;
      start = end - size;
    }
    const pos = this.tailWritten % size;
    const first = Math.min(end - start, size - pos);
    src.copy(this.tail, pos, start, start + first);
    if (start + first < end) src.copy(this.tail, 0, start + first, end);
    this.tailWritten += end - start;
  }

  /** Bytes received in total, kept or not. */
  get totalBytes(): number {
    return this.total;
  }

  /** Bytes that were received but not kept. */
  get droppedBytes(): number {
    return Math.max(0, this.total - this.head.length - this.tail.length);
  }

  /** The kept output; when bytes were dropped, a marker between head and tail says how many. */
  toString(): string {
    const headText = this.head.toString('utf8', 0, this.headLen);
    const kept = Math.min(this.tailWritten, this.tail.length);
    if (kept === 0) return headText;
    const pos = this.tailWritten % this.tail.length;
    const tailBytes =
      this.tailWritten <= this.tail.length
        ? this.tail.subarray(0, kept)
        : Buffer.concat([this.tail.subarray(pos), this.tail.subarray(0, pos)]);
    const dropped = this.droppedBytes;
    const marker = dropped > 0 ? `\n... [${dropped} bytes dropped] ...\n` : '';
    return headText + marker + tailBytes.toString('utf8');
  }
}
