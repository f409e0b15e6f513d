// A hostile client against the real executable, on 127.0.0.1: request bodies and endless
// chunk extensions, slowloris, oversized heads, request-smuggling shapes, pipelining,
// odd paths, a seeded flag fuzz, and probe commands that ignore TERM or flood output.
// Numbers that are measurements (bytes a flood got in, probe latency) are printed as
// diagnostics; the assertions are the limits the README promises.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FLAGS } from '../../src/flag-spec';
import { get, httpRequest } from '../helpers/http.cjs';
import { bodyCase, BODY_CASES, exchange, firstStatus, kubeletLimitMs, peakRssDuring, rssBytes, slowloris, smugglingRefused, SMUGGLING_SHAPES, warm } from '../helpers/hostile';
import { until } from '../helpers/poll.cjs';
import { groupMembers } from '../helpers/proc.cjs';
import { runToExit, servicesOfThisFile } from '../helpers/service';

const start = servicesOfThisFile();
const MiB = 1024 * 1024;

describe('request bodies are refused from the head, unread', () => {
  for (const c of BODY_CASES) {
    it(`${c.name}: 413/close/reset before the client wrote 1 MiB, RSS +<5 MB`, async (t) => {
      const s = await start(['--period', '1s', '--quiet']);
      await warm(s);
      // 1 ms between 16 KiB steps: a client with a small send buffer, whose writes the
      // kernel takes only as fast as the loopback drains them.
      const m = await bodyCase(s, c, 1, 20_000);
      t.diagnostic(`${c.name}: ${m.bytes} bytes written, ended by ${m.ended}, RSS +${(m.rssGrowth / 1e6).toFixed(2)} MB`);
    });
  }

  it('answers 413 with Connection: close to a small body and closes without a second response', async () => {
    const s = await start(['--period', '1s', '--quiet']);
    const r = await exchange(s.port, 'POST /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhelloGET /healthz HTTP/1.1\r\nHost: x\r\n\r\n', 10_000);
    assert.equal(r.closedByServer, true);
    assert.equal(firstStatus(r.received), 413);
    assert.equal(r.received.match(/HTTP\/1\.1 \d{3} /g)?.length, 1, r.received);
    assert.match(r.received, /\r\n\r\nrequest body not accepted: only GET and HEAD without a body are served\n$/);
  });

  it('serves GET and HEAD with Content-Length: 0', async () => {
    const s = await start(['--period', '50ms', '--quiet']);
    await warm(s);
    const r = await exchange(s.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\nConnection: close\r\n\r\n', 10_000);
    assert.equal(firstStatus(r.received), 200, r.received);
  });
});

describe('bounded connections', () => {
  it('500 connections trickling a header byte a second: each fresh GET /healthz answers within 1 s (on an unloaded machine); the server closes them all', async (t) => {
    const s = await start(['--period', '200ms', '--quiet']);
    await warm(s);
    // The client waits long enough to tell a slow answer from none; the limit is asserted below.
    const r = await slowloris(s.port, 500, 20_000, 10_000);
    const max = Math.max(...r.probeMs);
    const limit = kubeletLimitMs(r.load);
    t.diagnostic(`slowloris 500: ${r.probeMs.length} fresh probes, max ${max} ms (limit ${limit} ms at load ${r.load.toFixed(1)}), all slow connections closed by the server ${r.allClosedAfterMs} ms after opening`);
    assert.equal(r.connected, 500);
    assert.ok(r.probeMs.length >= 5, `only ${r.probeMs.length} probes ran while the slow connections were open`);
    assert.deepEqual([...new Set(r.probeStatuses)], [200], `probe statuses ${r.probeStatuses.join(',')}`);
    assert.ok(max < limit, `a fresh probe took ${max} ms, limit ${limit} ms (${r.probeMs.join(',')})`);
    assert.equal(r.closedByServer, 500, 'the header timeout closed every slow connection');
  });

  it('over --max-connections closes the oldest idle connection, not the new probe, and counts it', async (t) => {
    const s = await start(['--period', '200ms', '--quiet', '--max-connections', '50']);
    await warm(s);
    const r = await slowloris(s.port, 120, 30_000, 10_000);
    const limit = kubeletLimitMs(r.load);
    t.diagnostic(`120 slow connections, cap 50: ${r.probeMs.length} probes, max ${Math.max(...r.probeMs)} ms (limit ${limit} ms at load ${r.load.toFixed(1)})`);
    assert.deepEqual([...new Set(r.probeStatuses)], [200], `probe statuses ${r.probeStatuses.join(',')}`);
    assert.ok(Math.max(...r.probeMs) < limit, `a fresh probe took ${Math.max(...r.probeMs)} ms, limit ${limit} ms`);
    const metrics = (await get(`${s.baseUrl}/metrics`)).body;
    const evicted = Number(/^exechealthz_http_connections_dropped_total\{reason="evicted"\} (\d+)$/m.exec(metrics)?.[1]);
    // 70 over the cap; on a loaded machine a few of the first may reach the header timeout
    // before the last ones connect, so the exact count is the unit test's (http-guard).
    assert.ok(evicted >= 35, `evicted ${evicted} (metrics:\n${metrics})`);
    assert.match(metrics, /^exechealthz_http_connections_dropped_total\{reason="refused"\} 0$/m);
    const open = Number(/^exechealthz_http_connections (\d+)$/m.exec(metrics)?.[1]);
    assert.ok(open >= 1 && open <= 50, `open connections ${open}, cap 50`);
  });

  it('a request head over 8 KiB answers 431 and closes', async () => {
    const s = await start(['--period', '1s', '--quiet']);
    const big = `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(9 * 1024)}\r\n\r\n`;
    const r = await exchange(s.port, big, 10_000);
    assert.equal(firstStatus(r.received), 431, r.received);
    assert.equal(r.closedByServer, true);
    const fits = `GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Big: ${'a'.repeat(7 * 1024)}\r\n\r\n`;
    assert.notEqual(firstStatus((await exchange(s.port, fits, 10_000)).received), 431, 'a 7 KiB header is served');
  });
});

describe('request-smuggling shapes: 400 or a close, never a second response', () => {
  for (const [name, bytes] of SMUGGLING_SHAPES) {
    it(name, async () => {
      const s = await start(['--period', '1s', '--quiet']);
      await smugglingRefused(s.port, bytes);
    });
  }
});

describe('pipelining and odd paths', () => {
  it('answers 2000 pipelined GETs on one connection, all, in order', async () => {
    const s = await start(['--period', '50ms', '--quiet', '--url', '/a', '--url', '/b', '--cmd', 'true', '--cmd', 'true']);
    await until('/a up', async () => (await get(`${s.baseUrl}/a`)).status === 200 || undefined);
    const paths = Array.from({ length: 2000 }, (_, i) => (i % 3 === 0 ? '/b' : i % 3 === 1 ? '/a' : '/nope'));
    const reqs = paths.map((p, i) => `GET ${p}?i=${i} HTTP/1.1\r\nHost: x\r\n${i === paths.length - 1 ? 'Connection: close\r\n' : ''}\r\n`).join('');
    const r = await exchange(s.port, reqs, 60_000);
    const statuses = [...r.received.matchAll(/HTTP\/1\.1 (\d{3}) /g)].map((m) => Number(m[1]));
    assert.equal(statuses.length, 2000);
    assert.deepEqual(statuses, paths.map((p) => (p === '/nope' ? 404 : 200)));
    assert.equal(r.closedByServer, true);
  });

  const odd: [string, number, string?][] = [
    ['/healthz/../quit', 404],
    ['//healthz', 404],
    ['/%2e%2e/quit', 404],
    ['/healthz%2f', 404],
    ['/HEALTHZ', 404],
    ['/healthz?verbose', 200],
    ['*', 400],
    ['http://evil.example/healthz', 200],
  ];
  for (const [path, status] of odd) {
    it(`GET ${path} answers ${status} (and /quit never exits the service)`, async () => {
      const s = await start(['--period', '50ms', '--quiet']);
      await warm(s);
      const r = await exchange(s.port, `GET ${path} HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`, 10_000);
      assert.equal(firstStatus(r.received), status, r.received);
      assert.equal((await get(`${s.baseUrl}/healthz`)).status, 200, 'still serving');
    });
  }

  it('a 1 MB URL answers 431 and closes', async () => {
    const s = await start(['--period', '1s', '--quiet']);
    const r = await exchange(s.port, `GET /${'a'.repeat(MiB)} HTTP/1.1\r\nHost: x\r\n\r\n`, 10_000);
    assert.equal(firstStatus(r.received), 431, r.received.slice(0, 200));
    assert.equal(r.closedByServer, true);
  });

  it('an Upgrade request is answered as a plain GET (never 101); CONNECT is closed unanswered', async () => {
    const s = await start(['--period', '50ms', '--quiet']);
    await warm(s);
    const upgrade = await exchange(s.port, 'GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n', 10_000);
    assert.equal(firstStatus(upgrade.received), 200, upgrade.received);
    const tunnel = await exchange(s.port, 'CONNECT 127.0.0.1:22 HTTP/1.1\r\nHost: 127.0.0.1:22\r\n\r\n', 10_000);
    assert.equal(tunnel.closedByServer, true);
    assert.equal(tunnel.received, '');
  });
});

describe('a seeded, bounded flag fuzz against the executable', () => {
  it('never prints a stack trace; exits 0-2; one stderr line when it fails', async (t) => {
    let seed = 20261130;
    const rnd = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const names = [...FLAGS.map((f) => f.name), '__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'no-help', 'x'];
    const values = ['', '0', '-1', 'true', 'maybe', '1ms', '1e9', '/x', '/debug/x', 'a b', '99999999999999999999', '::1', '__proto__'];
    const codes = new Map<number, number>();
    for (let i = 0; i < 25; i++) {
      const argv: string[] = [];
      for (let j = rnd(4); j >= 0; j--) {
        const name = names[rnd(names.length)] as string;
        const dash = rnd(2) === 0 ? '-' : '--';
        argv.push(rnd(2) === 0 ? `${dash}${name}=${values[rnd(values.length)] as string}` : `${dash}${name}`);
      }
      // --check-config: a valid command line prints its settings and exits instead of serving.
      const r = await runToExit([...argv, '--check-config', '--port', '0']);
      const what = `${JSON.stringify(argv)} -> ${r.code}/${r.signal}: ${r.stderr}`;
      codes.set(r.code ?? -1, (codes.get(r.code ?? -1) ?? 0) + 1);
      assert.equal(r.signal, null, what);
      assert.ok(r.code !== null && r.code >= 0 && r.code <= 2, what);
      assert.doesNotMatch(r.stderr, /\n\s+at |Error:|node:internal/, what);
      if (r.code !== 0) assert.match(r.stderr, /^exechealthz: [^\n]+\n$/, what);
    }
    t.diagnostic(`exit codes: ${JSON.stringify([...codes])}`);
  });

  for (const name of ['__proto__', 'constructor', 'toString=x', 'hasOwnProperty=1', 'valueOf']) {
    it(`--${name}: one line, exit 2`, async () => {
      const r = await runToExit([`--${name}`]);
      assert.equal(r.code, 2);
      assert.equal(r.stderr, `exechealthz: unknown flag "--${name.replace(/=.*/, '')}" (see --help)\n`);
    });
  }
});

describe('--check-config', () => {
  it('prints the resolved settings and exits 0 without running a command or listening', async () => {
    const marker = join(mkdtempSync(join(tmpdir(), 'exechealthz-check-config-')), 'ran');
    const r = await runToExit([`-cmd=touch ${marker}; nslookup localhost`, '--url=/ready', '-cmd=true', '-url=/live', '--period=1s', '--check-config']);
    assert.equal(r.code, 0, r.stderr);
    assert.equal(r.stdout, [
      `check: /ready -> touch ${marker}; nslookup localhost`,
      'check: /live -> true',
      'address: 0.0.0.0',
      'port: 8080',
      'period: 1s',
      'latency: 30s',
      'timeout: 10s',
      'max-output: 10240 bytes',
      'max-connections: 1024',
      'output: off',
      'quiet: off',
      'v: 0',
      'log-format: text',
      'allow-quit: off',
      'debug-endpoints: off',
      'shutdown-grace: 5s',
      '',
    ].join('\n'));
    assert.doesNotMatch(r.stderr, /listening/);
    assert.equal(existsSync(marker), false, 'no command ran');
  });

  it('still refuses bad flags with one line and exit 2', async () => {
    const r = await runToExit(['--check-config', '--latency=1s']);
    assert.equal(r.code, 2);
    assert.equal(r.stderr, 'exechealthz: --latency 1s is less than --period 2s: every result would be stale\n');
    assert.equal(r.stdout, '');
  });
});

describe('hostile probe commands', () => {
  it('a command that ignores TERM is killed at --timeout and reported as timed out', async () => {
    const s = await start(['--cmd', "trap '' TERM; echo $$; sleep 30", '--period', '3s', '--timeout', '300ms', '--latency', '10s', '--quiet']);
    const r = await until('a timed-out result', async () => {
      const reply = await get(`${s.baseUrl}/healthz?format=json`);
      const body = JSON.parse(reply.body) as { timedOut?: boolean; output?: string };
      return body.timedOut === true ? { reply, body } : undefined;
    }, 15_000);
    assert.equal(r.reply.status, 503);
    const pgid = Number(r.body.output?.trim());
    assert.ok(pgid > 0, `pgid from ${r.body.output}`);
    await until(`probe group ${pgid} gone`, () => (groupMembers(pgid).length === 0 ? true : undefined), 5000);
  });

  it('a command writing 100 MB of binary output: output capped, RSS bounded, its exit status reported', async (t) => {
    const s = await start(['--period', '60s', '--latency', '60s', '--timeout', '30s', '--quiet']);
    const pid = s.process.pid as number;
    await warm(s);
    const idle = rssBytes(pid);
    await s.dispose();
    const flood = await start(['--cmd', 'head -c 100000000 /dev/urandom; exit 3', '--period', '60s', '--latency', '60s', '--timeout', '30s', '--quiet']);
    const fpid = flood.process.pid as number;
    const { result, peak } = await peakRssDuring(fpid, until('the 100 MB run to end', async () => {
      const reply = await httpRequest(`${flood.baseUrl}/healthz?format=json`);
      const body = JSON.parse(reply.body) as { exitCode?: number; output?: string; outputDroppedBytes?: number };
      return body.exitCode === undefined || body.exitCode === null ? undefined : { reply, body };
    }, 60_000, 100));
    t.diagnostic(`100 MB output: peak RSS ${(peak / 1e6).toFixed(1)} MB vs ${(idle / 1e6).toFixed(1)} MB idle (a separate start)`);
    assert.equal(result.reply.status, 503);
    assert.equal(result.body.exitCode, 3);
    assert.ok((result.body.output ?? '').length <= 10 * 1024 * 4, 'output capped');
    assert.ok((result.body.outputDroppedBytes ?? 0) >= 100_000_000 - 10 * 1024, `dropped ${result.body.outputDroppedBytes}`);
    assert.ok(peak - idle < 30_000_000, `RSS peaked ${peak} against ${idle} idle`);
    const plain = await get(`${flood.baseUrl}/healthz`);
    assert.match(plain.body, /error exit status 3\n$/);
  });
});
