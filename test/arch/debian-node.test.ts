// Where build/node.lock.json takes an arch's Node from Debian (source "debian"), the
// executable is Debian's launcher with the SEA blob, and the runtime is the base rootfs's
// libnode.so.115 with its SEA fuse set, on Debian 13 libraries: exactly libnode's NEEDED
// closure beside glibc, plus the built-in JavaScript modules libnode reads from /usr/share.
// Where the Node comes from npm, the base carries no libnode. Every arch's base is of the one
// Debian release images/base/packages.lock.json names.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/service';
import { arches, requireFile } from '../helpers/arches';
import { baseRelease } from '../helpers/base-lock';

// Written split so this file never holds the sentinel itself.
const FUSE = 'NODE_SEA' + '_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

interface NodeDeb {
  readonly package: string;
  readonly version: string;
  readonly role: 'launcher' | 'library';
}
interface NodeEntry {
  readonly source?: string;
  readonly version: string;
  readonly debs?: readonly NodeDeb[];
}

/** The one Debian release (codename) of every arch's base. */
const RELEASE = baseRelease();

function entry(make: string): NodeEntry {
  const lock = JSON.parse(readFileSync(join(ROOT, 'build', 'node.lock.json'), 'utf8')) as { arches: Record<string, NodeEntry> };
  const e = lock.arches[make];
  if (e === undefined) throw new Error(`build/node.lock.json pins no Node for ${make}`);
  return e;
}

function dynamic(file: string, tag: 'NEEDED' | 'SONAME'): string[] {
  const r = spawnSync('readelf', ['-d', file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `readelf -d ${file}: ${r.stderr}`);
  return [...r.stdout.matchAll(new RegExp(`\\(${tag}\\)\\s+\\S+ \\S+: \\[([^\\]]+)\\]`, 'g'))].map((m) => m[1]!);
}

function osRelease(rootfs: string): Record<string, string> {
  return Object.fromEntries(
    readFileSync(join(rootfs, 'etc', 'os-release'), 'utf8')
      .split('\n')
      .map((l) => /^([A-Z_]+)="?([^"]*)"?$/.exec(l))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

const count = (buf: Buffer, s: string): number => {
  let n = 0;
  for (let i = buf.indexOf(s); i !== -1; i = buf.indexOf(s, i + 1)) n++;
  return n;
};

describe("each arch's runtime source: npm, or Debian's libnode in the base", () => {
  for (const a of arches()) {
    const e = entry(a.make);
    if (e.source !== 'debian') {
      it(`${a.make}: Node ${e.version} from npm; a Debian ${RELEASE} base without libnode`, () => {
        requireFile(join(a.rootfs, 'etc', 'os-release'), `make rootfs-${a.make}`);
        assert.equal(osRelease(a.rootfs)['VERSION_CODENAME'], RELEASE);
        assert.equal(existsSync(join(a.rootfs, 'usr', 'lib', a.triplet, 'libnode.so.115')), false);
        assert.ok(readFileSync(a.executable).includes(`${FUSE}:1`), 'the executable carries its own fuse-set Node');
      });
      continue;
    }
    it(`${a.make}: Debian's launcher + blob over a fuse-set libnode, on exactly the libraries it needs`, () => {
      requireFile(a.executable, `make build-${a.make}`);
      requireFile(join(a.rootfs, 'var', 'lib', 'dpkg', 'status.d', 'libc6'), `make rootfs-${a.make}`);
      const libdir = join(a.rootfs, 'usr', 'lib', a.triplet);
      const libnode = join(libdir, 'libnode.so.115');

      // The executable: the launcher (a few hundred KB with the blob), linked to libnode.
      assert.ok(dynamic(a.executable, 'NEEDED').includes('libnode.so.115'), 'the executable does not link libnode.so.115');
      assert.ok(lstatSync(a.executable).size < 8 << 20, `${a.executable} is ${lstatSync(a.executable).size} bytes: not the launcher`);

      // The runtime: libnode with the fuse set (once, no unset copy left), from the pinned package.
      const lib = readFileSync(libnode);
      assert.equal(count(lib, `${FUSE}:1`), 1, 'libnode.so.115 fuse set');
      assert.equal(count(lib, `${FUSE}:0`), 0, 'libnode.so.115 still has an unset fuse');
      const libDeb = e.debs?.find((d) => d.role === 'library');
      assert.ok(libDeb, 'build/node.lock.json names no library package');
      const status = readFileSync(join(a.rootfs, 'var', 'lib', 'dpkg', 'status.d', libDeb.package), 'utf8');
      assert.match(status, new RegExp(`^Version: ${libDeb.version.replace(/[.+~]/g, '\\$&')}$`, 'm'));
      assert.equal(osRelease(a.rootfs)['VERSION_CODENAME'], RELEASE);

      // Libraries: glibc's own, and otherwise exactly libnode's NEEDED closure.
      const glibc = new Set(
        readFileSync(join(a.rootfs, 'var', 'lib', 'dpkg', 'status.d', 'libc6.md5sums'), 'utf8')
          .split('\n')
          .map((l) => l.split('  ')[1])
          .filter((p): p is string => p !== undefined),
      );
      const closure = new Set<string>();
      const queue = ['libnode.so.115'];
      while (queue.length > 0) {
        const so = queue.shift()!;
        if (closure.has(so)) continue;
        closure.add(so);
        const f = join(libdir, so);
        assert.ok(existsSync(f), `${so}, which libnode needs, is not in ${libdir}`);
        queue.push(...dynamic(f, 'NEEDED'));
      }
      const extra: string[] = [];
      for (const name of readdirSync(libdir)) {
        const f = join(libdir, name);
        if (!/\.so(\.\d+)*$/.test(name) || !lstatSync(f).isFile() || glibc.has(`usr/lib/${a.triplet}/${name}`)) continue;
        const soname = dynamic(f, 'SONAME')[0] ?? name;
        if (!closure.has(soname)) extra.push(name);
      }
      assert.deepEqual(extra, [], 'shared libraries libnode does not need');

      // The built-in modules libnode loads from files (cjs-module-lexer is read at start).
      const builtins = [...lib.toString('latin1').matchAll(/NODE_SHARED_BUILTIN_[A-Z_]+_PATH=(\/usr\/share\/[^"]+)/g)].map((m) => m[1]!);
      assert.ok(builtins.length > 0, 'libnode names no shared built-in module');
      for (const b of new Set(builtins)) assert.ok(lstatSync(join(a.rootfs, b), { throwIfNoEntry: false })?.isFile(), `${b} is not in the rootfs`);
    });
  }
});
