import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createBatchedWriter, createLogger, MAX_QUEUED_LOG_BYTES, V_REQUESTS, V_RUNS } from '../../src/log';

const now = (): number => Date.UTC(2015, 6, 9, 0, 59, 45, 698);

describe('log', () => {
  it('writes text lines like Go log', () => {
    const out: string[] = [];
    const log = createLogger({ format: 'text', quiet: false, write: (l) => out.push(l), now });
    log.info('Worker running ls to serve /healthz');
    log.error('boom', { url: '/x' });
    assert.deepEqual(out, ['2015/07/09 00:59:45 Worker running ls to serve /healthz\n', '2015/07/09 00:59:45 boom url="/x"\n']);
  });

  it('writes one JSON object per line', () => {
    const out: string[] = [];
    const log = createLogger({ format: 'json', quiet: false, write: (l) => out.push(l), now });
    log.error('boom', { url: '/x' });
    assert.deepEqual(out, ['{"time":"2015-07-09T00:59:45.698Z","level":"error","msg":"boom","url":"/x"}\n']);
  });

  it('enables --v levels up to the one given, none with --quiet', () => {
    const at = (verbosity: number | undefined, quiet: boolean): boolean[] => {
      const log = createLogger({ format: 'text', quiet, verbosity, write: () => undefined, now });
      return [0, V_RUNS, V_REQUESTS].map((level) => log.enabled(level));
    };
    assert.deepEqual(at(undefined, false), [true, false, false]);
    assert.deepEqual(at(1, false), [true, true, false]);
    assert.deepEqual(at(2, false), [true, true, true]);
    assert.deepEqual(at(2, true), [false, false, false]);
  });

  it('drops info lines with --quiet but keeps notices and errors', () => {
    const out: string[] = [];
    const log = createLogger({ format: 'text', quiet: true, write: (l) => out.push(l), now });
    log.info('run');
    log.notice('listening on 0.0.0.0:1');
    log.error('bad');
    assert.deepEqual(out, ['2015/07/09 00:59:45 listening on 0.0.0.0:1\n', '2015/07/09 00:59:45 bad\n']);
  });

  it('writes the lines of a turn in one write, and drops them (counted) while the reader lags', () => {
    const written: string[] = [];
    const sink = { writableLength: 0, write: (d: string) => written.push(d) };
    const turns: (() => void)[] = [];
    const w = createBatchedWriter(() => sink, (fn) => turns.push(fn), 100);
    w.write('a\n');
    w.write('b\n');
    assert.equal(turns.length, 1, 'one flush scheduled per turn');
    turns.shift()?.();
    assert.deepEqual(written, ['a\nb\n']);
    sink.writableLength = 101;
    w.write('c\n');
    w.write('d\n');
    turns.shift()?.();
    assert.deepEqual(written, ['a\nb\n'], 'nothing more queued past the limit');
    assert.equal(w.takeDropped(), 0, 'no count while the reader still lags');
    sink.writableLength = 100;
    w.write('e\n');
    w.flush();
    assert.deepEqual(written, ['a\nb\n', 'e\n']);
    assert.equal(w.takeDropped(), 2);
    assert.equal(w.takeDropped(), 0, 'the count resets once taken');
    assert.equal(MAX_QUEUED_LOG_BYTES, 1024 * 1024);
  });

  it('says how many lines were dropped before its next line', () => {
    const out: string[] = [];
    let lost = 3;
    const log = createLogger({ format: 'text', quiet: false, write: (l) => out.push(l), now, dropped: () => { const n = lost; lost = 0; return n; } });
    log.error('bad');
    log.error('worse');
    assert.deepEqual(out, [
      '2015/07/09 00:59:45 3 log lines dropped: stderr was not read fast enough\n',
      '2015/07/09 00:59:45 bad\n',
      '2015/07/09 00:59:45 worse\n',
    ]);
  });
});
