// Shared by the build scripts: the repository root, the arch table and one-line failures.
import { readFileSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = dirname(dirname(fileURLToPath(import.meta.url)));

// Bad input is reported as one line on stderr and a non-zero exit, never a stack trace.
export function fail(msg) {
  console.error(`${basename(process.argv[1] || 'build')}: error: ${msg}`);
  process.exit(1);
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
