// Each arch's SBOM (dist/sbom, written from images/base/packages.lock.json) against what the base
// rootfs really holds: every Debian package it names is a .deb file the rootfs was assembled
// from (same SHA-256; name, version and arch from the package's own control data), has files
// in the tree, and every shared library in the tree comes from a package the SBOM names. A
// lock, SBOM and rootfs that drift apart fail here; comparing the SBOM with the lock it is
// written from could not notice.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/service';
import { archSpec, arches, requireFile } from '../helpers/arches';
import { cachedDeb, DEB_CACHE } from '../helpers/deb-cache';


interface Deb {
  readonly name: string;
  readonly version: string;
  readonly purl: string;
  readonly sha256: string;
}

function sbomDebs(file: string): Deb[] {
  const bom = JSON.parse(readFileSync(file, 'utf8')) as {
    components: { name: string; version: string; purl?: string; hashes?: { alg: string; content: string }[] }[];
  };
  return bom.components
    .filter((c) => c.purl?.startsWith('pkg:deb/') === true)
    .map((c) => ({ name: c.name, version: c.version, purl: c.purl ?? '', sha256: c.hashes?.find((h) => h.alg === 'SHA-256')?.content ?? '' }));
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  assert.equal(r.status, 0, `${cmd} ${args.join(' ')}: ${r.stderr ?? r.error}`);
  return r.stdout;
}

/** Paths (from /) of the regular files and links a .deb ships. */
function debFiles(deb: string): string[] {
  return sh('dpkg-deb', ['-c', deb])
    .split('\n')
    .filter((l) => /^[-l]/.test(l))
    .map((l) => (l.split(/\s+/)[5] ?? '').replace(/^\.\//, '/'))
    .filter((p) => p !== '');
}

/** Shared libraries under the tree's library directories, as paths from /. */
function sharedLibs(rootfs: string, triplet: string): string[] {
  const out: string[] = [];
  for (const dir of [`lib/${triplet}`, `usr/lib/${triplet}`]) {
    const abs = join(rootfs, dir);
    if (!existsSync(abs) || lstatSync(abs).isSymbolicLink()) continue;
    for (const name of readdirSync(abs)) {
      if (/\.so(\.\d+)*$/.test(name) && lstatSync(join(abs, name)).isFile()) out.push(`/${dir}/${name}`);
    }
  }
  return out;
}

describe('SBOM against the base rootfs', () => {
  for (const a of arches()) {
    it(`${a.make}: the SBOM's Debian packages are the .deb files the rootfs was made of, and cover its libraries`, () => {
      const sbom = join(ROOT, 'dist', 'sbom', `exechealthz-${a.make}.cdx.json`);
      requireFile(sbom, `make sbom-${a.make}`);
      requireFile(join(a.rootfs, 'bin', 'sh'), `make rootfs-${a.make}`);
      const spec = archSpec(a.make);
      const debs = sbomDebs(sbom);
      assert.ok(debs.length > 0, 'no Debian package in the SBOM');
      const shipped = new Set<string>();
      for (const d of debs) {
        const file = cachedDeb(d.sha256);
        assert.ok(file !== undefined, `the SBOM's ${d.name} ${d.version} (sha256 ${d.sha256.slice(0, 12)}) is no .deb in ${DEB_CACHE}: run make rootfs-${a.make}`);
        const control = Object.fromEntries(
          sh('dpkg-deb', ['-f', file, 'Package', 'Version', 'Architecture']).trim().split('\n').map((l) => l.split(': ') as [string, string]),
        );
        assert.deepEqual({ name: d.name, version: d.version }, { name: control['Package'], version: control['Version'] }, file);
        assert.ok(control['Architecture'] === spec.debian || control['Architecture'] === 'all', `${d.name} is ${control['Architecture']}, not ${spec.debian}`);
        assert.match(d.purl, new RegExp(`[?&]arch=${spec.debian}(&|$)`));
        const files = debFiles(file);
        for (const f of files) shipped.add(f);
        const present = files.filter((f) => {
          try {
            lstatSync(join(a.rootfs, f));
            return true;
          } catch {
            return false;
          }
        });
        assert.ok(present.length > 0, `none of ${d.name}'s ${files.length} files is in ${a.rootfs}`);
      }
      const libs = sharedLibs(a.rootfs, a.triplet);
      assert.ok(libs.length > 0, `no shared library under ${a.rootfs}/lib/${a.triplet}`);
      // /lib is a link to /usr/lib in some Debian packages' paths and not others:
      // a library counts as shipped under either prefix.
      const unlisted = libs.filter((l) => !shipped.has(l) && !shipped.has(l.replace(/^\/usr\/lib\//, '/lib/')) && !shipped.has(l.replace(/^\/lib\//, '/usr/lib/')));
      assert.deepEqual(unlisted, [], 'libraries in the rootfs that no package of the SBOM ships');
    });
  }
});
