import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stateChanges, STATE_OUTPUT_CHARS } from '../../src/run-log';
import type { RunResult } from '../../src/runner';

const run = (exitCode: number | null, output = '', more: Partial<RunResult> = {}): RunResult => ({
  exitCode, signal: null, timedOut: false, output, droppedBytes: 0, start: 0, end: 1, ...more,
});

describe('run log: changes of state', () => {
  it('says the first result, then only changes', () => {
    const next = stateChanges('/healthz', 10_000);
    assert.deepEqual(next(run(0)), { level: 'info', msg: '/healthz: healthy' });
    assert.equal(next(run(0)), undefined);
    assert.equal(next(run(0)), undefined);
    assert.deepEqual(next(run(2, "ls: cannot access '/tmp/x': No such file or directory\n")), {
      level: 'error',
      msg: '/healthz: now failing: exit status 2',
      fields: { output: "ls: cannot access '/tmp/x': No such file or directory" },
    });
    assert.equal(next(run(2, 'other text')), undefined, 'still failing, whatever the output');
    assert.equal(next(run(null, '', { timedOut: true })), undefined, 'a timeout is failing too');
    assert.deepEqual(next(run(0)), { level: 'info', msg: '/healthz: healthy again' });
  });

  it('starts failing with the reason, and no output field when there was none', () => {
    const next = stateChanges('/ready', 1500);
    assert.deepEqual(next(run(null, '', { timedOut: true })), { level: 'error', msg: '/ready: failing: timed out after 1.5s, process group killed', fields: undefined });
  });

  it('quotes at most the head of a long output', () => {
    const next = stateChanges('/healthz', 10_000);
    const line = next(run(1, 'x'.repeat(5000)));
    assert.equal(line?.fields?.['output'], `${'x'.repeat(STATE_OUTPUT_CHARS)}...`);
  });

  it('keeps one state per check', () => {
    const a = stateChanges('/a', 10_000);
    const b = stateChanges('/b', 10_000);
    assert.equal(a(run(0))?.msg, '/a: healthy');
    assert.equal(b(run(1))?.msg, '/b: failing: exit status 1');
    assert.equal(a(run(0)), undefined);
  });
});
