// Values echoed in errors: one line, printable, bounded.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { clip, quote, SHOWN_MAX_CHARS } from '../../src/quote';

describe('quote', () => {
  it('quotes a short value as JSON does', () => {
    assert.equal(quote('ls /tmp'), '"ls /tmp"');
    assert.equal(quote('a"b\\c'), '"a\\"b\\\\c"');
    assert.equal(quote(''), '""');
  });

  it('escapes line breaks and every control or format character, so the error stays one printable line', () => {
    assert.equal(quote('a\nb\r\tc\u0000\u001b[31m'), '"a\\nb\\r\\tc\\u0000\\u001b[31m"');
    assert.equal(quote('del\u007f c1\u0085\u009b sep\u2028\u2029 bidi\u202e zw\u200b'), '"del\\u007f c1\\u0085\\u009b sep\\u2028\\u2029 bidi\\u202e zw\\u200b"');
    // A format character outside the BMP is escaped as its two UTF-16 units.
    assert.equal(quote('tag\u{E0041}'), '"tag\\udb40\\udc41"');
    // Printable text outside ASCII is kept as it is.
    assert.equal(quote('café ✓ 😀'), '"café ✓ 😀"');
  });

  it('cuts a long value after 80 characters and says its full size in bytes', () => {
    assert.equal(SHOWN_MAX_CHARS, 80);
    assert.equal(quote('x'.repeat(80)), `"${'x'.repeat(80)}"`);
    assert.equal(quote('x'.repeat(81)), `"${'x'.repeat(80)}"…(81 bytes)`);
    assert.equal(quote('x'.repeat(1_000_000)), `"${'x'.repeat(80)}"…(1000000 bytes)`);
    assert.equal(quote('é'.repeat(100)), `"${'é'.repeat(80)}"…(200 bytes)`);
  });

  it('counts characters, never cutting a surrogate pair in half', () => {
    assert.equal(quote(`${'a'.repeat(79)}😀b`), `"${'a'.repeat(79)}😀"…(84 bytes)`);
    assert.equal(quote('😀'.repeat(80)), `"${'😀'.repeat(80)}"`, '80 characters in 160 UTF-16 units: not cut');
  });

  it('escapes what it shows, after the cut', () => {
    assert.equal(quote(`${'\n'.repeat(100)}`), `"${'\\n'.repeat(80)}"…(100 bytes)`);
  });
});

describe('clip', () => {
  it('cuts a long plain value without quoting it', () => {
    assert.equal(clip('/healthz'), '/healthz');
    assert.equal(clip(`/${'a'.repeat(99)}`), `/${'a'.repeat(79)}…(100 bytes)`);
  });
});
