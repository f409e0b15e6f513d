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

  write(chunk: Buffer): void {
    this.total += chunk.length;
    let data = chunk;
    if (this.headLen < this.head.length) {
      const n = Math.min(data.length, this.head.length - this.headLen);
      data.copy(this.head, this.headLen, 0, n);
      this.headLen += n;
      data = data.subarray(n);
    }
    if (data.length === 0 || this.tail.length === 0) return;
    // Only the last tail.length bytes of a big chunk can survive.
    if (data.length > this.tail.length) {
      this.tailWritten += data.length - this.tail.length;
      data = data.subarray(data.length - this.tail.length);
    }
    const pos = this.tailWritten % this.tail.length;
    const first = Math.min(data.length, this.tail.length - pos);
    data.copy(this.tail, pos, 0, first);
    if (first < data.length) data.copy(this.tail, 0, first);
    this.tailWritten += data.length;
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
