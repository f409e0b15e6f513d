// Command-line parsing and the start-up sanity checks. Go's flag package syntax is kept
// (`-cmd=X`, `--cmd=X`, `--cmd X`, argv.ts) so existing pod manifests work unchanged.
import minimist from 'minimist';
import { isIP } from 'node:net';
import { canonicalArgs } from './argv';
import { collidesWithBuiltin, type CheckSpec, type Config, type LogFormat } from './config';
import { formatDuration, parseDuration } from './duration';
import { DEFAULT_TIMEOUT_CAP, FLAG_BY_NAME, FLAGS, flagNames, MAX_DURATION_MS, USAGE, type FlagSpec } from './flag-spec';
import type { LookPath } from './lookpath';
import { clip, quote } from './quote';
import { UsageError } from './usage-error';

export { UsageError };

export type ParseOutcome =
  | {
      readonly kind: 'run';
      readonly config: Config;
      readonly warnings: readonly string[];
      /** --check-config: print the settings and exit instead of serving. */
      readonly checkOnly: boolean;
    }
  | { readonly kind: 'help' }
  | { readonly kind: 'version' };

/** The default of a flag as typed on the command line (the spec holds it, once). */
function defaultOf(name: string): string | undefined {
  return FLAG_BY_NAME.get(name)?.default;
}

// Every flag that takes a value is a string to minimist (whatever its kind: it is read here).
const VALUE_FLAGS = FLAGS.filter((f) => f.kind !== 'boolean').map((f) => f.name);
const BOOL_FLAGS = flagNames('boolean');

export { USAGE };

function last(value: unknown): string | undefined {
  if (Array.isArray(value)) return value.length === 0 ? undefined : String(value[value.length - 1]);
  if (value === undefined) return undefined;
  return String(value);
}

function all(value: unknown): string[] {
  if (value === undefined) return [];
  return (Array.isArray(value) ? value : [value]).map((v) => String(v));
}

/** The table's entry of a flag this file reads by name; a missing one is a bug here. */
function specOf<K extends FlagSpec['kind']>(name: string, kind: K): Extract<FlagSpec, { kind: K }> {
  const spec = FLAG_BY_NAME.get(name);
  if (spec === undefined || spec.kind !== kind) throw new Error(`flag table: no ${kind} flag --${name}`);
  return spec as Extract<FlagSpec, { kind: K }>;
}

/** A duration flag's value, within its table limits (every one at most MAX_DURATION_MS). */
function duration(name: string, raw: string): number {
  const spec = specOf(name, 'duration');
  const ms = parseDuration(raw);
  if (ms === undefined) {
    throw new UsageError(`--${name} ${quote(raw)}: not a duration (examples: 10ms, 1.5s, 1m30s, 2h)`);
  }
  if (spec.positive === true && ms <= 0) throw new UsageError(`--${name} ${formatDuration(ms)}: must be greater than 0`);
  if (ms < 0) throw new UsageError(`--${name} ${formatDuration(ms)}: must not be negative`);
  if (ms > MAX_DURATION_MS) {
    throw new UsageError(`--${name} ${formatDuration(ms)} is above the longest timer Node can set (${formatDuration(MAX_DURATION_MS)})`);
  }
  return ms;
}

/** An integer flag's value, from the table's min to its max. */
function integer(name: string, raw: string): number {
  const { min, max } = specOf(name, 'integer');
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new UsageError(`--${name} ${quote(raw)}: must be an integer from ${min} to ${max}`);
  }
  return n;
}

