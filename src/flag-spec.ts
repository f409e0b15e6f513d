// Every command-line flag, once: name, kind, limits, default, help and README text. The
// parser (its grammar, each value's kind and limits), the --help text and the README flags table
// are all derived from this table (a unit test keeps the README in step), so no default or
// limit is written twice, and a new duration flag is capped like the others without a word.
import { MAX_TIMER_MS } from './clock';
import { formatDuration } from './duration';

/**
 * How a flag's value is read and checked (integer and duration limits are below). Booleans
 * are `--flag` or `--flag=false` and never take the next argument; every other kind takes
 * it whatever it looks like, as Go's flag package does (argv.ts).
 */
export type FlagKind = 'string' | 'integer' | 'duration' | 'boolean';

interface CommonSpec {
  readonly name: string;
  /** Other names: `-h` for `--help`, which Go's flag package answers with the usage too. */
  readonly aliases?: readonly string[];
  /** Placeholder of the value in --help and the README (value-taking flags only). */
  readonly arg?: string;
  readonly repeatable?: boolean;
  /** The default as it would be typed on the command line; parsed like user input. */
  readonly default?: string;
  /** The default in words, when it is derived from other flags (or there is none). */
  readonly defaultText?: string;
  /** One line of --help. */
  readonly help: string;
  /** The README table's "Meaning" cell (markdown). */
  readonly readme: string;
}

export type FlagSpec =
  | (CommonSpec & { readonly kind: 'string' | 'boolean' })
  /** A decimal integer from min to max. */
  | (CommonSpec & { readonly kind: 'integer'; readonly min: number; readonly max: number })
  /**
   * A Go duration from 0 (above 0 when `positive`) to MAX_DURATION_MS: every duration sets
   * a timer, or bounds one (--latency >= --period).
   */
  | (CommonSpec & { readonly kind: 'duration'; readonly positive?: boolean });

/** Every duration flag's ceiling: Node's longest timer. */
export const MAX_DURATION_MS = MAX_TIMER_MS;

/** Room for a head, a tail and the "bytes dropped" marker. */
export const MIN_MAX_OUTPUT = 256;
export const MAX_MAX_OUTPUT = 64 * 1024 * 1024;
export const MAX_MAX_CONNECTIONS = 100_000;
/** --v at most; levels above 2 add nothing yet, accepted as klog accepts them. */
export const MAX_VERBOSITY = 10;
/** --timeout defaults to the smaller of this and --latency. */
export const DEFAULT_TIMEOUT_CAP = '10s';

export const FLAGS: readonly FlagSpec[] = [
  {
    name: 'cmd', kind: 'string', arg: 'CMD', repeatable: true, default: 'echo healthz',
    help: 'command to run',
    readme: 'Command run as `sh -c CMD`. Repeatable.',
  },
  {
    name: 'url', kind: 'string', arg: 'PATH', repeatable: true, default: '/healthz',
    help: "path serving the paired command's result",
    readme: "Path serving the paired command's result. Repeatable; with more than one of `--cmd`/`--url` the counts must match.",
  },
  {
    name: 'port', kind: 'integer', min: 0, max: 65535, arg: 'N', default: '8080',
    help: 'port to listen on, 0 for any free port',
    readme: 'Port to listen on; `0` picks a free one (the start-up line says which).',
  },
  {
    name: 'address', kind: 'string', arg: 'IP', default: '0.0.0.0',
    help: 'address to bind (all IPv4 interfaces; :: for IPv6)',
    readme: 'Bind address (`::` for IPv6, `127.0.0.1` for loopback only).',
  },
  {
    name: 'period', kind: 'duration', positive: true, arg: 'DURATION', default: '2s',
    help: 'time between the starts of two runs',
    readme: 'Time from the start of one run to the start of the next.',
  },
  {
    name: 'latency', kind: 'duration', arg: 'DURATION', default: '30s',
    help: 'a result older than this answers 503',
    readme: 'A result older than this answers 503 (`Latest result too old to be useful`).',
  },
  {
    name: 'timeout', kind: 'duration', positive: true, arg: 'DURATION', defaultText: `the smaller of ${DEFAULT_TIMEOUT_CAP} and --latency`,
    help: 'a run is killed after this long',
    readme: 'A run is killed (its whole process group) after this long.',
  },
  {
    name: 'max-output', kind: 'integer', min: MIN_MAX_OUTPUT, max: MAX_MAX_OUTPUT, arg: 'BYTES', default: '10240',
    help: 'output kept per run, head and tail',
    readme: `Output kept per run (head and tail, ${MIN_MAX_OUTPUT} B to 64 MiB), as the kubelet keeps 10 KiB.`,
  },
  {
    name: 'max-connections', kind: 'integer', min: 1, max: MAX_MAX_CONNECTIONS, arg: 'N', default: '1024',
    help: 'open HTTP connections at most; over it the oldest idle one is closed',
    readme: `Open HTTP connections at most (1 to ${MAX_MAX_CONNECTIONS}). A new connection over the cap closes the oldest one that has no request in progress (a slow or idle client), so a probe's fresh connection is served; only when every connection is busy is the new one closed. Counted in \`exechealthz_http_connections_dropped_total\`.`,
  },
  {
    name: 'output', kind: 'boolean', default: 'false',
    help: 'answer 200 with the command\'s output instead of "ok"',
    readme: 'Answer 200 with the command\'s output instead of `ok`.',
  },
  {
    name: 'quiet', kind: 'boolean', default: 'false',
    help: 'log only errors (whatever --v says)',
    readme: 'Log only errors (and the listening address), whatever `--v` says.',
  },
  {
    name: 'v', kind: 'integer', min: 0, max: MAX_VERBOSITY, arg: 'N', default: '0',
    help: 'log verbosity: 0 start-up, errors and changes of state; 1 also every run; 2 also every request',
    readme: `Log verbosity (0 to ${MAX_VERBOSITY}), as klog's \`-v\` in the Kubernetes sidecars. \`0\`: the start, errors, every unhealthy answer and each check's changes of state (first result, failing, healthy again), no line for a run or a request while all is well. \`1\`: also each run and its result (Go's \`Worker running\` lines). \`2\`: also each request (Go's \`Client ip ... requesting\` lines, which the Go tool always wrote; a line per kubelet probe, and under a burst of requests a cost in CPU and memory of its own).`,
  },
  {
    name: 'log-format', kind: 'string', arg: 'text|json', default: 'text',
    help: 'log line format',
    readme: '`2006/01/02 15:04:05 msg` lines as Go\'s log, or one JSON object per line.',
  },
  {
    name: 'allow-quit', kind: 'boolean', default: 'false',
    help: 'serve /quit, which makes the process exit',
    readme: 'Serve `/quit`, which makes the process exit.',
  },
  {
    name: 'debug-endpoints', kind: 'boolean', default: 'false',
    help: 'serve /debug/ (heap snapshot with every --cmd, CPU profile) to anyone who reaches the port',
    readme: 'Serve `/debug/` (heap snapshot, CPU profile, figures). Off unless asked for: a heap snapshot holds every `--cmd` string and whatever else is in memory, and anything on the cluster network reaches the port.',
  },
  {
    name: 'shutdown-grace', kind: 'duration', arg: 'DURATION', default: '5s',
    help: 'time to finish requests after SIGTERM',
    readme: 'After SIGTERM/SIGINT, time to finish in-flight requests before exiting anyway.',
  },
  {
    name: 'check-config', kind: 'boolean', default: 'false',
    help: 'validate the flags, print the resulting settings and exit (runs nothing)',
    readme: 'Validate every flag as a start would, print the resulting settings (one per line) and exit 0; runs no command, opens no port.',
  },
  {
    name: 'version', kind: 'boolean',
    help: 'print the version and exit',
    readme: 'Print the version and exit 0.',
  },
  {
    name: 'help', aliases: ['h'], kind: 'boolean',
    help: 'print this help and exit',
    readme: 'Print the flags and exit 0.',
  },
];

