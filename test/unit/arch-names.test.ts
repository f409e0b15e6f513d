// build/arches.tsv is the only build file that names an arch: the Makefile, docker-bake.hcl
// and every file under build/, hack/ and bench/ read the table (by column name) instead of
// spelling an arch, so adding one is adding its row and re-pinning the locks.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { arches } from '../helpers/arches';
import { ROOT } from '../helpers/service';

// The table itself, and the locks its rows are keyed in (written by make node-lock).
const EXEMPT = new Set(['build/arches.tsv', 'build/node.lock.json']);

/** The build logic files: Makefile, docker-bake.hcl, and everything under build/, hack/, bench/. */
function buildFiles(): string[] {
  const walk = (dir: string): string[] =>
    readdirSync(dir).flatMap((n) => {
      const p = join(dir, n);
      return statSync(p).isDirectory() ? walk(p) : [p];
    });
  return [join(ROOT, 'Makefile'), join(ROOT, 'docker-bake.hcl'), ...['build', 'hack', 'bench'].flatMap((d) => walk(join(ROOT, d)))]
    .map((p) => relative(ROOT, p))
    .filter((p) => !EXEMPT.has(p));
}

/** Every name the table gives an arch (all but the ELF numbers and the yes/no columns). */
function archNames(): string[] {
  return [...new Set(arches().flatMap((a) => [a.make, a.node, a.pkg, a.debian, a.platform, a.triplet, a.qemu]))];
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

/**
 * "file:line: name" for each name spelled as a word in TEXT: not inside a longer name (ppc64
 * in ppc64le, arm in armhf or charm), case as the table writes it.
 */
function namedArches(file: string, text: string, names: readonly string[]): string[] {
  const re = new RegExp(`(?<![A-Za-z0-9_])(${[...names].sort((a, b) => b.length - a.length).map(escape).join('|')})(?![A-Za-z0-9_])`, 'g');
  return text.split('\n').flatMap((line, i) => [...line.matchAll(re)].map((m) => `${file}:${i + 1}: ${m[1]}`));
}

describe('arch names live in build/arches.tsv only', () => {
  const names = archNames();

  it('the matcher finds a name as a word and nothing inside a longer one', () => {
    const [a] = arches();
    assert.ok(a, 'build/arches.tsv has rows');
    assert.deepEqual(namedArches('f', `x ${a.make} y\nbin/${a.make}/z`, [a.make]), [`f:1: ${a.make}`, `f:2: ${a.make}`]);
    assert.deepEqual(namedArches('f', `${a.make}x x${a.make} ${a.make}_1`, [a.make]), []);
  });

  it('no build file (Makefile, docker-bake.hcl, build/, hack/, bench/) spells an arch', () => {
    const files = buildFiles();
    assert.ok(files.includes('Makefile') && files.includes('docker-bake.hcl') && files.includes('build/lib.mjs'), files.join(' '));
    const hits = files.flatMap((f) => namedArches(f, readFileSync(join(ROOT, f), 'utf8'), names));
    assert.deepEqual(hits, [], `read the arch from build/arches.tsv instead:\n${hits.join('\n')}`);
  });
});
