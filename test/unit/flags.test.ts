import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseFlags, UsageError, type ParseOutcome } from '../../src/flags';
import type { Config } from '../../src/config';
import { FLAGS } from '../../src/flag-spec';

const onPath = new Set(['sh', 'ls', 'nslookup', 'curl']);
const lookPath = (name: string): boolean => onPath.has(name);

function run(argv: string[]): Extract<ParseOutcome, { kind: 'run' }> {
  const out = parseFlags(argv, lookPath);
  assert.equal(out.kind, 'run');
  return out as Extract<ParseOutcome, { kind: 'run' }>;
}
const config = (argv: string[]): Config => run(argv).config;

function rejects(argv: string[], message: string, look = lookPath): void {
  assert.throws(
    () => parseFlags(argv, look),
    (err: unknown) => {
      assert.ok(err instanceof UsageError, `expected a UsageError, got ${String(err)}`);
      assert.equal(err.message, message);
      assert.doesNotMatch(err.message, /[\p{Cc}\u2028\u2029]/u, 'one printable line');
      return true;
    },
  );
}

describe('flags', () => {
  it('has the Go tool defaults', () => {
    const c = config([]);
    assert.deepEqual(c.checks, [{ url: '/healthz', cmd: 'echo healthz' }]);
    assert.equal(c.port, 8080);
    assert.equal(c.address, '0.0.0.0');
    assert.equal(c.periodMs, 2000);
    assert.equal(c.latencyMs, 30_000);
    assert.equal(c.timeoutMs, 10_000);
    assert.equal(c.maxOutput, 10 * 1024);
    assert.equal(c.quiet, false);
    assert.equal(c.output, false);
    assert.equal(c.allowQuit, false);
    assert.equal(c.debugEndpoints, false, '/debug/ is opt-in');
    assert.equal(c.maxConnections, 1024);
    assert.equal(c.logFormat, 'text');
    assert.equal(c.shutdownGraceMs, 5000);
  });

  for (const argv of [['-cmd=ls /tmp/test'], ['--cmd=ls /tmp/test'], ['--cmd', 'ls /tmp/test'], ['-cmd', 'ls /tmp/test']]) {
    it(`reads ${JSON.stringify(argv)} as one command`, () => {
      assert.deepEqual(config(argv).checks, [{ url: '/healthz', cmd: 'ls /tmp/test' }]);
    });
  }

  it('pairs --cmd and --url by order', () => {
    const c = config(['--cmd=ls /tmp/test1', '--url=/healthz1', '-cmd', 'ls /tmp/test2', '-url=/healthz2']);
    assert.deepEqual(c.checks, [
      { url: '/healthz1', cmd: 'ls /tmp/test1' },
      { url: '/healthz2', cmd: 'ls /tmp/test2' },
    ]);
  });

  it('reads every other flag', () => {
    const c = config([
      '-port=9000', '--address', '127.0.0.1', '--period=1.5s', '-latency', '1m30s', '--timeout=1s',
      '--max-output=4096', '-quiet', '--output', '--allow-quit', '--debug-endpoints=false',
      '--log-format=json', '--shutdown-grace', '250ms', '--max-connections=50',
    ]);
    assert.equal(c.maxConnections, 50);
    assert.equal(c.port, 9000);
    assert.equal(c.address, '127.0.0.1');
    assert.equal(c.periodMs, 1500);
    assert.equal(c.latencyMs, 90_000);
    assert.equal(c.timeoutMs, 1000);
    assert.equal(c.maxOutput, 4096);
    assert.equal(c.quiet, true);
    assert.equal(c.output, true);
    assert.equal(c.allowQuit, true);
    assert.equal(c.debugEndpoints, false);
    assert.equal(c.logFormat, 'json');
    assert.equal(c.shutdownGraceMs, 250);
  });

  it('accepts Go boolean spellings', () => {
    assert.equal(config(['-quiet=1']).quiet, true);
    assert.equal(config(['-quiet=f']).quiet, false);
    assert.equal(config(['--debug-endpoints=0']).debugEndpoints, false);
    assert.equal(config(['--debug-endpoints=T']).debugEndpoints, true);
  });

  it('takes the last of a repeated single-value flag, as Go does', () => {
    assert.equal(config(['--port=1', '--port=2']).port, 2);
  });

  it('accepts --port 0 (any free port)', () => {
    assert.equal(config(['--port', '0']).port, 0);
  });

  it('defaults --timeout to --latency when that is under 10s', () => {
    assert.equal(config(['--period=1s', '--latency=3s']).timeoutMs, 3000);
  });

  it('turns /debug/ on with --debug-endpoints or --debug-endpoints=true, off with =false', () => {
    assert.equal(config(['--debug-endpoints']).debugEndpoints, true);
    assert.equal(config(['--debug-endpoints=true']).debugEndpoints, true);
    assert.equal(config(['-debug-endpoints']).debugEndpoints, true);
    assert.equal(config(['--debug-endpoints=false']).debugEndpoints, false);
  });

  describe("Go's grammar: a flag that takes a value takes the next argument, whatever it looks like", () => {
    it('takes a command starting with "-" as the command', () => {
      assert.deepEqual(config(['--cmd', '-x']).checks, [{ url: '/healthz', cmd: '-x' }]);
      assert.deepEqual(config(['-cmd', '--period']).checks, [{ url: '/healthz', cmd: '--period' }]);
    });
    it('judges a value starting with "-" as a value of its kind', () => {
      rejects(['--period', '-1s'], '--period -1s: must be greater than 0');
      rejects(['--shutdown-grace', '-1s'], '--shutdown-grace -1s: must not be negative');
      rejects(['--latency', '-1s'], '--latency -1s: must not be negative');
      rejects(['--port', '-1'], '--port "-1": must be an integer from 0 to 65535');
      rejects(['-v', '-1'], '--v "-1": must be an integer from 0 to 10');
      rejects(['--url', '-x'], '--url "-x": must start with "/"');
      rejects(['--address', '-x'], '--address "-x": must be an IP address (e.g. 0.0.0.0, ::, 127.0.0.1)');
    });
    it('a boolean never takes the next argument: --flag=false only', () => {
      rejects(['--debug-endpoints', 'false'], 'unexpected argument "false": a boolean flag takes its value after "=", as in --debug-endpoints=false');
      rejects(['-quiet', '0'], 'unexpected argument "0": a boolean flag takes its value after "=", as in --quiet=0');
      rejects(['--output', '/x'], 'unexpected argument "/x": commands go in --cmd (see --help)');
      const c = config(['--quiet', '--port', '9']);
      assert.deepEqual([c.quiet, c.port], [true, 9]);
    });
    it('refuses what Go calls bad flag syntax', () => {
      rejects(['---quiet'], 'bad flag syntax: "---quiet" (see --help)');
      rejects(['--=1'], 'bad flag syntax: "--=1" (see --help)');
    });
  });

  it('keeps a value with "=" or a newline whole', () => {
    assert.deepEqual(config(['--cmd=a=b']).checks, [{ url: '/healthz', cmd: 'a=b' }]);
    assert.deepEqual(config(['--cmd', 'a\nb']).checks, [{ url: '/healthz', cmd: 'a\nb' }]);
  });

  it('reads --v in every klog spelling, 0 by default', () => {
    assert.equal(config([]).verbosity, 0);
    for (const argv of [['--v=2'], ['-v=2'], ['--v', '2'], ['-v', '2']]) {
      assert.equal(config(argv).verbosity, 2, JSON.stringify(argv));
    }
    assert.equal(config(['--v=10']).verbosity, 10);
  });

  it('marks --check-config runs', () => {
    assert.equal(run(['--check-config']).checkOnly, true);
    assert.equal(run([]).checkOnly, false);
  });

  it('answers --help and --version', () => {
    // Go's flag package answers -h, -help and --help alike with the usage and exit 0.
    for (const help of ['--help', '-help', '-h', '--h', '-h=true']) {
      assert.deepEqual(parseFlags([help], lookPath), { kind: 'help' }, help);
    }
    assert.deepEqual(parseFlags(['--cmd', 'ls', '-h'], lookPath), { kind: 'help' });
    assert.equal(parseFlags(['-h=false'], lookPath).kind, 'run');
    assert.deepEqual(parseFlags(['-version'], lookPath), { kind: 'version' });
  });

  it('warns, without failing, when a command is not on PATH', () => {
    const out = run(['--cmd=nosuchprobe --now']);
    assert.deepEqual(out.warnings, [
      '--cmd "nosuchprobe --now" (for /healthz): "nosuchprobe" not found on PATH; the check will fail until it is',
    ]);
  });

  it('does not warn for shell builtins, assignments or known commands', () => {
    for (const cmd of ['echo hi', 'test -f /x', 'FOO=1 ls', 'ls /tmp', '[ -e /x ]', 'exit 0']) {
      assert.deepEqual(run([`--cmd=${cmd}`]).warnings, [], cmd);
    }
  });

  describe('values in errors: at most 80 characters, then the size; escaped, so each error is one line', () => {
    const long = `${'9'.repeat(100_000)}x`;
    const shown = `"${'9'.repeat(80)}"…(100001 bytes)`;
    const cases: [string, string[], string][] = [
      ['a long duration', [`--period=${long}`], `--period ${shown}: not a duration (examples: 10ms, 1.5s, 1m30s, 2h)`],
      ['a long port', ['--port', long], `--port ${shown}: must be an integer from 0 to 65535`],
      ['a long address', [`--address=${long}`], `--address ${shown}: must be an IP address (e.g. 0.0.0.0, ::, 127.0.0.1)`],
      ['a long url', [`--url=${long}`], `--url ${shown}: must start with "/"`],
      ['a long stray argument', [long], `unexpected argument ${shown}: commands go in --cmd (see --help)`],
      ['a long unknown flag', [`--${long}=1`], `unknown flag "--${'9'.repeat(78)}"…(100003 bytes) (see --help)`],
      ['a long boolean value', [`--quiet=${long}`], `--quiet ${shown}: not a boolean (use true or false)`],
      ['a newline in a value', ['--log-format', 'json\nrm -rf /'], '--log-format "json\\nrm -rf /": must be text or json'],
      ['C1 controls and separators', ['--log-format=a\u009b31m\u2028b'], '--log-format "a\\u009b31m\\u2028b": must be text or json'],
      ['an empty command after a long url', ['--cmd=', `--url=/${'a'.repeat(200)}`], `--cmd #1 (for /${'a'.repeat(79)}…(201 bytes)) is empty`],
    ];
    for (const [name, argv, message] of cases) {
      it(name, () => rejects(argv, message));
    }
    it('a long command not on PATH: the warning is bounded too', () => {
      assert.deepEqual(run([`--cmd=nosuchprobe ${'x'.repeat(5000)}`]).warnings, [
        `--cmd "nosuchprobe ${'x'.repeat(68)}"…(5012 bytes) (for /healthz): "nosuchprobe" not found on PATH; the check will fail until it is`,
      ]);
    });
  });

  describe("durations: every duration flag of the table stops at Node's longest timer", () => {
    const durationFlags = FLAGS.filter((f) => f.kind === 'duration').map((f) => f.name);
    it('the table has duration flags (else this block tests nothing)', () => {
      assert.deepEqual(durationFlags, ['period', 'latency', 'timeout', 'shutdown-grace']);
    });
    for (const name of durationFlags) {
      it(`refuses --${name} above 596h31m23.647s`, () => {
        rejects([`--${name}=597h`], `--${name} 597h0m0s is above the longest timer Node can set (596h31m23.647s)`);
        rejects([`--${name}=596h31m23.648s`], `--${name} 596h31m23.648s is above the longest timer Node can set (596h31m23.647s)`);
      });
    }
    it('accepts every duration flag at the limit exactly', () => {
      const c = config(durationFlags.map((name) => `--${name}=596h31m23.647s`));
      assert.deepEqual([c.periodMs, c.latencyMs, c.timeoutMs, c.shutdownGraceMs], [2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1, 2 ** 31 - 1]);
    });
    it("calls a duration past Go's range not a duration, as Go does", () => {
      rejects(['--period=2562048h'], '--period "2562048h": not a duration (examples: 10ms, 1.5s, 1m30s, 2h)');
    });
  });

  describe('sanity checks: one clear line naming the flag, the value and the limit', () => {
    const cases: [string, string[], string][] = [
      ['empty command', ['--cmd='], '--cmd #1 (for /healthz) is empty'],
      ['blank command', ['--cmd', '   '], '--cmd #1 (for /healthz) is empty'],
      ['count mismatch', ['--cmd=a', '--cmd=b', '--url=/a', '--url=/b', '--url=/c'], '--cmd given 2 times but --url 3 times: the counts must match'],
      ['more urls than the one cmd', ['--cmd=a', '--url=/a', '--url=/b'], '--url given 2 times but --cmd once: give one --cmd per --url, paired by order'],
      ['more cmds than the one url', ['--cmd=a', '--cmd=b'], '--cmd given 2 times but --url once: give one --url per --cmd, paired by order'],
      ['url without /', ['--url=healthz'], '--url "healthz": must start with "/"'],
      ['url with a query', ['--url=/h?x=1'], '--url "/h?x=1": must be a plain path (no query, fragment, spaces or control characters)'],
      ['url with an escape sequence', ['--url=/h\u001b[2J'], '--url "/h\\u001b[2J": must be a plain path (no query, fragment, spaces or control characters)'],
      ['url with a bidi override', ['--url=/h\u202e'], '--url "/h\\u202e": must be a plain path (no query, fragment, spaces or control characters)'],
      ['duplicate urls', ['--cmd=a', '--cmd=b', '--url=/h', '--url=/h'], '--url "/h" is given more than once'],
      ['url /', ['--url=/'], '--url "/" collides with the built-in endpoint /'],
      ['url /metrics', ['--url=/metrics'], '--url "/metrics" collides with the built-in endpoint /metrics'],
      ['url /debug/x', ['--url=/debug/x'], '--url "/debug/x" collides with the built-in endpoint /debug/'],
      ['url /quit', ['--url=/quit'], '--url "/quit" collides with the built-in endpoint /quit'],
      ['bad duration', ['--period=2'], '--period "2": not a duration (examples: 10ms, 1.5s, 1m30s, 2h)'],
      ['bad latency', ['--latency=soon'], '--latency "soon": not a duration (examples: 10ms, 1.5s, 1m30s, 2h)'],
      ['period 0', ['--period=0s'], '--period 0s: must be greater than 0'],
      ['negative period', ['--period=-1s'], '--period -1s: must be greater than 0'],
      ['latency < period', ['--period=10s', '--latency=5s'], '--latency 5s is less than --period 10s: every result would be stale'],
      ['timeout > latency', ['--latency=30s', '--timeout=31s'], '--timeout 31s is greater than --latency 30s: a hung run would look stale, not failed'],
      ['timeout 0', ['--timeout=0s'], '--timeout 0s: must be greater than 0'],
      ['port too big', ['--port=65536'], '--port "65536": must be an integer from 0 to 65535'],
      ['port negative', ['--port=-1'], '--port "-1": must be an integer from 0 to 65535'],
      ['port not a number', ['--port=http'], '--port "http": must be an integer from 0 to 65535'],
      ['port without value', ['--port'], '--port needs a value'],
      ['max-output too small', ['--max-output=10'], '--max-output "10": must be an integer from 256 to 67108864'],
      ['bad address', ['--address=localhost'], '--address "localhost": must be an IP address (e.g. 0.0.0.0, ::, 127.0.0.1)'],
      ['verbosity not a number', ['--v=high'], '--v "high": must be an integer from 0 to 10'],
      ['verbosity too big', ['-v', '11'], '--v "11": must be an integer from 0 to 10'],
      ['verbosity without value', ['-v'], '--v needs a value'],
      ['bad log format', ['--log-format=xml'], '--log-format "xml": must be text or json'],
      ['negative grace', ['--shutdown-grace=-1s'], '--shutdown-grace -1s: must not be negative'],
      ['bad boolean', ['--quiet=yes'], '--quiet "yes": not a boolean (use true or false)'],
      ['unknown flag', ['--cmdd=ls'], 'unknown flag "--cmdd" (see --help)'],
      ['stray argument', ['ls', '/tmp'], 'unexpected argument "ls": commands go in --cmd (see --help)'],
      ['argument after --', ['--', 'ls'], 'unexpected argument "ls": commands go in --cmd (see --help)'],
      ['--no- prefix (not Go syntax)', ['--no-quiet'], 'unknown flag "--no-quiet" (see --help)'],
      ['max-connections 0', ['--max-connections=0'], '--max-connections "0": must be an integer from 1 to 100000'],
      ['max-connections not a number', ['--max-connections=lots'], '--max-connections "lots": must be an integer from 1 to 100000'],
      ['bad boolean after check-config', ['--check-config=maybe'], '--check-config "maybe": not a boolean (use true or false)'],
    ];
    for (const [name, argv, message] of cases) {
      it(name, () => rejects(argv, message));
    }
    // Names minimist would find on Object.prototype (it threw a TypeError on them).
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf', 'isPrototypeOf', '__defineGetter__', 'propertyIsEnumerable', 'toLocaleString']) {
      for (const arg of [`--${name}`, `-${name}`, `--${name}=x`, `--${name}=1`]) {
        it(`prototype member ${arg}`, () => rejects([arg], `unknown flag ${JSON.stringify(`--${name}`)} (see --help)`));
      }
      it(`prototype member as a --no- flag: --no-${name}`, () => rejects([`--no-${name}`], `unknown flag "--no-${name}" (see --help)`));
      it(`prototype member after a flag value: --cmd ls --${name}`, () => rejects(['--cmd', 'ls', `--${name}`], `unknown flag "--${name}" (see --help)`));
    }
    it('no sh on PATH', () => rejects([], 'no "sh" found on PATH: every --cmd runs as sh -c CMD', () => false));
  });
});