/**
 * Lookup by name or alias; a Map, so names such as `constructor` or `__proto__` are just
 * unknown.
 */
export const FLAG_BY_NAME: ReadonlyMap<string, FlagSpec> = new Map(
  FLAGS.flatMap((f) => [f.name, ...(f.aliases ?? [])].map((name) => [name, f] as const)),
);

export function flagNames(kind: FlagKind): string[] {
  return FLAGS.filter((f) => f.kind === kind).map((f) => f.name);
}

function usageName(f: FlagSpec): string {
  return f.arg === undefined ? `--${f.name}` : `--${f.name} ${f.arg}`;
}

/** The flag's names in --help: `--help, -h`. */
function helpName(f: FlagSpec): string {
  return [usageName(f), ...(f.aliases ?? []).map((a) => `-${a}`)].join(', ');
}

function defaultWords(f: FlagSpec): string | undefined {
  if (f.defaultText !== undefined) return f.defaultText;
  if (f.default === undefined) return undefined;
  if (f.kind === 'boolean') return f.default === 'true' ? 'on' : 'off';
  return f.repeatable === true || /\s/.test(f.default) ? JSON.stringify(f.default) : f.default;
}

function helpLine(f: FlagSpec): string {
  const def = defaultWords(f);
  const notes = [f.repeatable === true ? 'repeatable' : '', def === undefined ? '' : `default ${def}`].filter((n) => n !== '');
  return `  ${helpName(f).padEnd(27)} ${f.help}${notes.length === 0 ? '' : ` (${notes.join('; ')})`}`;
}

export const USAGE = [
  'Usage: exechealthz [flags]',
  '',
  'Runs each --cmd with "sh -c" every --period and serves its last result on the paired --url.',
  '',
  ...FLAGS.map(helpLine),
  '',
  `Durations use Go syntax: 10ms, 1.5s, 1m30s, 2h; at most ${formatDuration(MAX_DURATION_MS)}, Node's longest timer.`,
  'Flags may be written -flag=X, --flag=X or --flag X (X taken as it is, even if it starts with "-");',
  'a boolean flag takes a value only after "=": --quiet, --quiet=false.',
].join('\n');

function readmeDefault(f: FlagSpec): string {
  if (f.defaultText !== undefined) return f.defaultText.replace(/(\d+\w*|--[a-z-]+)/g, '`$1`');
  if (f.default === undefined) return '';
  if (f.kind === 'boolean') return f.default === 'true' ? 'on' : 'off';
  return `\`${f.default}\``;
}

/** The README's flags table (markdown), kept equal to the README by a unit test. */
export function readmeFlagsTable(): string {
  const rows = FLAGS.map((f) => {
    const name = `\`${usageName(f).replace(/\|/g, '\\|')}\``;
    return `| ${name} | ${readmeDefault(f)} | ${f.readme} |`;
  });
  return ['| Flag | Default | Meaning |', '|---|---|---|', ...rows].join('\n');
}
