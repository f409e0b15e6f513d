// The flag table is the one source of the parser's names, --help and docs/running.md's table.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FLAGS, readmeFlagsTable, USAGE } from '../../src/flag-spec';
import { parseFlags, UsageError } from '../../src/flags';
import { ROOT } from '../helpers/service';

const lookPath = (name: string): boolean => name === 'sh';

describe('flag table', () => {
  it('docs/running.md carries the table derived from src/flag-spec.ts (regenerate it from the message below)', () => {
    const readme = readFileSync(join(ROOT, 'docs', 'running.md'), 'utf8');
    const m = /<!-- flags:begin[^>]*-->\n([\s\S]*?)\n<!-- flags:end -->/.exec(readme);
    assert.ok(m !== null, 'docs/running.md has no <!-- flags:begin --> ... <!-- flags:end --> block');
    const expected = readmeFlagsTable();
    assert.equal(m[1], expected, `docs/running.md's flags table is out of date; it should read:\n${expected}\n`);
  });

  it('--help has one line per flag, with its default', () => {
    for (const f of FLAGS) {
      const line = USAGE.split('\n').find((l) => /^ {2}--(\S+?)(,| |$)/.exec(l)?.[1] === f.name);
      assert.ok(line !== undefined, `--help has no line for --${f.name}`);
      if (f.default !== undefined && f.kind !== 'boolean') assert.ok(line.includes(f.default), `--${f.name} default in: ${line}`);
    }
    assert.match(USAGE, /--debug-endpoints\s+serve \/debug\/ .*\(default off\)/);
    assert.match(USAGE, /^ {2}--help, -h\s+print this help and exit$/m);
  });

  it('every default parses as if it were typed', () => {
    const argv = FLAGS.filter((f) => f.default !== undefined && f.kind !== 'boolean').map((f) => `--${f.name}=${f.default}`);
    const out = parseFlags(argv, lookPath);
    assert.equal(out.kind, 'run');
    if (out.kind === 'run') assert.deepEqual(out.config, (parseFlags([], lookPath) as typeof out).config);
  });

  it('a seeded fuzz of command lines only ever gives a result or a short, printable, one-line UsageError', () => {
    // xorshift32: the same 3000 command lines every run.
    let seed = 0x8e7f1d;
    const rnd = (n: number): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return (seed >>> 0) % n;
    };
    const names = [...FLAGS.map((f) => f.name), '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'no-quiet', '', '-', 'prototype'];
    const values = ['', '0', '1', '-1', 'true', 'f', '10ms', '1h', '597h', '99999999999999999999', '/x', '/debug/x', 'x y', '\n', '\u0000', '\u001b[2J', '\u009b', '\u2028', '\u202e', '%', '::', '1e3', 'NaN', '__proto__', 'z'.repeat(10_000), `/${'z'.repeat(10_000)}`];
    for (let i = 0; i < 3000; i++) {
      const argv: string[] = [];
      const n = rnd(6);
      for (let j = 0; j < n; j++) {
        const name = names[rnd(names.length)] as string;
        const value = values[rnd(values.length)] as string;
        const dash = ['-', '--', ''][rnd(3)] as string;
        switch (rnd(3)) {
          case 0: argv.push(`${dash}${name}`); break;
          case 1: argv.push(`${dash}${name}=${value}`); break;
          default: argv.push(`${dash}${name}`, value);
        }
      }
      try {
        parseFlags(argv, lookPath);
      } catch (err) {
        assert.ok(err instanceof UsageError, `${JSON.stringify(argv)} threw ${String(err)}`);
        // One printable line, short whatever was typed: values are cut at 80 characters.
        assert.doesNotMatch(err.message, /[\p{Cc}\u2028\u2029\p{Cf}]/u, `${JSON.stringify(argv).slice(0, 300)}: ${JSON.stringify(err.message)}`);
        assert.ok(err.message.length < 300, `${JSON.stringify(argv).slice(0, 300)}: ${err.message.length} characters`);
      }
    }
  });
});
