// Command-line parsing and the start-up sanity checks. Go's flag package syntax is kept
// (`-cmd=X`, `--cmd=X`, `--cmd X`) so existing pod manifests work unchanged.
import minimist from 'minimist';
import { isIP } from 'node:net';
import { collidesWithBuiltin, type CheckSpec, type Config, type LogFormat } from './config';
import { formatDuration, parseDuration } from './duration';
import type { LookPath } from './lookpath';

/** Bad input: main prints `exechealthz: <message>` on one line and exits 2. */
export class UsageError extends Error {}

export type ParseOutcome =
  | { readonly kind: 'run'; readonly config: Config; readonly warnings: readonly string[] }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

const DEFAULT_CMD = 'echo healthz';
const DEFAULT_URL = '/healthz';
const DEFAULT_MAX_OUTPUT = 10 * 1024;
/** Room for a head, a tail and the "bytes dropped" marker. */
export const MIN_MAX_OUTPUT = 256;
const MAX_MAX_OUTPUT = 64 * 1024 * 1024;
const DEFAULT_TIMEOUT_CAP_MS = 10_000;

const STRING_FLAGS = [
  'cmd', 'url', 'port', 'address', 'period', 'latency', 'timeout',
  'max-output', 'log-format', 'shutdown-grace',
] as const;
const BOOL_FLAGS = ['quiet', 'output', 'version', 'help', 'allow-quit', 'debug-endpoints'] as const;

// Spellings Go's strconv.ParseBool accepts.
const GO_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

export const USAGE = `Usage: exechealthz [flags]

Runs each --cmd with "sh -c" every --period and serves its last result on the paired --url.

  --cmd CMD                   command to run (repeatable; default "${DEFAULT_CMD}")
  --url PATH                  path serving the paired command's result (repeatable; default ${DEFAULT_URL})
  --port N                    port to listen on, 0 for any free port (default 8080)
  --address IP                address to bind (default 0.0.0.0, all IPv4 interfaces; :: for IPv6)
  --period DURATION           time between the starts of two runs (default 2s)
  --latency DURATION          a result older than this answers 503 (default 30s)
  --timeout DURATION          a run is killed after this long (default the smaller of 10s and --latency)
  --max-output BYTES          output kept per run, head and tail (default ${DEFAULT_MAX_OUTPUT})
  --output                    answer 200 with the command's output instead of "ok"
  --quiet                     log only errors
  --log-format text|json      log line format (default text)
  --allow-quit                serve /quit, which makes the process exit (default off)
  --debug-endpoints=false     turn off /debug/ (heap snapshot, CPU profile; default on)
  --shutdown-grace DURATION   time to finish requests after SIGTERM (default 5s)
  --version                   print the version and exit
  --help                      print this help and exit

Durations use Go syntax: 10ms, 1.5s, 1m30s, 2h. Flags may be written -flag=X, --flag=X or --flag X.`;

/** Go accepts single-dash long flags; minimist would split them into letters. */
function normalize(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (const arg of argv) {
    out.push(/^-[^-]/.test(arg) && arg.length > 2 ? `-${arg}` : arg);
  }
  return out;
}

function last(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length === 0 ? undefined : String(value[value.length - 1]);
  if (value === undefined) return undefined;
  return String(value);
}

