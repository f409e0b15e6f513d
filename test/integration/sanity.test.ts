// Bad input ends the real service at once: status 2, one line on stderr, no stack trace.
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { describe, it } from 'node:test';
import { runToExit, startService, type Finished } from '../helpers/service';
import { hostMake, nodePin } from '../helpers/node-lock';

function assertUsageExit(r: Finished, message: string): void {
  assert.equal(r.code, 2, `exit status; stderr: ${r.stderr}`);
  assert.equal(r.stderr, `exechealthz: ${message}\n`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(r.stdout, '');
}

const cases: [string, string[], string][] = [
  ['empty command', ['--cmd='], '--cmd #1 (for /healthz) is empty'],
  ['count mismatch', ['--cmd=a', '--cmd=b', '--url=/a', '--url=/b', '--url=/c'], '--cmd given 2 times but --url 3 times: the counts must match'],
  ['URL without leading /', ['--url=healthz'], '--url "healthz": must start with "/"'],
  ['duplicate URLs', ['--cmd=true', '--url=/a', '--cmd=true', '--url=/a'], '--url "/a" is given more than once'],
  ['URL on /', ['--url=/'], '--url "/" collides with the built-in endpoint /'],
  ['URL on /metrics', ['--url=/metrics'], '--url "/metrics" collides with the built-in endpoint /metrics'],
  ['URL under /debug/', ['--url=/debug/pprof/'], '--url "/debug/pprof/" collides with the built-in endpoint /debug/'],
  ['URL on /quit', ['--url=/quit'], '--url "/quit" collides with the built-in endpoint /quit'],
  ['bad duration', ['-period=fast'], '--period "fast": not a duration (examples: 10ms, 1.5s, 1m30s, 2h)'],
  ['period <= 0', ['--period=0s'], '--period 0s: must be greater than 0'],
  ['latency < period', ['--period=2s', '--latency=1s'], '--latency 1s is less than --period 2s: every result would be stale'],
  ['timeout > latency', ['--latency=3s', '--timeout=4s'], '--timeout 4s is greater than --latency 3s: a hung run would look stale, not failed'],
  ['port out of range', ['--port=70000'], '--port "70000": must be an integer from 0 to 65535'],
  ['unknown flag', ['--frobnicate'], 'unknown flag "--frobnicate" (see --help)'],
  ['max-output under its floor', ['--max-output=1'], '--max-output "1": must be an integer from 256 to 67108864'],
];

describe('sanity checks at start-up', () => {
  for (const [name, argv, message] of cases) {
    it(name, async () => assertUsageExit(await runToExit(argv), message));
  }

  it('no sh on PATH', async () => {
    const r = await runToExit([], { env: { ...process.env, PATH: '/nonexistent' } });
    assertUsageExit(r, 'no "sh" found on PATH: every --cmd runs as sh -c CMD');
  });

  it('warns, but starts, when a command is not on PATH', async () => {
    const s = await startService(['--cmd', 'no-such-probe-xyz', '--period', '1s']);
    try {
      assert.match(s.stderr(), /warning: --cmd "no-such-probe-xyz" \(for \/healthz\): "no-such-probe-xyz" not found on PATH/);
    } finally {
      await s.terminate(); // rejects unless it exits 0 on SIGTERM
    }
  });

  it('exits 1 with one line when the port is taken', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    try {
      const r = await runToExit(['--address', '127.0.0.1', '--port', String(port)]);
      assert.equal(r.code, 1, r.stderr);
      // Exactly the one error line: no probe ran, since the service could not serve.
      const lines = r.stderr.split('\n').filter((l) => l !== '');
      assert.deepEqual(lines, [`exechealthz: cannot listen on 127.0.0.1:${port}: EADDRINUSE`], r.stderr);
      assert.ok(r.stderr.endsWith(`EADDRINUSE\n`), 'the error is the last line');
      assert.equal(r.stdout, '');
    } finally {
      blocker.close();
    }
  });

  it('prints --help and --version on stdout and exits 0', async () => {
    const help = await runToExit(['--help']);
    assert.equal(help.code, 0);
    assert.match(help.stdout, /^Usage: exechealthz \[flags\]/);
    for (const flag of ['cmd', 'url', 'port', 'address', 'period', 'latency', 'timeout', 'max-output', 'output', 'quiet', 'v', 'log-format', 'allow-quit', 'debug-endpoints', 'shutdown-grace', 'max-connections', 'check-config', 'version']) {
      assert.match(help.stdout, new RegExp(`--${flag}\\b`));
    }
    const version = await runToExit(['-version']);
    assert.equal(version.code, 0);
    // The service version and the Node.js runtime the lock pins for this machine's arch.
    assert.match(version.stdout, new RegExp(`^exechealthz \\S+ \\(node v${nodePin(hostMake()).version.replace(/\./g, '\\.')}\\)\n$`));
    assert.equal(version.stderr, '');
  });
});
