// The original README's examples, run against the real bundled service.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { answer, get, httpRequest } from '../helpers/http.cjs';
import { servicesOfThisFile } from '../helpers/service';

const start = servicesOfThisFile();


const GO_TIME = '\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d(\\.\\d+)? \\+0000 UTC';

describe('README walk-through: ls /tmp/test', () => {
  it('answers 503 with the ls error, then 200 ok once the file exists', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
    const file = join(dir, 'test');
    const s = await start(['--cmd', `ls ${file}`, '--period', '50ms']);

    const failing = await answer(`${s.baseUrl}/healthz`, (r) => r.status === 503 && r.body.startsWith('Healthz'));
    assert.match(
      failing.body,
      new RegExp(
        `^Healthz probe on /healthz error: Result of last exec: ls: cannot access '${file}': No such file or directory\\n, at ${GO_TIME}, error exit status 2\\n$`,
      ),
    );
    assert.equal(failing.headers['content-type'], 'text/plain; charset=utf-8');

    writeFileSync(file, '');
    const ok = await answer(`${s.baseUrl}/healthz`, (r) => r.status === 200);
    assert.equal(ok.body, 'ok');

    rmSync(file);
    const again = await answer(`${s.baseUrl}/healthz`, (r) => r.status === 503);
    assert.match(again.body, /error exit status 2\n$/);
    // The default log: each change of state once, no line per run or request.
    await s.waitForStderr(/\/healthz: now failing: exit status 2/);
    const log = s.stderr();
    assert.match(log, new RegExp(`/healthz: failing: exit status 2 output="ls: cannot access '${file}': No such file or directory"\n`));
    assert.match(log, /\/healthz: healthy again\n/);
    assert.equal(log.match(/\/healthz: failing/g)?.length, 1, log);
    assert.doesNotMatch(log, /Worker running|Client ip/);
  });

  it('answers 503 "no result yet" before the first run ends', async () => {
    // The first run lasts until the service is stopped: no race with the first GET.
    const s = await start(['--cmd', 'sleep 60', '--period', '100ms', '--latency', '60s', '--timeout', '60s', '--shutdown-grace', '1s']);
    const r = await get(`${s.baseUrl}/healthz`);
    assert.equal(r.status, 503);
    assert.equal(r.body, 'no result yet: the first run for /healthz has not finished\n');
    // Every unhealthy answer is logged, this one too.
    await s.waitForStderr(/ no result yet: the first run for \/healthz has not finished\n/);
  });
});

describe('several URL/command pairs', () => {
  it('serves each URL from its own command', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
    const s = await start([
      `--cmd=ls ${dir}/test1`, '--url=/healthz1',
      `--cmd=ls ${dir}/test2`, '--url=/healthz2',
      '--cmd=echo up', '--url=/ready',
      '--period=50ms',
    ]);
    writeFileSync(join(dir, 'test1'), '');
    assert.equal((await answer(`${s.baseUrl}/healthz1`, (r) => r.status === 200)).body, 'ok');
    const two = await answer(`${s.baseUrl}/healthz2`, (r) => r.status === 503 && r.body.startsWith('Healthz'));
    assert.match(two.body, /^Healthz probe on \/healthz2 error: .*test2/);
    assert.equal((await answer(`${s.baseUrl}/ready`, (r) => r.status === 200)).body, 'ok');
    // The default /healthz is not served when --url is given.
    assert.equal((await get(`${s.baseUrl}/healthz`)).status, 404);
  });
});

