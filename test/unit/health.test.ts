import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Health } from '../../src/check';
import { plainAnswer, verboseAnswer } from '../../src/health';
import type { Logger } from '../../src/log';
import { describeResult, errorText, goTime } from '../../src/result-text';
import type { RunResult } from '../../src/runner';

const silent: Logger = { info: () => undefined, notice: () => undefined, error: () => undefined, enabled: () => false };
const options = { output: false, timeoutMs: 10_000, latencyMs: 30_000, logger: silent };
const at = Date.UTC(2015, 6, 9, 0, 59, 45, 698);

function result(over: Partial<RunResult>): RunResult {
  return { exitCode: 0, signal: null, timedOut: false, output: '', droppedBytes: 0, start: at - 5, end: at, ...over };
}

const lsError = "ls: cannot access '/tmp/test': No such file or directory\n";

describe('result text (Go shapes)', () => {
  it('prints times like Go time.Time.String() in UTC', () => {
    assert.equal(goTime(at), '2015-07-09 00:59:45.698 +0000 UTC');
    assert.equal(goTime(Date.UTC(2015, 6, 9, 0, 59, 45, 500)), '2015-07-09 00:59:45.5 +0000 UTC');
    assert.equal(goTime(Date.UTC(2015, 6, 9, 0, 59, 45, 0)), '2015-07-09 00:59:45 +0000 UTC');
  });

  it('names errors as Go exec did', () => {
    assert.equal(errorText(result({ exitCode: 2 }), 10_000), 'exit status 2');
    assert.equal(errorText(result({ exitCode: null, signal: 'SIGKILL' }), 10_000), 'signal: killed');
    assert.equal(errorText(result({ exitCode: null, signal: 'SIGTERM', timedOut: true }), 1500), 'timed out after 1.5s, process group killed');
    assert.equal(errorText(result({ exitCode: null, spawnError: 'spawn sh EAGAIN' }), 1), 'cannot run sh: spawn sh EAGAIN');
    assert.equal(errorText(result({}), 1), undefined);
  });

  it('describes a result as Go execResult.String()', () => {
    assert.equal(
      describeResult(result({ exitCode: 2, output: lsError }), 10_000),
      `Result of last exec: ${lsError}, at 2015-07-09 00:59:45.698 +0000 UTC, error exit status 2`,
    );
    assert.equal(
      describeResult(result({ output: 'x' }), 10_000),
      'Result of last exec: x, at 2015-07-09 00:59:45.698 +0000 UTC, error None',
    );
  });
});

describe('plain answers', () => {
  it('answers 503 before the first result', () => {
    assert.deepEqual(plainAnswer('/healthz', { state: 'pending' }, options), {
      status: 503,
      body: 'no result yet: the first run for /healthz has not finished\n',
    });
  });

  it('answers a failure exactly as the Go tool', () => {
    const h: Health = { state: 'failed', result: result({ exitCode: 2, output: lsError }) };
    assert.deepEqual(plainAnswer('/healthz', h, options), {
      status: 503,
      body: `Healthz probe on /healthz error: Result of last exec: ${lsError}, at 2015-07-09 00:59:45.698 +0000 UTC, error exit status 2\n`,
    });
  });

  it('answers a stale result exactly as the Go tool', () => {
    const h: Health = { state: 'stale', result: result({ output: 'fine' }), ageMs: 31_000 };
    assert.deepEqual(plainAnswer('/healthz', h, options), {
      status: 503,
      body: 'Latest result too old to be useful: Result of last exec: fine, at 2015-07-09 00:59:45.698 +0000 UTC, error None.\n',
    });
  });

  it('answers ok, or the output with --output', () => {
    const h: Health = { state: 'ok', result: result({ output: 'all good\n' }) };
    assert.deepEqual(plainAnswer('/healthz', h, options), { status: 200, body: 'ok' });
    assert.deepEqual(plainAnswer('/healthz', h, { ...options, output: true }), { status: 200, body: 'all good\n' });
  });
});

describe('verbose answers (apiserver style)', () => {
  it('lists a passing check', () => {
    const h: Health = { state: 'ok', result: result({}) };
    assert.deepEqual(verboseAnswer('/healthz', h, options), { status: 200, body: '[+]/healthz ok\nhealthz check passed\n' });
  });
  it('lists a failing check with its reason', () => {
    const h: Health = { state: 'failed', result: result({ exitCode: 1 }) };
    assert.deepEqual(verboseAnswer('/healthz', h, options), {
      status: 503,
      body: '[-]/healthz failed: exit status 1\nhealthz check failed\n',
    });
  });
  it('lists a stale and a pending check', () => {
    const stale: Health = { state: 'stale', result: result({}), ageMs: 31_000 };
    assert.equal(verboseAnswer('/x', stale, options).body, '[-]/x failed: result too old (31s > --latency 30s)\nhealthz check failed\n');
    assert.equal(verboseAnswer('/x', { state: 'pending' }, options).body, '[-]/x failed: no result yet\nhealthz check failed\n');
  });
  it('notes an output held open by a background process, passing or failing', () => {
    const ok: Health = { state: 'ok', result: result({ outputHeldOpen: true }) };
    assert.deepEqual(verboseAnswer('/healthz', ok, options), {
      status: 200,
      body: '[+]/healthz ok (output held open by a background process)\nhealthz check passed\n',
    });
    const failed: Health = { state: 'failed', result: result({ exitCode: 3, outputHeldOpen: true }) };
    assert.equal(verboseAnswer('/healthz', failed, options).body, '[-]/healthz failed: exit status 3 (output held open by a background process)\nhealthz check failed\n');
    const killed = result({ exitCode: null, signal: 'SIGKILL', outputHeldOpen: true });
    assert.equal(errorText(killed, 10_000), 'signal: killed (output held open by a background process)');
    assert.equal(errorText(result({ outputHeldOpen: true }), 10_000), undefined);
  });
});
