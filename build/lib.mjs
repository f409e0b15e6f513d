// Shared by the build scripts: the repository root, the arch table and one-line failures.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** @typedef {(msg: string) => never} Fail */
/** @typedef {Record<string, string>} ArchRow A row of build/arches.tsv, by its header names. */

// Bad input is reported as one line on stderr and a non-zero exit, never a stack trace.
/** @type {Fail} */
export function fail(msg) {
  console.error(`${basename(process.argv[1] || 'build')}: error: ${msg}`);
  process.exit(1);
}

// The one-line reason of a caught error: its errno code (ENOENT) or its message.
/** @param {unknown} e */
export function reason(e) {
  if (!(e instanceof Error)) return String(e);
  return /** @type {NodeJS.ErrnoException} */ (e).code || e.message;
}

// A script's one failure shape: `name: msg` on stderr and exit `code`, for the bad input
// it checks (the fail() returned) and for any error it did not expect (a file that vanished,
// a tool's odd output), which would otherwise end in a stack trace.
/**
 * @param {string} name
 * @returns {Fail}
 */
export function failer(name, code = 1) {
  /** @type {Fail} */
  const fail = (msg) => {
    process.stderr.write(`${name}: ${msg}\n`);
    process.exit(code);
  };
  /** @param {unknown} e */
  const unexpected = (e) => fail(String(e instanceof Error ? e.message : e).split('\n')[0] ?? '');
  process.on('uncaughtException', unexpected);
  process.on('unhandledRejection', unexpected);
  return fail;
}

// A script's flags; an unknown or malformed one is a one-line failure like any bad input.
/**
 * @template {NonNullable<import('node:util').ParseArgsConfig['options']>} const O
 * @param {O} options
 * @param {Fail} [onError]
 * @returns {ReturnType<typeof parseArgs<{ options: O }>>['values']}
 */
export function parseFlags(options, onError = fail) {
  try {
    return parseArgs({ options }).values;
  } catch (e) {
    return onError(e instanceof Error ? e.message : String(e));
  }
}

// Rows of build/arches.tsv (the one arch table) as objects keyed by its header names.
/** @returns {ArchRow[]} */
export function archRows() {
  const lines = readFileSync(join(ROOT, 'build/arches.tsv'), 'utf8').split('\n');
  const header = lines.find((l) => /^#\s*make\t/.test(l));
  if (header === undefined) return fail('build/arches.tsv has no "# make<TAB>..." header line');
  const cols = header.replace(/^#\s*/, '').split('\t');
  return lines
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v.trim()])));
}

// The row of one Makefile ARCH; an unknown one fails naming the allowed arches.
/**
 * @param {string | undefined} make
 * @param {Fail} [onError]
 * @returns {ArchRow}
 */
export function archRow(make, onError = fail) {
  const rows = archRows();
  return rows.find((r) => r.make === make) ||
    onError(`unknown arch '${make ?? ''}' (allowed: ${rows.map((r) => r.make).join(' ')})`);
}
