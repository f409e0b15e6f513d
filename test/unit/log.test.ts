import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createLogger, V_REQUESTS, V_RUNS } from '../../src/log';

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
});
