// Shared by the build scripts: the repository root, the arch table and one-line failures.
import { readFileSync } from 'node:fs';
import { machine } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

/** @typedef {(msg: string) => never} Fail */
/** @typedef {Record<string, string>} ArchRow A row of build/arches.tsv, by its header names. */

// Every script fails in one shape: `<script file>: error: <message>`, one line on stderr,
// exit status 1 (2 where a script tells usage errors apart), never a stack trace.
/** @param {string} msg */
export const failLine = (msg) => `${basename(process.argv[1] || 'build')}: error: ${msg}`;

/** @type {Fail} */
export function fail(msg) {
  console.error(failLine(msg));
  process.exit(1);
}

// The one-line reason of a caught error: its errno code (ENOENT) or its message.
/** @param {unknown} e */
export function reason(e) {
  if (!(e instanceof Error)) return String(e);
  return /** @type {NodeJS.ErrnoException} */ (e).code || e.message;
}

// fail() with exit status `code`, for the bad input a script checks and, in the same shape,
// for any error it did not expect (a file that vanished, a tool's odd output), which would
// otherwise end in a stack trace.
/** @returns {Fail} */
export function failer(code = 1) {
  /** @type {Fail} */
  const fail = (msg) => {
    process.stderr.write(`${failLine(msg)}\n`);
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

// The start of every script that acts on a pushed release (sign, verify): --prefix and --tag
// required, --arches (default: every row of the table) each checked against the table, and
// the script's own flags.
/**
 * @template {NonNullable<import('node:util').ParseArgsConfig['options']>} const O
 * @param {O} own @param {Fail} onError @param {string} target the make target the hint names
 * @returns {{ values: ReturnType<typeof parseArgs<{ options: O }>>['values'], prefix: string, tag: string, rows: ArchRow[] }}
 */
export function releaseFlags(own, onError, target) {
  const values = parseFlags({ prefix: { type: 'string' }, tag: { type: 'string' }, arches: { type: 'string' }, ...own }, onError);
  const { prefix, tag, arches } = /** @type {{ prefix?: string, tag?: string, arches?: string }} */ (values);
  if (!prefix || !tag) return onError(`--prefix and --tag are required (make ${target} PREFIX=... TAG=...)`);
  const rows = arches?.trim() ? arches.split(/\s+/).filter(Boolean).map((a) => archRow(a, onError)) : archRows();
  return { values: /** @type {ReturnType<typeof parseArgs<{ options: O }>>['values']} */ (/** @type {unknown} */ (values)), prefix, tag, rows };
}

// Rows of build/arches.tsv (the one arch table) as objects keyed by its header names; a row
// without a value in every column fails. The one parser of the table: make, the shell scripts
// and the tests read it through build/arches.mjs.
/** @param {Fail} [onError] @returns {ArchRow[]} */
export function archRows(onError = fail) {
  const file = join(ROOT, 'build/arches.tsv');
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    return onError(`build/arches.tsv is missing: ${reason(e)}`);
  }
  const lines = text.split('\n');
  const header = lines.find((l) => /^#\s*make\t/.test(l));
  if (header === undefined) return onError('build/arches.tsv has no "# make<TAB>..." header line');
  const cols = header.replace(/^#\s*/, '').split('\t').map((c) => c.trim());
  return lines
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => {
      const values = l.split('\t').map((v) => v.trim());
      if (values.length !== cols.length || values.some((v) => v === '')) onError(`build/arches.tsv: row "${l}" does not have one value for each of: ${cols.join(' ')}`);
      return Object.fromEntries(values.map((v, i) => [cols[i], v]));
    });
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

// The row of this machine's arch: its `uname -m` is the qemu column (as in the Makefile).
/**
 * @param {Fail} [onError]
 * @returns {ArchRow}
 */
export function hostRow(onError = fail) {
  const m = machine();
  return archRows().find((r) => r.qemu === m) ||
    onError(`no row of build/arches.tsv has this machine's arch (${m}) in its qemu column`);
}

// The one row also published under the old un-suffixed image name (legacy column "yes").
/**
 * @param {Fail} [onError]
 * @returns {ArchRow}
 */
export function legacyRow(onError = fail) {
  const rows = archRows().filter((r) => r.legacy === 'yes');
  return rows.length === 1 ? rows[0] : onError(`build/arches.tsv has ${rows.length} rows with legacy "yes", not one`);
}
