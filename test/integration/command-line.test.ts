// The command line as users type it, against the real executable: Go's grammar, the
// duration ceiling, -h, --quiet and what every error line looks like (issue 20).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { answer, get } from '../helpers/http.cjs';
import { until } from '../helpers/poll.cjs';
import { runToExit, servicesOfThisFile, type Finished } from '../helpers/service';

const start = servicesOfThisFile();

/** The longest timer Node sets, as --help and the errors print it. */
const LIMIT = '596h31m23.647s';

function assertUsageExit(r: Finished, message: string): void {
  assert.equal(r.code, 2, `exit status; stderr: ${r.stderr}`);
  assert.equal(r.stderr, `exechealthz: ${message}\n`);
  assert.equal(r.stdout, '');
}

describe("durations stop at Node's longest timer", () => {
  for (const flag of ['period', 'latency', 'timeout', 'shutdown-grace']) {
    it(`--${flag} 600h exits 2 with one line, --check-config or not`, async () => {
      for (const check of [[], ['--check-config']]) {
        const r = await runToExit([`--${flag}`, '600h', ...check]);
        assertUsageExit(r, `--${flag} 600h0m0s is above the longest timer Node can set (${LIMIT})`);
      }
    });
  }

  it('at the limit every timer holds: one run per check, no overflow warning, no early timeout, a prompt clean stop', async () => {
    // Two checks: the second's first delay is the period plus half of it, over the limit unless capped.
    const s = await start([
      '--cmd', 'true', '--url', '/a', '--cmd', 'sleep 0.5', '--url', '/b',
      '--period', LIMIT, '--latency', LIMIT, '--timeout', LIMIT, '--shutdown-grace', LIMIT,
    ]);
    await answer(`${s.baseUrl}/b`, (r) => r.status === 200);
    await new Promise((r) => setTimeout(r, 500));
    const metrics = (await get(`${s.baseUrl}/metrics`)).body;
    for (const url of ['/a', '/b']) {
      const runs = [...metrics.matchAll(new RegExp(`^exechealthz_check_runs_total\\{url="${url}",result="(\\w+)"\\} (\\d+)$`, 'gm'))];
      const byResult = Object.fromEntries(runs.map((m) => [m[1], Number(m[2])]));
      assert.deepEqual(byResult, { success: 1, failure: 0, timeout: 0 }, `${url}:\n${metrics}`);
    }
    assert.doesNotMatch(s.stderr(), /TimeoutOverflowWarning/);
    const exit = await s.stop();
    assert.deepEqual([exit.code, exit.signal], [0, null], s.stderr());
    assert.match(s.stderr(), /shutdown complete\n/);
    assert.doesNotMatch(s.stderr(), /shutdown grace over/);
  });
});

describe("Go's grammar: a flag that takes a value takes the next argument", () => {
  it('--cmd -x is a command', async () => {
    const r = await runToExit(['--cmd', '-x', '--check-config']);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /^check: \/healthz -> -x$/m);
  });

  const refused: [string[], string][] = [
    [['--period', '-1s'], '--period -1s: must be greater than 0'],
    [['--port', '-1'], '--port "-1": must be an integer from 0 to 65535'],
    [['--url', '-x'], '--url "-x": must start with "/"'],
    [['--quiet', 'false'], 'unexpected argument "false": a boolean flag takes its value after "=", as in --quiet=false'],
    [['--port'], '--port needs a value'],
  ];
  for (const [argv, message] of refused) {
    it(`${argv.join(' ')}: exit 2, ${message}`, async () => assertUsageExit(await runToExit(argv), message));
  }
});

describe('-h, -help and --help', () => {
  for (const flag of ['-h', '-help', '--help']) {
    it(`${flag} prints the usage and exits 0`, async () => {
      const r = await runToExit([flag]);
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^Usage: exechealthz \[flags\]\n/);
      assert.match(r.stdout, /^ {2}--help, -h +print this help and exit$/m);
      assert.equal(r.stderr, '');
    });
  }
});

describe('errors are one short line whatever was typed', () => {
  it('a 100 kB value is cut at 80 characters; a newline is escaped', async () => {
    const r = await runToExit(['--period', `${'9'.repeat(100_000)}x`]);
    assertUsageExit(r, `--period "${'9'.repeat(80)}"…(100001 bytes): not a duration (examples: 10ms, 1.5s, 1m30s, 2h)`);
    const nl = await runToExit(['--log-format', 'json\n\u001b[2Jx']);
    assertUsageExit(nl, '--log-format "json\\n\\u001b[2Jx": must be text or json');
  });
});

describe('logging', () => {
  it('--quiet: the listening line alone, through a whole start and stop', async () => {
    const s = await start(['--period', '50ms', '--quiet', '--cmd', 'no-such-probe-xyz-ok || true']);
    await answer(`${s.baseUrl}/healthz`, (r) => r.status === 200);
    const exit = await s.stop();
    assert.deepEqual([exit.code, exit.signal], [0, null], s.stderr());
    const lines = s.stderr().trim().split('\n');
    assert.equal(lines.length, 1, s.stderr());
    assert.match(lines[0] ?? '', /listening on 0\.0\.0\.0:\d+$/);
  });

  it('every 503 is logged, whatever the format asked for', async () => {
    const s = await start(['--period', '50ms', '--cmd', 'printf down; exit 3']);
    const count = (): number => s.stderr().split('\n').filter((l) => / Healthz probe on \/healthz error: Result of last exec: down, at .*, error exit status 3$/.test(l)).length;
    await answer(`${s.baseUrl}/metrics`, (r) => /^exechealthz_check_up\{[^}]*\} 0$/m.test(r.body) && /result="failure"\} [1-9]/.test(r.body));
    const asked = [['/healthz?verbose', {}], ['/healthz?format=json', {}], ['/healthz', { Accept: 'application/json' }], ['/healthz', {}]] as const;
    for (const [path, headers] of asked) {
      const before = count();
      assert.equal((await get(`${s.baseUrl}${path}`, headers)).status, 503, path);
      await until(`the 503 of ${path} ${JSON.stringify(headers)} in the log`, () => (count() === before + 1 ? true : undefined));
    }
  });
});
