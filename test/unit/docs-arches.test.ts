// docs/building.md's arch table and the README's runtime table are views of build/arches.tsv
// and build/node.lock.json: adding or moving an arch or its Node there without the docs (or
// the other way round) fails here.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { arches } from '../helpers/arches';
import { baseRelease, debianNumber } from '../helpers/base-lock';
import { ROOT } from '../helpers/service';

interface LockEntry {
  readonly source?: string;
  readonly package?: string;
  readonly version: string;
  readonly debs?: readonly { readonly package: string; readonly version: string }[];
}

const DOC = 'docs/building.md';
const HEADER = '| ARCH | Node package | Node embedded | pkg target | Debian arch | platform |';

/** The rows of the table under HEADER, cells without their backquotes. */
function docRows(): Map<string, string[]> {
  const lines = readFileSync(join(ROOT, DOC), 'utf8').split('\n');
  const at = lines.indexOf(HEADER);
  assert.notEqual(at, -1, `${DOC} has no line ${HEADER}`);
  const rows = new Map<string, string[]>();
  for (const line of lines.slice(at + 2)) {
    if (!line.startsWith('|')) break;
    const cells = line.split('|').slice(1, -1).map((c) => c.trim().replace(/`/g, ''));
    rows.set(cells[0] ?? '', cells);
  }
  return rows;
}

describe(`${DOC}: the arch table`, () => {
  const lock = (JSON.parse(readFileSync(join(ROOT, 'build', 'node.lock.json'), 'utf8')) as { arches: Record<string, LockEntry> }).arches;
  const rows = docRows();

  it('has exactly the arches of build/arches.tsv, in its order', () => {
    assert.deepEqual([...rows.keys()], arches().map((a) => a.make));
  });

  for (const a of arches()) {
    it(`${a.make}: Node package and version as the lock pins them; pkg target, Debian arch and platform as the table has them`, () => {
      const cells = rows.get(a.make);
      assert.ok(cells !== undefined, `${DOC} has no row for ${a.make}`);
      const [, pkg = '', embedded = '', pkgTarget = '', debian = '', platform = ''] = cells;
      const entry = lock[a.make];
      assert.ok(entry !== undefined, `build/node.lock.json pins no Node for ${a.make}`);
      const debianNode = entry.source === 'debian';
      if (debianNode) assert.match(pkg, /^Debian \d+ nodejs \+ libnode\d+$/);
      else assert.equal(pkg, `node-linux-${a.node}`);
      assert.ok(embedded === entry.version || embedded.startsWith(`${entry.version} `), `${a.make}: "${embedded}" is not Node ${entry.version}`);
      // An arch whose own Node makes the blob (blob self, or Debian's Node) does not go through pkg.
      assert.equal(pkgTarget, a.blob === 'self' || debianNode ? '(none: see below)' : a.pkg);
      assert.equal(debian, a.debian);
      assert.equal(platform, a.platform);
    });
  }
});


describe('README.md: the runtime table of the Security section', () => {
  const lock = (JSON.parse(readFileSync(join(ROOT, 'build', 'node.lock.json'), 'utf8')) as { arches: Record<string, LockEntry> }).arches;
  const text = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const begin = text.indexOf('<!-- runtime:begin');
  const end = text.indexOf('<!-- runtime:end -->');
  const rows = new Map(text.slice(begin, end).split('\n').filter((l) => l.startsWith('| `'))
    .map((l) => l.split('|').slice(1, -1).map((c) => c.trim().replace(/`/g, '')))
    .map((cells) => [cells[0] ?? '', cells] as const));

  it('has exactly the arches of build/arches.tsv, in its order', () => {
    assert.ok(begin !== -1 && end > begin, 'README.md has no runtime:begin/end markers');
    assert.deepEqual([...rows.keys()], arches().map((a) => a.make));
  });

  for (const a of arches()) {
    it(`${a.make}: the Node version and the package (and Debian version) the lock pins`, () => {
      const [, version = '', from = ''] = rows.get(a.make) ?? [];
      const entry = lock[a.make];
      assert.ok(entry !== undefined, `build/node.lock.json pins no Node for ${a.make}`);
      assert.equal(version, entry.version);
      if (entry.source === 'debian') {
        const debs = entry.debs ?? [];
        assert.ok(debs.length > 0);
        // The packages, not their Debian upload: make lock moves that, and the README must not rot with it.
        assert.equal(from, `Debian ${debianNumber(baseRelease())} ${debs.map((d) => d.package).join(' + ')}`);
      } else {
        assert.equal(from, `npm node-linux-${a.node}`);
      }
    });
  }
});