function all(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

function duration(flag: string, raw: string | undefined, fallback: number): number {
  if (raw === undefined) return fallback;
  const ms = parseDuration(raw);
  if (ms === undefined) {
    throw new UsageError(`--${flag} ${JSON.stringify(raw)}: not a duration (examples: 10ms, 1.5s, 1m30s, 2h)`);
  }
  return ms;
}

function integer(flag: string, raw: string | undefined, fallback: number, min: number, max: number): number {
  if (raw === undefined) return fallback;
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${flag} ${JSON.stringify(raw)}: must be an integer from ${min} to ${max}`);
  }
  return n;
}

/** Rewrites `--flag=VALUE` of boolean flags to true/false so Go spellings (=0, =f) work. */
function goBooleans(argv: string[]): string[] {
  return argv.map((arg) => {
    const m = /^--([^=]+)=(.*)$/s.exec(arg);
    if (m === null || !(BOOL_FLAGS as readonly string[]).includes(m[1] as string)) return arg;
    const value = m[2] as string;
    if (GO_TRUE.has(value)) return `--${m[1]}=true`;
    if (GO_FALSE.has(value)) return `--${m[1]}=false`;
    throw new UsageError(`--${m[1]} ${JSON.stringify(value)}: not a boolean (use true or false)`);
  });
}

export function parseFlags(argv: readonly string[], lookPath: LookPath): ParseOutcome {
  let unknown: string | undefined;
  const args = minimist(goBooleans(normalize(argv)), {
    string: [...STRING_FLAGS],
    boolean: [...BOOL_FLAGS],
    default: { 'debug-endpoints': true },
    unknown: (arg) => {
      if (unknown === undefined) unknown = arg;
      return false;
    },
  });
  if (unknown !== undefined) {
    throw new UsageError(
      unknown.startsWith('-')
        ? `unknown flag ${JSON.stringify(unknown.replace(/=.*$/s, ''))} (see --help)`
        : `unexpected argument ${JSON.stringify(unknown)}: commands go in --cmd (see --help)`,
    );
  }
  if (args['help'] === true) return { kind: 'help' };
  if (args['version'] === true) return { kind: 'version' };

  for (const flag of STRING_FLAGS) {
    // minimist leaves '' when a value-taking flag ends the command line.
    if (flag !== 'cmd' && all(args[flag]).some((v) => v === '')) {
      throw new UsageError(`--${flag} needs a value`);
    }
  }

  const checks = pairChecks(all(args['cmd']), all(args['url']));
  const port = integer('port', last(args['port']), 8080, 0, 65535);
  const address = last(args['address']) ?? '0.0.0.0';
  if (isIP(address) === 0) {
    throw new UsageError(`--address ${JSON.stringify(address)}: must be an IP address (e.g. 0.0.0.0, ::, 127.0.0.1)`);
  }
  const periodMs = duration('period', last(args['period']), 2000);
  if (periodMs <= 0) throw new UsageError(`--period ${formatDuration(periodMs)}: must be greater than 0`);
  const latencyMs = duration('latency', last(args['latency']), 30_000);
  if (latencyMs < periodMs) {
    throw new UsageError(
      `--latency ${formatDuration(latencyMs)} is less than --period ${formatDuration(periodMs)}: every result would be stale`,
    );
  }
  const timeoutMs = duration('timeout', last(args['timeout']), Math.min(DEFAULT_TIMEOUT_CAP_MS, latencyMs));
  if (timeoutMs <= 0) throw new UsageError(`--timeout ${formatDuration(timeoutMs)}: must be greater than 0`);
  if (timeoutMs > latencyMs) {
    throw new UsageError(
      `--timeout ${formatDuration(timeoutMs)} is greater than --latency ${formatDuration(latencyMs)}: a hung run would look stale, not failed`,
    );
  }
  const maxOutput = integer('max-output', last(args['max-output']), DEFAULT_MAX_OUTPUT, MIN_MAX_OUTPUT, MAX_MAX_OUTPUT);
  const logFormat = last(args['log-format']) ?? 'text';
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new UsageError(`--log-format ${JSON.stringify(logFormat)}: must be text or json`);
  }
  const shutdownGraceMs = duration('shutdown-grace', last(args['shutdown-grace']), 5000);
  if (shutdownGraceMs < 0) {
    throw new UsageError(`--shutdown-grace ${formatDuration(shutdownGraceMs)}: must not be negative`);
  }
  if (!lookPath('sh')) {
    throw new UsageError('no "sh" found on PATH: every --cmd runs as sh -c CMD');
  }

  const config: Config = {
    checks,
    port,
    address,
    periodMs,
    latencyMs,
    timeoutMs,
    maxOutput,
    quiet: args['quiet'] === true,
    output: args['output'] === true,
    allowQuit: args['allow-quit'] === true,
    debugEndpoints: args['debug-endpoints'] !== false,
    logFormat: logFormat as LogFormat,
    shutdownGraceMs,
  };
  return { kind: 'run', config, warnings: commandWarnings(checks, lookPath) };
}

function pairChecks(cmds: string[], urls: string[]): CheckSpec[] {
  if (cmds.length === 0) cmds = [DEFAULT_CMD];
  if (urls.length === 0) urls = [DEFAULT_URL];
  if (cmds.length !== urls.length) {
    if (cmds.length === 1 && urls.length > 1) {
      throw new UsageError(`--url given ${urls.length} times but --cmd once: give one --cmd per --url, paired by order`);
    }
    if (urls.length === 1 && cmds.length > 1) {
      throw new UsageError(`--cmd given ${cmds.length} times but --url once: give one --url per --cmd, paired by order`);
    }
    throw new UsageError(`--cmd given ${cmds.length} times but --url ${urls.length} times: the counts must match`);
  }
  const seen = new Set<string>();
  return cmds.map((cmd, i) => {
    const url = urls[i] as string;
    if (cmd.trim() === '') throw new UsageError(`--cmd #${i + 1} (for ${url}) is empty`);
    if (!url.startsWith('/')) throw new UsageError(`--url ${JSON.stringify(url)}: must start with "/"`);
    if (/[?#\s]/.test(url)) throw new UsageError(`--url ${JSON.stringify(url)}: must be a plain path (no query, fragment or spaces)`);
    const builtin = collidesWithBuiltin(url);
    if (builtin !== undefined) {
      throw new UsageError(`--url ${JSON.stringify(url)} collides with the built-in endpoint ${builtin}`);
    }
    if (seen.has(url)) throw new UsageError(`--url ${JSON.stringify(url)} is given more than once`);
    seen.add(url);
    return { url, cmd };
  });
}

// Words sh runs itself; they are never on PATH and need no warning.
const SHELL_WORDS = new Set([
  '.', ':', '[', 'alias', 'break', 'cd', 'command', 'continue', 'echo', 'eval', 'exec', 'exit',
  'export', 'false', 'getopts', 'if', 'kill', 'printf', 'pwd', 'read', 'readonly', 'return',
  'set', 'shift', 'test', 'times', 'trap', 'true', 'type', 'ulimit', 'umask', 'unset', 'wait',
  'while', 'until', 'for', 'case', '!', '{', '(',
]);

function commandWarnings(checks: readonly CheckSpec[], lookPath: LookPath): string[] {
  const warnings: string[] = [];
  for (const { cmd, url } of checks) {
    const first = cmd.trim().split(/\s+/)[0] ?? '';
    // Assignments, expansions, quoting and subshells are for sh to resolve, not us.
    if (first === '' || SHELL_WORDS.has(first) || /[=$`"'(){};|&<>*?]/.test(first)) continue;
    if (!lookPath(first)) {
      warnings.push(`--cmd ${JSON.stringify(cmd)} (for ${url}): ${JSON.stringify(first)} not found on PATH; the check will fail until it is`);
    }
  }
  return warnings;
}
