import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { CappedOutput, READ_AREA_SIZE, readArea } from '../../src/capture';

describe('CappedOutput', () => {
  it('keeps everything under the cap, in order', () => {
    const c = new CappedOutput(16);
    c.write(Buffer.from('hello '));
    c.write(Buffer.from('world'));
    assert.equal(c.toString(), 'hello world');
    assert.equal(c.droppedBytes, 0);
    assert.equal(c.totalBytes, 11);
  });

  it('keeps exactly the cap without a marker', () => {
    const c = new CappedOutput(8);
    c.write(Buffer.from('abcdefgh'));
    assert.equal(c.toString(), 'abcdefgh');
  });

  it('keeps head and tail with a marker naming the dropped bytes', () => {
    const c = new CappedOutput(8);
    c.write(Buffer.from('0123456789abcdefghij'));
    assert.equal(c.toString(), '0123\n... [12 bytes dropped] ...\nghij');
    assert.equal(c.droppedBytes, 12);
  });

  it('gives the same result whether the output comes in one chunk or byte by byte', () => {
    const text = 'The quick brown fox jumps over the lazy dog, again and again.';
    const whole = new CappedOutput(20);
    whole.write(Buffer.from(text));
    const bytes = new CappedOutput(20);
    for (const ch of text) bytes.write(Buffer.from(ch));
    assert.equal(bytes.toString(), whole.toString());
    assert.equal(whole.toString(), `The quick \n... [${text.length - 20} bytes dropped] ...\nn and again.`.replace('n and again.', text.slice(-10)));
  });

  it('takes a window of a reused buffer without keeping a reference to it', () => {
    const shared = Buffer.from('xxhello world!xx');
    const c = new CappedOutput(8);
    c.write(shared, 2, 14);
    shared.fill('z');
    assert.equal(c.toString(), 'hell\n... [4 bytes dropped] ...\nrld!');
    assert.equal(c.totalBytes, 12);
  });

  it('keeps bytes committed from the shared read area exactly as written ones', () => {
    const text = 'The quick brown fox jumps over the lazy dog, again and again.';
    const written = new CappedOutput(20);
    const committed = new CappedOutput(20);
    const other = new CappedOutput(20);
    for (let i = 0; i < text.length; i += 7) {
      const piece = Buffer.from(text.slice(i, i + 7));
      written.write(piece);
      piece.copy(readArea());
      committed.commit(piece.length);
      // Another run's read lands in the same area next: nothing of it may show above.
      readArea().fill('#', 0, 7);
      other.commit(7);
    }
    assert.equal(readArea().length, READ_AREA_SIZE);
    assert.equal(committed.toString(), written.toString());
    assert.equal(other.toString(), '##########\n... [43 bytes dropped] ...\n##########');
    assert.equal(committed.droppedBytes, text.length - 20);
  });

  it('shows nothing of an earlier run whose memory it reuses', () => {
    const first = new CappedOutput(16);
    first.write(Buffer.from('secret-output-of-run-one'));
    first.release();
    const second = new CappedOutput(16);
    second.write(Buffer.from('ab'));
    assert.equal(second.toString(), 'ab');
    assert.equal(second.totalBytes, 2);
  });

  it('holds no more than the cap after 5 MB', () => {
    const c = new CappedOutput(1024);
    const chunk = Buffer.alloc(64 * 1024, 'x');
    for (let i = 0; i < 80; i++) c.write(chunk);
    c.write(Buffer.from('END'));
    const text = c.toString();
    assert.equal(c.totalBytes, 80 * 64 * 1024 + 3);
    assert.equal(c.droppedBytes, 80 * 64 * 1024 + 3 - 1024);
    assert.ok(text.endsWith('xxxEND'));
    assert.equal(text.replace(/\n\.\.\. \[\d+ bytes dropped\] \.\.\.\n/, '').length, 1024);
  });
});
