// The command line read as Go's flag package reads it, so a manifest written for the Go tool
// means the same here: `-name` or `--name`, then `=X` or the next argument as X. A flag that
// takes a value takes the next argument whatever it looks like (`--cmd -x`, `--period -1s`,
// `--port -1`), and the value is then judged as a value; a boolean flag takes one only after
// `=`, never the next argument. Each flag comes out as one `--name=X` token under its table
// name: the one form minimist reads without guessing whether X is a value or a flag. Every
// name is looked up in the table (a Map) first, so minimist, which keeps flags in plain
// objects, never meets `constructor` or `__proto__` (it threw a TypeError on them).
import { FLAG_BY_NAME } from './flag-spec';
import { quote } from './quote';
import { UsageError } from './usage-error';

// Spellings Go's strconv.ParseBool accepts.
const GO_TRUE = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const GO_FALSE = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

function goBoolean(written: string, value: string): 'true' | 'false' {
  if (GO_TRUE.has(value)) return 'true';
  if (GO_FALSE.has(value)) return 'false';
  throw new UsageError(`--${written} ${quote(value)}: not a boolean (use true or false)`);
}

/**
 * Go stops at the first argument that is not a flag and the Go tool ignored the rest; here
 * it is refused, since it is most often a command meant for --cmd, or the value of a
 * boolean (`--quiet false`) that Go would have ignored, leaving the flag on.
 */
function unexpected(arg: string, afterBoolean: string | undefined): UsageError {
  if (afterBoolean !== undefined && (GO_TRUE.has(arg) || GO_FALSE.has(arg))) {
    return new UsageError(
      `unexpected argument ${quote(arg)}: a boolean flag takes its value after "=", as in --${afterBoolean}=${arg}`,
    );
  }
  return new UsageError(`unexpected argument ${quote(arg)}: commands go in --cmd (see --help)`);
}

/** `argv` as `--name=X` tokens, one per flag, in order; a UsageError for what Go refuses. */
export function canonicalArgs(argv: readonly string[]): string[] {
  const out: string[] = [];
  // The boolean flag just read without "=", for the hint about `--quiet false`.
  let afterBoolean: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--') {
      const rest = argv[i + 1];
      if (rest !== undefined) throw unexpected(rest, afterBoolean);
      break;
    }
    if (arg.length < 2 || !arg.startsWith('-')) throw unexpected(arg, afterBoolean);
    const body = arg.slice(arg.startsWith('--') ? 2 : 1);
    if (body === '' || body.startsWith('-') || body.startsWith('=')) {
      throw new UsageError(`bad flag syntax: ${quote(arg)} (see --help)`);
    }
    const eq = body.indexOf('=');
    const written = eq < 0 ? body : body.slice(0, eq);
    const spec = FLAG_BY_NAME.get(written);
    if (spec === undefined) throw new UsageError(`unknown flag ${quote(`--${written}`)} (see --help)`);
    afterBoolean = undefined;
    if (spec.kind === 'boolean') {
      if (eq < 0) afterBoolean = spec.name;
      out.push(`--${spec.name}=${eq < 0 ? 'true' : goBoolean(written, body.slice(eq + 1))}`);
      continue;
    }
    if (eq >= 0) {
      out.push(`--${spec.name}=${body.slice(eq + 1)}`);
      continue;
    }
    const next = argv[i + 1];
    if (next === undefined) throw new UsageError(`--${spec.name} needs a value`);
    out.push(`--${spec.name}=${next}`);
    i++;
  }
  return out;
}
