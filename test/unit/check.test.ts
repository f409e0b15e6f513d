import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Check, type CheckOptions } from '../../src/check';
import { FakeClock, flush } from '../helpers/fake-clock';
import { FakeRunner, type Script } from '../helpers/fake-runner';

function setup(scripts: Script[], overrides: Partial<CheckOptions> = {}, fallback?: Script) {
  const clock = new FakeClock();
  const runner = new FakeRunner(clock, scripts, fallback);
  const check = new Check(
    { url: '/healthz', cmd: 'probe' },
    {
      runner: runner.run,
      clock,
      periodMs: 1000,
      latencyMs: 5000,
      timeoutMs: 3000,
      maxOutput: 1024,
      killGraceMs: 100,
      ...overrides,
    },
  );
  return { clock, runner, check };
}

describe('Check', () => {
  it('runs first at once, then shifted once by its phase, then every period', async () => {
    const { clock, runner, check } = setup([], { phaseMs: 250 });
    const t0 = clock.now();
    check.start();
    await clock.advance(5000);
    assert.deepEqual(
      runner.calls.map((c) => c.startedAt - t0),
      [0, 1250, 2250, 3250, 4250],
    );
  });

  it("never sets a timer over Node's longest, even when --period plus the phase is", async () => {
    const max = 2 ** 31 - 1;
    // The fake clock throws on a timer over the limit, as Node would misfire it after 1 ms.
    const { clock, runner, check } = setup([], { periodMs: max, latencyMs: max, phaseMs: Math.floor(max / 2) });
    const t0 = clock.now();
    check.start();
    await clock.advance(2 * max);
    assert.deepEqual(
      runner.calls.map((c) => c.startedAt - t0),
      [0, max, 2 * max],
    );
  });

  it('keeps the period from the first start without a phase', async () => {
    const { clock, runner, check } = setup([]);
    const t0 = clock.now();
    check.start();
    await clock.advance(3000);
    assert.deepEqual(
      runner.calls.map((c) => c.startedAt - t0),
      [0, 1000, 2000, 3000],
    );
  });

  it('runs at once at start and is pending until the first run ends', async () => {
    const { clock, runner, check } = setup([{ exitCode: 0, durationMs: 200 }]);
    check.start();
    assert.equal(runner.calls.length, 1);
    assert.equal(runner.calls[0]?.startedAt, clock.now());
    assert.deepEqual(check.health(), { state: 'pending' });
    await clock.advance(199);
    assert.equal(check.health().state, 'pending');
    await clock.advance(1);
    assert.equal(check.health().state, 'ok');
  });

  it('follows success, failure, success in order and counts failures in a row', async () => {
    const { clock, check } = setup([
      { exitCode: 0, output: 'fine' },
      { exitCode: 2, output: 'ls: cannot access' },
      { exitCode: 1 },
      { exitCode: 0 },
    ]);
    check.start();
    await clock.advance(0);
    assert.equal(check.health().state, 'ok');
    assert.equal(check.last?.output, 'fine');
    await clock.advance(1000);
    const failed = check.health();
    assert.equal(failed.state, 'failed');
    assert.equal(failed.state === 'failed' ? failed.result.exitCode : -1, 2);
    assert.equal(check.consecutiveFailures, 1);
    await clock.advance(1000);
    assert.equal(check.consecutiveFailures, 2);
    await clock.advance(1000);
    assert.equal(check.health().state, 'ok');
    assert.equal(check.consecutiveFailures, 0);
    assert.deepEqual(
      [check.runs('success'), check.runs('failure'), check.runs('timeout')],
      [2, 2, 0],
    );
  });

  it('starts runs one period apart, measured from start to start', async () => {
    const { clock, runner, check } = setup([], {}, { exitCode: 0, durationMs: 300 });
    const t0 = clock.now();
    check.start();
    await clock.advance(3500);
    assert.deepEqual(
      runner.calls.map((c) => c.startedAt - t0),
      [0, 1000, 2000, 3000],
    );
  });

  it('never overlaps runs: a run longer than the period is followed right after it ends', async () => {
    const { clock, runner, check } = setup([{ exitCode: 0, durationMs: 2500 }, { exitCode: 0, durationMs: 100 }], {
      timeoutMs: 5000,
    });
    const t0 = clock.now();
    check.start();
    await clock.advance(4000);
    assert.equal(runner.maxConcurrent, 1);
    assert.deepEqual(
      runner.calls.map((c) => c.startedAt - t0),
      [0, 2500, 3500],
    );
  });

  it('reports a result older than --latency as stale', async () => {
    // A run that hangs until its timeout leaves the previous result ageing.
    const { clock, check } = setup([{ exitCode: 0 }, { hang: true }], { periodMs: 1000, latencyMs: 2000, timeoutMs: 2000 });
    check.start();
    await clock.advance(0);
    assert.equal(check.health().state, 'ok');
    await clock.advance(2000);
    assert.equal(check.health().state, 'ok', 'exactly --latency old is still fresh');
    await clock.advance(1);
    const stale = check.health();
    assert.equal(stale.state, 'stale');
    assert.equal(stale.state === 'stale' ? stale.ageMs : 0, 2001);
  });

  it('turns a run that outlives --timeout into a failure counted as timeout', async () => {
    const { clock, runner, check } = setup([{ hang: true }], { timeoutMs: 1500, latencyMs: 5000 }, { exitCode: 0, durationMs: 500 });
    check.start();
    assert.equal(runner.calls[0]?.options.timeoutMs, 1500);
    await clock.advance(1499);
    assert.equal(check.health().state, 'pending');
    await clock.advance(1);
    const h = check.health();
    assert.equal(h.state, 'failed');
    assert.equal(h.state === 'failed' ? h.result.timedOut : false, true);
    assert.equal(check.runs('timeout'), 1);
    assert.equal(check.consecutiveFailures, 1);
  });

  it('keeps several checks independent', async () => {
    const clock = new FakeClock();
    const a = new FakeRunner(clock, [], { exitCode: 0 });
    const b = new FakeRunner(clock, [], { exitCode: 3, output: 'down' });
    const base = { clock, periodMs: 500, latencyMs: 5000, timeoutMs: 400, maxOutput: 64, killGraceMs: 10 };
    const one = new Check({ url: '/a', cmd: 'a' }, { ...base, runner: a.run });
    const two = new Check({ url: '/b', cmd: 'b' }, { ...base, runner: b.run });
    one.start();
    two.start();
    await clock.advance(1000);
    assert.equal(one.health().state, 'ok');
    assert.equal(two.health().state, 'failed');
    assert.equal(a.calls.length, 3);
    assert.equal(b.calls.length, 3);
    assert.ok(a.calls.every((c) => c.cmd === 'a'));
    assert.ok(b.calls.every((c) => c.cmd === 'b'));
  });

  it('stop() kills the running command and schedules nothing more', async () => {
    const { clock, runner, check } = setup([{ hang: true }]);
    check.start();
    assert.equal(check.isRunning, true);
    await check.stop();
    await flush();
    assert.equal(runner.calls[0]?.options.signal?.aborted, true);
    assert.equal(check.isRunning, false);
    assert.equal(check.health().state, 'pending', 'a run cut by shutdown is not a result');
    await clock.advance(10_000);
    assert.equal(runner.calls.length, 1);
    assert.equal(clock.pendingTimers, 0);
  });

  it('fills the duration histogram cumulatively', async () => {
    const { clock, check } = setup([
      { exitCode: 0, durationMs: 3 },
      { exitCode: 0, durationMs: 40 },
      { exitCode: 1, durationMs: 40_000 },
    ], { periodMs: 100, latencyMs: 60_000, timeoutMs: 50_000 }, { hang: true });
    check.start();
    await clock.advance(41_000);
    const h = check.histogram();
    // Buckets: 0.005 0.01 0.025 0.05 0.1 0.25 0.5 1 2.5 5 10 30 +Inf
    assert.deepEqual(h.buckets.slice(0, 4), [1, 1, 1, 2]);
    assert.equal(h.buckets[11], 2);
    assert.equal(h.buckets[12], 3);
    assert.equal(h.count, 3);
    assert.equal(h.sum, 0.003 + 0.04 + 40);
  });
});
