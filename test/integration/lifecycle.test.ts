// The real service under pressure: hung and chatty commands, shutdown with work in
// flight, /metrics through promtool, the debug endpoints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answer, get, httpRequest } from '../helpers/http.cjs';
import { until } from '../helpers/poll.cjs';
import { openMetricsProblems, PROMETHEUS_ACCEPT } from '../helpers/openmetrics';
import { groupMembers } from '../helpers/proc.cjs';
import { servicesOfThisFile } from '../helpers/service';

const start = servicesOfThisFile();


describe('hung and chatty commands', () => {
  it('kills a timed-out command with the background child it spawned', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
    const s = await start([
      '--cmd', `echo $$ >> ${dir}/pgids; sleep 60 & sleep 60`,
      '--period', '100ms', '--timeout', '300ms', '--latency', '2s',
    ]);
    const failed = await answer(`${s.baseUrl}/healthz`, (r) => r.body.startsWith('Healthz'));
    assert.equal(failed.status, 503);
    assert.match(failed.body, /, error timed out after 300ms, process group killed\n$/);
    const first = Number(readFileSync(join(dir, 'pgids'), 'utf8').split('\n')[0]);
    await until('the first run\'s process group to be gone', () => (groupMembers(first).length === 0 ? true : undefined), 5000);
    const metrics = await get(`${s.baseUrl}/metrics`);
    assert.match(metrics.body, /^exechealthz_check_runs_total\{url="\/healthz",result="timeout"\} [1-9]\d*$/m);
    assert.match(metrics.body, /^exechealthz_check_last_exit_code\{url="\/healthz"\} -1$/m);
  });

  it('holds no more than --max-output of a command printing 5 MB', async () => {
    const s = await start([
      '--cmd', `echo BEGIN; head -c 5000000 /dev/zero | tr '\\0' x; echo; echo END`,
      '--max-output', '2048', '--period', '100ms', '--timeout', '10s', '--latency', '20s',
    ]);
    const r = await answer(`${s.baseUrl}/healthz?format=json`, (x) => x.status === 200);
    const body = JSON.parse(r.body) as { output: string; outputDroppedBytes: number };
    const total = 6 + 5_000_000 + 1 + 4;
    assert.equal(body.outputDroppedBytes, total - 2048);
    assert.ok(body.output.startsWith('BEGIN\nxxxx'));
    assert.ok(body.output.endsWith('xxxx\nEND\n'));
    assert.equal(body.output.replace(`\n... [${total - 2048} bytes dropped] ...\n`, '').length, 2048);
  });
});

/** The probe's process group id, once the probe has written it (echo $$ > file). */
function pgidFrom(file: string): Promise<number> {
  return until('the probe to start', () => {
    try {
      const n = Number(readFileSync(file, 'utf8'));
      return Number.isInteger(n) && n > 1 ? n : undefined;
    } catch {
      return undefined;
    }
  });
}

/**
 * Waits until a /debug/profile is being served: a second profile request is then refused
 * with 409 before its (deliberately invalid) length is even read; were none in progress,
 * the invalid length would get a 400 and start nothing.
 */
async function profileInProgress(baseUrl: string): Promise<void> {
  const r = await answer(`${baseUrl}/debug/profile?seconds=0`, (x) => x.status === 409 || x.status !== 400);
  assert.equal(r.status, 409, r.body);
}

