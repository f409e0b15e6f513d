// The real service under pressure: hung and chatty commands, shutdown with work in
// flight, /metrics through promtool, the debug endpoints.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answer, get, httpRequest } from '../helpers/http';
import { sleep, until } from '../helpers/poll';
import { groupMembers } from '../helpers/proc';
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

describe('shutdown', () => {
  it('on SIGTERM finishes the request in flight, kills the running probe and exits 0 within the grace', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
    const s = await start(['--debug-endpoints',
      '--cmd', `echo $$ > ${dir}/pgid; sleep 60`,
      '--period', '1s', '--timeout', '60s', '--latency', '60s', '--shutdown-grace', '5s',
    ]);
    await until('the probe to start', () => {
      try {
        return Number(readFileSync(join(dir, 'pgid'), 'utf8')) || undefined;
      } catch {
        return undefined;
      }
    });
    const pgid = Number(readFileSync(join(dir, 'pgid'), 'utf8'));
    // A 1 s CPU profile is a request that is still in flight when the signal comes.
    const inFlight = httpRequest(`${s.baseUrl}/debug/profile?seconds=1`);
    await sleep(300);
    const exit = await s.stop('SIGTERM');
    const reply = await inFlight;
    assert.equal(reply.status, 200, 'the in-flight request was answered');
    assert.ok(Array.isArray((JSON.parse(reply.body) as { nodes: unknown[] }).nodes));
    assert.equal(exit.code, 0);
    assert.ok(exit.elapsedMs < 5000, `exited ${exit.elapsedMs}ms after SIGTERM, grace is 5s`);
    assert.equal(groupMembers(pgid).length, 0, 'the probe group was killed');
    assert.match(s.stderr(), /SIGTERM: shutting down/);
  });

  it('exits at once on a second signal', async () => {
    const s = await start(['--debug-endpoints', '--period', '1s', '--shutdown-grace', '30s']);
    const inFlight = httpRequest(`${s.baseUrl}/debug/profile?seconds=20`).catch(() => undefined);
    await sleep(300);
    s.process.kill('SIGTERM');
    await s.waitForStderr(/SIGTERM: shutting down/);
    const exit = await s.stop('SIGINT');
    await inFlight;
    assert.notEqual(exit.code, 0);
    assert.ok(exit.elapsedMs < 5000, `exited ${exit.elapsedMs}ms after the second signal`);
  });

  it('exits 0 at once on SIGINT when idle', async () => {
    const s = await start(['--period', '1s']);
    const exit = await s.stop('SIGINT');
    assert.equal(exit.code, 0);
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
});

describe('/debug/', () => {
  it('lists the endpoints, gives figures, a heap snapshot and rejects a bad profile length', async () => {
    const s = await start(['--debug-endpoints', '--period', '1s']);
    const index = await get(`${s.baseUrl}/debug/`);
    assert.equal(index.status, 200);
    assert.match(index.body, /\/debug\/heap/);
    assert.equal((await get(`${s.baseUrl}/debug/pprof/`)).body, index.body);

    const vars = JSON.parse((await get(`${s.baseUrl}/debug/vars`)).body) as Record<string, unknown>;
    assert.equal(typeof vars['rssBytes'], 'number');
    assert.equal(typeof (vars['eventLoopDelay'] as Record<string, unknown>)['p99'], 'number');

    const heap = await get(`${s.baseUrl}/debug/heap`);
    assert.equal(heap.status, 200);
    assert.match(String(heap.headers['content-disposition']), /^attachment; filename="exechealthz-.*\.heapsnapshot"$/);
    const snapshot = JSON.parse(heap.body) as { snapshot: { node_count: number } };
    assert.ok(snapshot.snapshot.node_count > 0);

    const bad = await get(`${s.baseUrl}/debug/profile?seconds=600`);
    assert.equal(bad.status, 400);
    assert.equal(bad.body, 'seconds=600: must be a number greater than 0 and at most 60\n');
  });
});
