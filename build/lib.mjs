// Shared by the build scripts: the repository root, the arch table and one-line failures.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

// Bad input is reported as one line on stderr and a non-zero exit, never a stack trace.
export function fail(msg) {
  console.error(`${basename(process.argv[1] || 'build')}: error: ${msg}`);
  process.exit(1);
}

// A fail() for a script that reports as `name: msg` and exits with `code`.
export function failer(name, code = 1) {
  return (msg) => {
    process.stderr.write(`${name}: ${msg}\n`);
    process.exit(code);
  };
}

// A script's flags; an unknown or malformed one is a one-line failure like any bad input.
export function parseFlags(options, onError = fail) {
  try {
    return parseArgs({ options }).values;
  } catch (e) {
    return onError(e.message);
  }
}

// Rows of build/arches.tsv (the one arch table) as objects keyed by its header names.
export function archRows() {
  const lines = readFileSync(join(ROOT, 'build/arches.tsv'), 'utf8').split('\n');
  const header = lines.find((l) => /^#\s*make\t/.test(l));
  if (!header) fail('build/arches.tsv has no "# make<TAB>..." header line');
  const cols = header.replace(/^#\s*/, '').split('\t');
  return lines
    .filter((l) => l.trim() && !l.startsWith('#'))
    .map((l) => Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v.trim()])));
}

// The row of one Makefile ARCH; an unknown one fails naming the allowed arches.
export function archRow(make, onError = fail) {
  const rows = archRows();
  return rows.find((r) => r.make === make) ||
    onError(`unknown arch '${make ?? ''}' (allowed: ${rows.map((r) => r.make).join(' ')})`);
}