describe('shutdown', () => {
  it('on SIGTERM finishes the request in flight, kills the running probe and exits 0 within the grace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
    const s = await start([
      '--cmd', `echo $$ > ${dir}/pgid; sleep 60`, '--debug-endpoints=true',
      '--period', '1s', '--timeout', '60s', '--latency', '60s', '--shutdown-grace', '60s',
    ]);
    const pgid = await pgidFrom(join(dir, 'pgid'));
    // A CPU profile is a request that is still in flight when the signal comes.
    const inFlight = httpRequest(`${s.baseUrl}/debug/profile?seconds=3`);
    await profileInProgress(s.baseUrl);
    const exit = await s.stop('SIGTERM');
    const reply = await inFlight;
    assert.equal(reply.status, 200, 'the in-flight request was answered');
    assert.ok(Array.isArray((JSON.parse(reply.body) as { nodes: unknown[] }).nodes));
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, s.stderr());
    // It stopped because the work was done, not because the grace ran out.
    assert.match(s.stderr(), /SIGTERM: shutting down \(grace 1m0s\)/);
    assert.match(s.stderr(), /shutdown complete/);
    assert.doesNotMatch(s.stderr(), /shutdown grace over/);
    assert.equal(groupMembers(pgid).length, 0, 'the probe group was killed');
  });

  it('when the grace runs out with a request in flight and a probe running: closes it, kills the probe, exits 0', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
    const graceMs = 1000;
    const s = await start([
      '--cmd', `echo $$ > ${dir}/pgid; trap '' TERM; sleep 60`, '--debug-endpoints=true',
      '--period', '1s', '--timeout', '60s', '--latency', '60s', '--shutdown-grace', `${graceMs}ms`,
    ]);
    const pgid = await pgidFrom(join(dir, 'pgid'));
    const inFlight = httpRequest(`${s.baseUrl}/debug/profile?seconds=30`).then(
      (r) => `answered ${r.status}`,
      (e: Error) => `failed: ${e.message}`,
    );
    await profileInProgress(s.baseUrl);
    const exit = await s.stop('SIGTERM');
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, s.stderr());
    // A lower bound only, which a slow machine cannot break: not before the grace was up.
    assert.ok(exit.elapsedMs >= graceMs - 50, `exited ${exit.elapsedMs}ms after SIGTERM, before the ${graceMs}ms grace`);
    assert.match(s.stderr(), /shutdown grace over: closing remaining connections/);
    assert.doesNotMatch(s.stderr(), /shutdown complete/);
    assert.match(await inFlight, /^failed: /, 'the held request was cut off, not answered');
    await until('the probe group to be gone', () => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
  });

  for (const [second, code] of [['SIGTERM', 143], ['SIGINT', 130]] as const) {
    it(`exits ${code} at once on a second signal (${second}), killing the running probe`, async () => {
      const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
      const s = await start([
        '--cmd', `echo $$ > ${dir}/pgid; sleep 60`, '--debug-endpoints=true',
        '--period', '1s', '--timeout', '60s', '--latency', '60s', '--shutdown-grace', '60s',
      ]);
      const pgid = await pgidFrom(join(dir, 'pgid'));
      const inFlight = httpRequest(`${s.baseUrl}/debug/profile?seconds=30`).catch(() => undefined);
      await profileInProgress(s.baseUrl);
      s.process.kill('SIGTERM');
      await s.waitForStderr(/SIGTERM: shutting down/);
      const exit = await s.stop(second);
      await inFlight;
      assert.deepEqual({ code: exit.code, signal: exit.signal }, { code, signal: null }, s.stderr());
      assert.match(s.stderr(), new RegExp(`${second} again: exiting at once`));
      assert.ok(exit.elapsedMs < 60_000, `exited ${exit.elapsedMs}ms after the second signal: it waited for the grace`);
      await until('the probe group to be gone', () => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
    });
  }

  it('exits 0 at once on SIGINT when idle', async () => {
    const s = await start(['--period', '1s']);
    const exit = await s.stop('SIGINT');
    assert.deepEqual({ code: exit.code, signal: exit.signal }, { code: 0, signal: null }, s.stderr());
  });
});