export function parseFlags(argv: readonly string[], lookPath: LookPath): ParseOutcome {
  const tokens = canonicalArgs(argv);
  const args = minimist(tokens, { string: VALUE_FLAGS, boolean: BOOL_FLAGS });
  if (args['help'] === true) return { kind: 'help' };
  if (args['version'] === true) return { kind: 'version' };

  for (const flag of VALUE_FLAGS) {
    // `--port=` (Go would take it as an empty value, and refuse it for a number).
    if (flag !== 'cmd' && all(args[flag]).some((v) => v === '')) {
      throw new UsageError(`--${flag} needs a value`);
    }
  }

  // minimist gives booleans that were not given as false; the table's default decides then.
  const given = (name: string): boolean => tokens.some((t) => t.startsWith(`--${name}=`));
  const bool = (name: string): boolean => (given(name) ? args[name] === true : defaultOf(name) === 'true');
  const checks = pairChecks(all(args['cmd']), all(args['url']));
  const value = (name: string): string => last(args[name]) ?? defaultOf(name) ?? '';
  const port = integer('port', value('port'));
  const address = value('address');
  if (isIP(address) === 0) {
    throw new UsageError(`--address ${quote(address)}: must be an IP address (e.g. 0.0.0.0, ::, 127.0.0.1)`);
  }
  const periodMs = duration('period', value('period'));
  const latencyMs = duration('latency', value('latency'));
  if (latencyMs < periodMs) {
    throw new UsageError(
      `--latency ${formatDuration(latencyMs)} is less than --period ${formatDuration(periodMs)}: every result would be stale`,
    );
  }
  const timeoutArg = last(args['timeout']);
  const timeoutMs = timeoutArg === undefined ? Math.min(duration('timeout', DEFAULT_TIMEOUT_CAP), latencyMs) : duration('timeout', timeoutArg);
  if (timeoutMs > latencyMs) {
    throw new UsageError(
      `--timeout ${formatDuration(timeoutMs)} is greater than --latency ${formatDuration(latencyMs)}: a hung run would look stale, not failed`,
    );
  }
  const maxOutput = integer('max-output', value('max-output'));
  const maxConnections = integer('max-connections', value('max-connections'));
  const verbosity = integer('v', value('v'));
  const logFormat = value('log-format');
  if (logFormat !== 'text' && logFormat !== 'json') {
    throw new UsageError(`--log-format ${quote(logFormat)}: must be text or json`);
  }
  const shutdownGraceMs = duration('shutdown-grace', value('shutdown-grace'));
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
    maxConnections,
    quiet: bool('quiet'),
    verbosity,
    output: bool('output'),
    allowQuit: bool('allow-quit'),
    debugEndpoints: bool('debug-endpoints'),
    logFormat: logFormat as LogFormat,
    shutdownGraceMs,
  };
  return { kind: 'run', config, warnings: commandWarnings(checks, lookPath), checkOnly: bool('check-config') };
}

function pairChecks(cmds: string[], urls: string[]): CheckSpec[] {
  if (cmds.length === 0) cmds = [defaultOf('cmd') ?? ''];
  if (urls.length === 0) urls = [defaultOf('url') ?? ''];
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
    if (!url.startsWith('/')) throw new UsageError(`--url ${quote(url)}: must start with "/"`);
    // Control and format characters too: no request can name them, and the path is echoed in log lines.
    if (/[?#\s\p{Cc}\p{Cf}]/u.test(url)) {
      throw new UsageError(`--url ${quote(url)}: must be a plain path (no query, fragment, spaces or control characters)`);
    }
    // After the URL checks, so the URL in this line is a plain one-line path (cut if long).
    if (cmd.trim() === '') throw new UsageError(`--cmd #${i + 1} (for ${clip(url)}) is empty`);
    const builtin = collidesWithBuiltin(url);
    if (builtin !== undefined) {
      throw new UsageError(`--url ${quote(url)} collides with the built-in endpoint ${builtin}`);
    }
    if (seen.has(url)) throw new UsageError(`--url ${quote(url)} is given more than once`);
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
      warnings.push(`--cmd ${quote(cmd)} (for ${clip(url)}): ${quote(first)} not found on PATH; the check will fail until it is`);
    }
  }
  return warnings;
}
