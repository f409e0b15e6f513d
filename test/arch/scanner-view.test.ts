// What an image scanner sees in each arch's base rootfs (the tree the image is made of) and
// SBOM, checked against what is really there, not against the locks that produced them:
// /etc/os-release names the Debian release the packages come from; every dpkg status
// entry (distroless layout, var/lib/dpkg/status.d/) is a package whose listed files exist
// with those checksums, and every file of the tree is owned by one of them or is one of
// the project's own; the SBOM names exactly those packages and the Node.js the executable
// reports when run, with the CPE and purl vulnerability databases key Node.js on.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT, runToExit } from '../helpers/service';
import { arches, isHost, requireFile } from '../helpers/arches';

const EMULATED_MS = 90_000;

/** KEY=VALUE lines, values unquoted. */
function osRelease(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_]+)=("?)(.*)\2$/.exec(line);
    if (m) out[m[1]!] = m[3]!;
  }
  return out;
}

/** One deb822 paragraph: field -> value (continuation lines joined). */
function paragraph(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  let last = '';
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (/^\s/.test(line)) {
      out[last] += `\n${line}`;
      continue;
    }
    const i = line.indexOf(':');
    assert.ok(i > 0, `not a control field: ${line}`);
    last = line.slice(0, i);
    assert.equal(out[last], undefined, `field ${last} twice`);
    out[last] = line.slice(i + 1).trim();
  }
  return out;
}

/** Every regular file under dir, relative to it. */
function files(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    if (e.isDirectory()) return files(p, base);
    return e.isFile() ? [relative(base, p)] : [];
  });
}

const md5 = (path: string): string => createHash('md5').update(readFileSync(path)).digest('hex');

// The project's own files in the tree (images/base/rootfs), owned by no Debian package.
const OWN = files(join(ROOT, 'images', 'base', 'rootfs'));

describe('what scanners see in each image', () => {
  for (const a of arches()) {
    it(`${a.make}: os-release, dpkg status.d and the SBOM agree with the files in the rootfs and the executable`, { timeout: 2 * EMULATED_MS }, async () => {
      requireFile(join(a.rootfs, 'lib', a.triplet, 'libc.so.6'), `make rootfs-${a.make}`);
      const sbomFile = join(ROOT, 'dist', 'sbom', `exechealthz-${a.make}.cdx.json`);
      requireFile(sbomFile, 'make sbom');
      requireFile(a.executable, `make build-${a.make}`);

      const os = osRelease(readFileSync(join(a.rootfs, 'etc', 'os-release'), 'utf8'));
      assert.equal(os['ID'], 'debian');
      assert.match(os['VERSION_ID'] ?? '', /^\d+$/);
      assert.match(os['VERSION_CODENAME'] ?? '', /^[a-z]+$/);
      const release = os['VERSION_ID']!;

      const statusDir = join(a.rootfs, 'var', 'lib', 'dpkg', 'status.d');
      const names = readdirSync(statusDir).filter((f) => !f.endsWith('.md5sums')).sort();
      assert.ok(names.length >= 5, `only ${names.length} dpkg entries: ${names.join(' ')}`);
      const owned = new Set<string>();
      const installed: [string, string][] = [];
      let releaseTagged = 0;
      for (const name of names) {
        const p = paragraph(readFileSync(join(statusDir, name), 'utf8'));
        assert.equal(p['Package'], name, `status.d/${name} names package ${p['Package']}`);
        assert.equal(Object.keys(p)[0], 'Package');
        assert.equal(p['Status'], 'install ok installed', name);
        for (const f of ['Version', 'Architecture', 'Maintainer', 'Description']) assert.ok(p[f], `${name} has no ${f}`);
        assert.ok([a.debian, 'all'].includes(p['Architecture']!), `${name} is ${p['Architecture']}, not ${a.debian}`);
        const version = p['Version']!;
        installed.push([name, version]);
        // Debian stamps its stable updates +debNuM; base-files carries the release as its version.
        const tag = /[+~]deb(\d+)u\d+/.exec(version) ?? (name === 'base-files' ? /^(\d+)\./.exec(version) : null);
        if (tag) {
          releaseTagged++;
          assert.equal(tag[1], release, `${name} ${version} is from Debian ${tag[1]}, os-release says ${release}`);
        }
        const sums = readFileSync(join(statusDir, `${name}.md5sums`), 'utf8').split('\n').filter(Boolean);
        assert.ok(sums.length > 0, `${name} owns no file in the rootfs`);
        for (const line of sums) {
          const m = /^([0-9a-f]{32}) {2}(\S.*)$/.exec(line);
          assert.ok(m, `${name}.md5sums: bad line ${line}`);
          const path = join(a.rootfs, m[2]!);
          assert.ok(lstatSync(path, { throwIfNoEntry: false })?.isFile(), `${name} lists ${m[2]}, which is not a file in the rootfs`);
          assert.equal(md5(path), m[1], `${m[2]} differs from ${name}'s checksum`);
          owned.add(m[2]!);
        }
      }
      assert.ok(names.includes('base-files'), 'no base-files entry: os-release has no owner');
      assert.ok(releaseTagged >= 2, 'too few packages carry their Debian release to compare with os-release');

      const unowned = files(a.rootfs).filter((f) => !owned.has(f) && !OWN.includes(f) && !f.startsWith('var/lib/dpkg/status.d/'));
      assert.deepEqual(unowned, [], 'files no dpkg entry owns');

      const bom = JSON.parse(readFileSync(sbomFile, 'utf8')) as {
        components: { name: string; version: string; purl?: string; cpe?: string }[];
      };
      const debs = bom.components.filter((c) => c.purl?.startsWith('pkg:deb/debian/'));
      assert.deepEqual(debs.map((d) => [d.name, d.version]).sort(), installed.sort(), 'SBOM Debian packages vs status.d');
      for (const d of debs) assert.match(d.purl!, new RegExp(`[?&]distro=debian-${release}(&|$)`), d.purl);

      // The Node.js the executable runs, asked of the executable itself.
      const env: NodeJS.ProcessEnv = { ...process.env, EXECHEALTHZ_BIN: a.executable };
      if (!isHost(a)) env['QEMU_LD_PREFIX'] = a.rootfs;
      const saved = process.env['EXECHEALTHZ_BIN'];
      process.env['EXECHEALTHZ_BIN'] = a.executable; // read by runToExit's serviceCommand()
      const v = await runToExit(['--version'], { env, timeoutMs: EMULATED_MS }).finally(() => {
        if (saved === undefined) delete process.env['EXECHEALTHZ_BIN'];
        else process.env['EXECHEALTHZ_BIN'] = saved;
      });
      const ran = /\(node v(\d+\.\d+\.\d+)\)$/m.exec(v.stdout);
      assert.ok(ran, `--version printed ${JSON.stringify(v.stdout)} ${v.stderr}`);
      const node = bom.components.filter((c) => c.name === 'node');
      assert.equal(node.length, 1);
      assert.equal(node[0]!.version, ran[1]);
      assert.equal(node[0]!.purl, `pkg:generic/node@${ran[1]}`);
      assert.equal(node[0]!.cpe, `cpe:2.3:a:nodejs:node.js:${ran[1]}:*:*:*:*:*:*:*`);
    });
  }
});
