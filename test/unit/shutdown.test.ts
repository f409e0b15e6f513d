import assert from 'node:assert/strict';
import { request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, it } from 'node:test';
import { Check } from '../../src/check';
import { guardConnections } from '../../src/connection-guard';
import { createLogger, type Logger } from '../../src/log';
import { routeTable, type Handler } from '../../src/route';
import { createApp, type App } from '../../src/server';
import { createShutdown } from '../../src/shutdown';
import { killAllGroups } from '../../src/runner';
import { FakeClock } from '../helpers/fake-clock';
import { FakeRunner } from '../helpers/fake-runner';
import { until } from '../helpers/poll.cjs';

const silent: Logger = { info: () => undefined, notice: () => undefined, error: () => undefined, enabled: () => false };

function hangingCheck(): { check: Check; runner: FakeRunner } {
  const clock = new FakeClock();
  const runner = new FakeRunner(clock, [], { hang: true });
  const check = new Check(
    { url: '/healthz', cmd: 'sleep 60' },
    { runner: runner.run, clock, periodMs: 1000, latencyMs: 60_000, timeoutMs: 60_000, maxOutput: 256, killGraceMs: 10 },
  );
  check.start();
  return { check, runner };
}

async function listening(server: Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function exitRecorder(): { codes: number[]; next: Promise<number>; exit: (code: number) => void } {
  const codes: number[] = [];
  let resolve: (code: number) => void = () => undefined;
  const next = new Promise<number>((r) => (resolve = r));
  return {
    codes,
    next,
    exit: (code) => {
      codes.push(code);
      resolve(code);
    },
  };
}

/** The service's server (its close and dropConnections are what shutdown gets) serving `handler` on `/`. */
function app(handler: Handler): App {
  return createApp(routeTable([{ path: '/', description: '', handler, log: 'none' }]), silent, guardConnections(100));
}

/** Resolves when `server` has received a request (it is then in flight). */
const arrived = (server: Server): Promise<void> => new Promise((r) => server.once('request', () => r()));

/** Event-loop turns enough for any exit already due (timers of 0 ms, close callbacks) to happen. */
async function turns(n = 20): Promise<void> {
  for (let i = 0; i < n; i++) await new Promise((r) => setImmediate(r));
}

/** A listening server holding one request it never answers, as a stuck kubelet probe would. */
async function serverWithHungRequest(): Promise<App & { clientClosed: () => boolean }> {
  const a = app(() => undefined);
  const server = a.server;
  const port = await listening(server);
  const inFlight = arrived(server);
  const req = request({ port, host: '127.0.0.1', path: '/' });
  let closed = false;
  req.on('error', () => undefined);
  req.on('close', () => (closed = true));
  req.end();
  await inFlight;
  return { ...a, clientClosed: () => closed };
}

describe('shutdown', () => {
  it('kills running probes and exits 0 once idle', async () => {
    const a = app((_q, res) => void res.end('ok'));
    const server = a.server;
    await listening(server);
    const { check, runner } = hangingCheck();
    const rec = exitRecorder();
    createShutdown({ close: a.close, dropConnections: a.dropConnections, killProbes: killAllGroups, checks: [check], graceMs: 5000, logger: silent, exit: rec.exit })('SIGTERM');
    assert.equal(await rec.next, 0);
    assert.equal(runner.calls[0]?.options.signal?.aborted, true);
    assert.equal(server.listening, false);
  });

  it('waits for the request in flight, which still gets its answer', async () => {
    let release: () => void = () => undefined;
    const a = app((_q, res) => {
      release = () => res.end('late answer');
    });
    const server = a.server;
    const port = await listening(server);
    const inFlight = arrived(server);
    const reply = new Promise<string>((resolve, reject) => {
      request({ port, host: '127.0.0.1', path: '/' }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve(body));
      })
        .on('error', reject)
        .end();
    });
    await inFlight;
    const rec = exitRecorder();
    createShutdown({ close: a.close, dropConnections: a.dropConnections, killProbes: killAllGroups, checks: [], graceMs: 60_000, logger: silent, exit: rec.exit })('SIGTERM');
    try {
      assert.equal(server.listening, false, 'stopped accepting at once');
      await turns();
      assert.deepEqual(rec.codes, [], 'no exit while a request is in flight');
    } catch (e) {
      server.closeAllConnections(); // or the held connection keeps this file from ending
      throw e;
    }
    release();
    assert.equal(await reply, 'late answer');
    assert.equal(await rec.next, 0);
  });

  it('exits 0 when the grace runs out', async () => {
    const a = await serverWithHungRequest();
    const rec = exitRecorder();
    const started = Date.now();
    createShutdown({ close: a.close, dropConnections: a.dropConnections, killProbes: killAllGroups, checks: [], graceMs: 200, logger: silent, exit: rec.exit })('SIGTERM');
    assert.equal(await rec.next, 0);
    assert.ok(Date.now() - started >= 190);
    // The grace over, the held connection is closed, not left to the exit.
    await until('the held connection to be closed', () => (a.clientClosed() ? true : undefined), 5000);
  });

  it('logs each step, and nothing with --quiet (it promises errors and the listening address only)', async () => {
    for (const quiet of [false, true]) {
      const lines: string[] = [];
      const logger = createLogger({ format: 'text', quiet, write: (l) => lines.push(l.replace(/^\S+ \S+ /, '')), now: () => 0 });
      const a = await serverWithHungRequest();
      const rec = exitRecorder();
      const shutdown = createShutdown({ close: a.close, dropConnections: a.dropConnections, killProbes: killAllGroups, checks: [], graceMs: 50, logger, exit: rec.exit });
      shutdown('SIGTERM');
      assert.equal(await rec.next, 0);
      shutdown('SIGTERM');
      const all = ['SIGTERM: shutting down (grace 50ms)\n', 'shutdown grace over: closing remaining connections\n', 'SIGTERM again: exiting at once\n'];
      assert.deepEqual(lines, quiet ? [] : all, `quiet ${quiet}`);
    }
  });

  it('exits at once, non-zero, on a second signal', async () => {
    const a = await serverWithHungRequest();
    const rec = exitRecorder();
    const shutdown = createShutdown({ close: a.close, dropConnections: a.dropConnections, killProbes: killAllGroups, checks: [], graceMs: 60_000, logger: silent, exit: rec.exit });
    shutdown('SIGTERM');
    shutdown('SIGINT');
    assert.deepEqual(rec.codes, [130]);
    a.dropConnections();
  });
});