describe('/metrics', () => {
  it('passes promtool check metrics', async () => {
    const s = await start(['--cmd=true', '--url=/a', '--cmd=false', '--url=/b', '--period', '50ms']);
    await answer(`${s.baseUrl}/b`, (r) => r.body.startsWith('Healthz'));
    await answer(`${s.baseUrl}/a`, (r) => r.status === 200);
    const r = await get(`${s.baseUrl}/metrics`);
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'text/plain; version=0.0.4; charset=utf-8');
    assert.match(r.body, /^exechealthz_check_up\{url="\/a"\} 1$/m);
    assert.match(r.body, /^exechealthz_check_up\{url="\/b"\} 0$/m);
    assert.match(r.body, /^exechealthz_check_last_exit_code\{url="\/b"\} 1$/m);
    assert.match(r.body, /^process_resident_memory_bytes \d+$/m);
    const promtool = spawnSync('promtool', ['check', 'metrics'], { input: r.body, encoding: 'utf8' });
    if (promtool.error !== undefined) {
      assert.fail(`promtool not runnable (${promtool.error.message}): install prometheus (promtool): bash hack/provision.sh`);
    }
    assert.equal(promtool.status, 0, `promtool check metrics:\n${promtool.stdout}${promtool.stderr}`);
    assert.equal(`${promtool.stdout}${promtool.stderr}`.trim(), '', 'no lint findings');
  });

  it("answers Prometheus' Accept header with OpenMetrics 1.0.0, valid by the spec's grammar and rules", async () => {
    const s = await start(['--cmd=true', '--url=/a', '--cmd=false', '--url=/b', '--period', '50ms']);
    await answer(`${s.baseUrl}/b`, (r) => r.body.startsWith('Healthz'));
    await answer(`${s.baseUrl}/a`, (r) => r.status === 200);
    const r = await httpRequest(`${s.baseUrl}/metrics`, { headers: { Accept: PROMETHEUS_ACCEPT } });
    assert.equal(r.status, 200);
    assert.equal(r.headers['content-type'], 'application/openmetrics-text; version=1.0.0; charset=utf-8');
    assert.equal(r.headers['vary'], 'Accept');
    assert.ok(r.body.endsWith('\n# EOF\n'), r.body.slice(-200));
    assert.match(r.body, /^# TYPE exechealthz_check_runs counter$/m);
    assert.match(r.body, /^exechealthz_check_runs_total\{url="\/b",result="failure"\} [1-9]\d*$/m);
    assert.match(r.body, /^exechealthz_check_up\{url="\/a"\} 1$/m);
    // promtool check metrics reads the 0.0.4 text format only (it stops at `info`).
    assert.deepEqual(openMetricsProblems(r.body), [], r.body);
  });
});

describe('/debug/', () => {
  it('lists the endpoints, gives figures, a heap snapshot and rejects a bad profile length', async () => {
    const s = await start(['--period', '1s', '--debug-endpoints=true']);
    const index = await get(`${s.baseUrl}/debug/`);
    assert.equal(index.status, 200);
    assert.match(index.body, /\/debug\/heap/);
    assert.equal((await get(`${s.baseUrl}/debug/pprof/`)).body, index.body);

    const vars = JSON.parse((await get(`${s.baseUrl}/debug/vars`)).body) as Record<string, unknown>;
    assert.equal(typeof vars['rssBytes'], 'number');
    assert.equal(typeof (vars['eventLoopDelay'] as Record<string, unknown>)['p99'], 'number');
    assert.equal(vars['processStarter'], 'handles', "probes start on Node's process and pipe handles, not the child_process fallback");

    const heap = await get(`${s.baseUrl}/debug/heap`);
    assert.equal(heap.status, 200);
    assert.match(String(heap.headers['content-disposition']), /^attachment; filename="exechealthz-.*\.heapsnapshot"$/);
    const snapshot = JSON.parse(heap.body) as { snapshot: { node_count: number } };
    assert.ok(snapshot.snapshot.node_count > 0);

    const bad = await get(`${s.baseUrl}/debug/profile?seconds=600`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body, 'seconds=600: must be a number greater than 0 and at most 60\n');
  });

  it('answers 409 to a heap snapshot or profile while a profile is in progress, and serves again after', async () => {
    const s = await start(['--period', '1s', '--debug-endpoints=true']);
    const first = httpRequest(`${s.baseUrl}/debug/profile?seconds=2`);
    await profileInProgress(s.baseUrl);
    for (const path of ['/debug/heap', '/debug/profile?seconds=1']) {
      const busy = await get(`${s.baseUrl}${path}`);
      assert.equal(busy.status, 409, path);
      assert.equal(busy.body, 'another heap snapshot or CPU profile is in progress; retry when it is done\n', path);
    }
    assert.equal((await first).status, 200);
    const after = await get(`${s.baseUrl}/debug/profile?seconds=0`);
    assert.equal(after.status, 400, 'not busy any more');
  });
});