describe('endpoints and shapes', () => {
  it('serves the listing, 404, 405, HEAD, JSON, verbose and --output', async () => {
    const s = await start(['--cmd', 'echo hello; echo world >&2', '--period', '50ms', '--output']);
    const ok = await answer(`${s.baseUrl}/healthz`, (r) => r.status === 200);
    assert.equal(ok.body, 'hello\nworld\n', '--output answers with the command output, stderr included');

    const index = await get(`${s.baseUrl}/`);
    assert.equal(index.status, 200);
    for (const path of ['/healthz', '/metrics']) assert.match(index.body, new RegExp(`^${path} `, 'm'));
    assert.doesNotMatch(index.body, /\/quit/, '/quit is off by default');
    assert.doesNotMatch(index.body, /\/debug/, '/debug/ is off by default');

    const missing = await get(`${s.baseUrl}/nope`);
    assert.equal(missing.status, 404);
    assert.equal(missing.body, '404 page not found\n');
    assert.equal((await get(`${s.baseUrl}/quit`)).status, 404);

    const post = await httpRequest(`${s.baseUrl}/healthz`, { method: 'POST' });
    assert.equal(post.status, 405);
    assert.equal(post.headers['allow'], 'GET, HEAD');

    const head = await httpRequest(`${s.baseUrl}/healthz`, { method: 'HEAD' });
    assert.equal(head.status, 200);
    assert.equal(head.body, '');
    assert.equal(head.headers['content-length'], String(Buffer.byteLength('hello\nworld\n')));

    const verbose = await get(`${s.baseUrl}/healthz?verbose`);
    assert.equal(verbose.status, 200);
    assert.equal(verbose.body, '[+]/healthz ok\nhealthz check passed\n');

    for (const [url, headers] of [
      [`${s.baseUrl}/healthz?format=json`, undefined],
      [`${s.baseUrl}/healthz`, { Accept: 'application/json' }],
    ] as const) {
      const json = await get(url, headers);
      assert.equal(json.status, 200);
      assert.equal(json.headers['content-type'], 'application/json');
      const body = JSON.parse(json.body) as Record<string, unknown>;
      assert.deepEqual(Object.keys(body).sort(), [
        'cmd', 'consecutiveFailures', 'durationSeconds', 'end', 'exitCode', 'healthy', 'output',
        'outputDroppedBytes', 'reason', 'signal', 'start', 'status', 'timedOut', 'url',
      ]);
      assert.equal(body['status'], 'ok');
      assert.equal(body['healthy'], true);
      assert.equal(body['exitCode'], 0);
      assert.equal(body['output'], 'hello\nworld\n');
      assert.equal(body['consecutiveFailures'], 0);
      assert.ok(Date.parse(String(body['end'])) >= Date.parse(String(body['start'])));
    }
  });

  it('shows a failure in verbose and JSON form', async () => {
    const s = await start(['--cmd', 'echo broken; exit 4', '--period', '50ms']);
    const verbose = await answer(`${s.baseUrl}/healthz?verbose`, (r) => r.status === 503 && r.body.includes('exit status'));
    assert.equal(verbose.body, '[-]/healthz failed: exit status 4\nhealthz check failed\n');
    const json = await answer(`${s.baseUrl}/healthz?format=json`, (r) => r.status === 503 && r.body.includes('"failed"'));
    const body = JSON.parse(json.body) as Record<string, unknown>;
    assert.equal(body['status'], 'failed');
    assert.equal(body['exitCode'], 4);
    assert.equal(body['reason'], 'exit status 4');
    assert.equal(body['output'], 'broken\n');
    assert.ok(Number(body['consecutiveFailures']) >= 1);
  });

  it('serves /quit only with --allow-quit, and exits 0 through it', async () => {
    const s = await start(['--allow-quit', '--period', '1s']);
    const r = await get(`${s.baseUrl}/quit`);
    assert.equal(r.status, 200);
    const exit = await s.exited;
    assert.equal(exit.code, 0);
    assert.match(s.stderr(), /Shutdown requested via \/quit by /);
  });

  it('serves /debug/ only with --debug-endpoints; --debug-endpoints=false keeps it off', async () => {
    for (const args of [[], ['--debug-endpoints=false']]) {
      const off = await start([...args, '--period', '1s']);
      assert.equal((await get(`${off.baseUrl}/debug/`)).status, 404, args.join(' '));
      assert.equal((await get(`${off.baseUrl}/debug/heap`)).status, 404, args.join(' '));
    }
    for (const flag of ['--debug-endpoints', '--debug-endpoints=true']) {
      const on = await start([flag, '--period', '1s']);
      assert.equal((await get(`${on.baseUrl}/debug/`)).status, 200, flag);
    }
  });

  it('logs runs with -v 1, requests too with -v 2, and nothing but errors and the address with --quiet', async () => {
    const plain = await start(['--period', '50ms']);
    // Asked only once there is a result: a 503 before it would be logged, rightly, as an error.
    await plain.waitForStderr(/\/healthz: healthy\n/);
    await answer(`${plain.baseUrl}/healthz`, (r) => r.status === 200);
    await get(`${plain.baseUrl}/metrics`);
    const runs = await start(['--period', '50ms', '-v', '1']);
    await answer(`${runs.baseUrl}/healthz`, (r) => r.status === 200);
    await get(`${runs.baseUrl}/metrics`);
    await runs.waitForStderr(/(Worker running echo healthz to serve \/healthz\n[^\n]*\/healthz: exit status 0 in \d+ms\n[^]*){2}/);
    const loud = await start(['--period', '50ms', '--v=2']);
    await answer(`${loud.baseUrl}/healthz`, (r) => r.status === 200);
    await get(`${loud.baseUrl}/metrics`);
    await loud.waitForStderr(/Client ip \S+ requesting \/healthz probe servicing cmd echo healthz/);
    await loud.waitForStderr(/GET \/metrics 200 [\d.]+ms from 127\.0\.0\.1/);
    await loud.waitForStderr(/Worker running echo healthz/);
    // Both were asked for the same; by then a request or run line would have been written.
    for (const s of [plain, runs]) assert.doesNotMatch(s.stderr(), /Client ip|GET \/metrics/, s.stderr());
    await plain.waitForStderr(/\/healthz: healthy\n/);
    const plainLines = plain.stderr().trim().split('\n');
    assert.equal(plainLines.length, 2, plain.stderr());
    assert.match(plainLines[0] ?? '', /listening on 0\.0\.0\.0:\d+$/);
    assert.match(plainLines[1] ?? '', /^\d{4}\/\d\d\/\d\d \d\d:\d\d:\d\d \/healthz: healthy$/);
    const quiet = await start(['--period', '50ms', '--quiet']);
    await answer(`${quiet.baseUrl}/metrics`, (r) => /^exechealthz_check_up\{[^}]*\} 1$/m.test(r.body));
    await answer(`${quiet.baseUrl}/healthz`, (r) => r.status === 200);
    await get(`${quiet.baseUrl}/metrics`);
    const lines = quiet.stderr().trim().split('\n');
    assert.equal(lines.length, 1, quiet.stderr());
    assert.match(lines[0] ?? '', /listening on 0\.0\.0\.0:\d+$/);
  });

  it('writes JSON log lines with --log-format=json', async () => {
    const s = await start(['--period', '50ms', '--log-format', 'json']);
    await answer(`${s.baseUrl}/healthz`, (r) => r.status === 200);
    for (const line of s.stderr().trim().split('\n')) {
      const entry = JSON.parse(line) as Record<string, unknown>;
      assert.equal(typeof entry['time'], 'string');
      assert.equal(typeof entry['msg'], 'string');
    }
  });
});

describe('requests never run the command', () => {
  it('answers 100 requests from one cached run', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
    const runs = join(dir, 'runs');
    const s = await start(['--cmd', `echo run >> ${runs}`, '--period', '1h', '--latency', '2h']);
    await answer(`${s.baseUrl}/healthz`, (r) => r.status === 200);
    const replies = await Promise.all(Array.from({ length: 100 }, () => get(`${s.baseUrl}/healthz`)));
    assert.ok(replies.every((r) => r.status === 200 && r.body === 'ok'));
    assert.equal(readFileSync(runs, 'utf8'), 'run\n');
  });
});

describe('staleness', () => {
  it('answers "Latest result too old to be useful" when no run has finished within --latency', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'exechealthz-'));
    // Succeeds until the hang file appears; then runs hang until killed at --timeout. With
    // --period = --latency = --timeout = 2s the last success is too old for a whole 2s (from
    // 2s after it until the hung run is killed 2s later): ample for a poll every 25ms even on
    // a loaded machine, where a window of a few hundred ms could be missed.
    const s = await start([
      '--cmd', `if [ -e ${dir}/hang ]; then sleep 30; fi`,
      '--period', '2s', '--latency', '2s', '--timeout', '2s',
    ]);
    await answer(`${s.baseUrl}/healthz`, (r) => r.status === 200);
    writeFileSync(join(dir, 'hang'), '');
    const stale = await answer(`${s.baseUrl}/healthz`, (r) => r.body.startsWith('Latest'));
    assert.equal(stale.status, 503);
    assert.match(stale.body, new RegExp(`^Latest result too old to be useful: Result of last exec: , at ${GO_TIME}, error None\\.\\n$`));
    // Then the hung run is killed and reported as a timed-out failure.
    const timedOut = await answer(`${s.baseUrl}/healthz`, (r) => r.body.startsWith('Healthz'));
    assert.match(timedOut.body, /error timed out after 2s, process group killed\n$/);
  });
});

describe('--address', () => {
  // IPv6 loopback only: the service is asked for its answer on ::1, this machine's own.
  it('--address :: listens on every IPv6 address, says so as [::]:PORT, and answers on ::1', async () => {
    const s = await start(['--address', '::', '--period', '50ms']);
    const line = s.stderr().split('\n').find((l) => /listening on /.test(l)) ?? '';
    assert.match(line, new RegExp(`listening on \\[::\\]:${s.port}$`));
    const r = await answer(`http://[::1]:${s.port}/healthz`, (x) => x.status === 200);
    assert.equal(r.body, 'ok');
  });

  it('--address ::1 listens on IPv6 loopback only: [::1]:PORT, and nothing on 127.0.0.1', async () => {
    const s = await start(['--address', '::1', '--period', '50ms']);
    assert.match(s.stderr(), new RegExp(`listening on \\[::1\\]:${s.port}\n`));
    assert.equal((await answer(`http://[::1]:${s.port}/healthz`, (x) => x.status === 200)).body, 'ok');
    await assert.rejects(get(`http://127.0.0.1:${s.port}/healthz`), /ECONNREFUSED/);
  });
});
