// build/sbom.mjs and build/sbom/validate.mjs as a release engineer runs them: the SBOM of each
// arch is schema-valid CycloneDX 1.5, names exactly that arch's pinned Debian packages and
// Node runtime, is byte-for-byte reproducible, and bad input gives one line, not a trace.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { arches as archRows } from '../helpers/arches';
import { baseRelease, debianNumber } from '../helpers/base-lock';

const ROOT = resolve(__dirname, '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'sbom-test-'));

const arches = archRows();
const baseLockJson = JSON.parse(readFileSync(join(ROOT, 'images/base/packages.lock.json'), 'utf8')) as {
  release: string; arches: Record<string, { snapshot: string; debs: { package: string; version: string; sha256: string }[] }>;
};
const baseLock = Object.entries(baseLockJson.arches)
  .flatMap(([arch, e]) => e.debs.map((d) => ({ arch, pkg: d.package, version: d.version, sha256: d.sha256 })));
const nodeLock = JSON.parse(readFileSync(join(ROOT, 'build/node.lock.json'), 'utf8'));
const npmLock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));

function run(cmd: string, args: string[], env: Record<string, string> = {}) {
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env } });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

// A bundle source map like esbuild's: our sources plus one runtime dependency.
const map = join(tmp, 'bundle.cjs.map');
const npmSbom = join(tmp, 'npm-sbom.json');
function sbom(arch: string, out: string, extra: string[] = [], epoch = '1700000000') {
  return run('node', ['build/sbom.mjs', '--arch', arch, '--version', '9.9', '--out', out,
    '--bundle-map', map, '--npm-sbom', npmSbom, ...extra], { SOURCE_DATE_EPOCH: epoch });
}

interface Component { name: string; version: string; purl?: string; cpe?: string; hashes?: { alg: string; content: string }[]; pedigree?: { ancestors?: Component[] } }

before(() => {
  writeFileSync(map, JSON.stringify({ version: 3, sources: ['../src/main.ts', '../node_modules/minimist/index.js'], mappings: '' }));
  const r = run('npm', ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application', '--package-lock-only']);
  assert.equal(r.status, 0, `npm sbom failed (run: npm ci): ${r.stderr}`);
  writeFileSync(npmSbom, r.stdout);
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('sbom per arch', () => {
  for (const arch of arches) {
    it(`${arch.make}: valid CycloneDX 1.5 naming its own Debian packages, Node and bundled npm packages`, () => {
      const out = join(tmp, `${arch.make}.cdx.json`);
      const r = sbom(arch.make, out);
      assert.equal(r.status, 0, r.stderr);

      const v = run('node', ['build/sbom/validate.mjs', out]);
      assert.equal(v.status, 0, v.stdout + v.stderr);
      assert.match(v.stdout, /^valid CycloneDX 1\.5: /);

      const bom = JSON.parse(readFileSync(out, 'utf8'));
      const comps: Component[] = bom.components;
      const props = Object.fromEntries(bom.metadata.component.properties.map((p: { name: string; value: string }) => [p.name, p.value]));
      assert.equal(props['exechealthz:arch'], arch.make);

      const debs = comps.filter((c) => c.purl?.startsWith('pkg:deb/'));
      const lock = nodeLock.arches[arch.make];
      // Where the Node is Debian's, its library package (libnode) is part of the base too.
      const nodeDebs: { package: string; version: string; sha256: string; role: string }[] = lock.source === 'debian' ? lock.debs : [];
      const pinned = [
        ...baseLock.filter((l) => l.arch === arch.make),
        ...nodeDebs.filter((d) => d.role === 'library').map((d) => ({ arch: arch.make, pkg: d.package, version: d.version, sha256: d.sha256 })),
      ];
      assert.ok(pinned.length > 0, `images/base/packages.lock.json pins nothing for ${arch.make}`);
      assert.deepEqual(
        debs.map((d) => [d.name, d.version, d.hashes?.find((h) => h.alg === 'SHA-256')?.content]).sort(),
        pinned.map((p) => [p.pkg, p.version, p.sha256]).sort(),
      );
      for (const d of debs) assert.match(d.purl!, new RegExp(`[?&]arch=${arch.debian}&distro=debian-${debianNumber(baseRelease())}$`));

      const node = comps.find((c) => c.name === 'node')!;
      assert.equal(node.version, lock.version);
      // Identified as vulnerability databases key Node.js: NVD's CPE and the generic purl.
      assert.equal(node.purl, `pkg:generic/node@${lock.version}`);
      assert.equal(node.cpe, `cpe:2.3:a:nodejs:node.js:${lock.version}:*:*:*:*:*:*:*`);
      assert.equal(props['exechealthz:node-version'], lock.version);
      if (lock.source === 'debian') {
        // ... and the Debian packages it came from (launcher and libnode), as its pedigree.
        assert.deepEqual(node.hashes, [{ alg: 'SHA-256', content: nodeDebs.find((d) => d.role === 'launcher')!.sha256 }]);
        assert.deepEqual(
          node.pedigree?.ancestors?.map((c) => [c.purl, c.hashes]),
          nodeDebs.map((d) => [`pkg:deb/debian/${d.package}@${encodeURIComponent(d.version)}?arch=${arch.debian}&distro=debian-13`, [{ alg: 'SHA-256', content: d.sha256 }]]),
        );
      } else {
        const [alg, b64] = lock.integrity.split('-');
        const hashes = [{ alg: alg.replace('sha', 'SHA-'), content: Buffer.from(b64, 'base64').toString('hex') }];
        assert.deepEqual(node.hashes, hashes);
        // ... and the npm package it came from, as its pedigree.
        assert.deepEqual(node.pedigree?.ancestors?.map((c) => [c.purl, c.hashes]), [[`pkg:npm/${lock.package}@${lock.version}`, hashes]]);
      }

      const minimist = comps.find((c) => c.name === 'minimist')!;
      assert.equal(minimist.version, npmLock.packages['node_modules/minimist'].version);
      // Only what the bundle contains: no devDependency such as esbuild or typescript.
      assert.equal(comps.filter((c) => c.purl?.startsWith('pkg:npm/') && c.name !== 'node').length, 1);
    });
  }

  it('libatomic1 is in the arm SBOM only, as the base lock pins it', () => {
    for (const arch of arches) {
      const bom = JSON.parse(readFileSync(join(tmp, `${arch.make}.cdx.json`), 'utf8'));
      const has = bom.components.some((c: Component) => c.name === 'libatomic1');
      assert.equal(has, baseLock.some((l) => l.arch === arch.make && l.pkg === 'libatomic1'), arch.make);
    }
  });

  it('is byte-for-byte reproducible, and dated by SOURCE_DATE_EPOCH, not the clock', () => {
    const a = join(tmp, 'a.json');
    const b = join(tmp, 'b.json');
    assert.equal(sbom('arm64', a).status, 0);
    assert.equal(sbom('arm64', b).status, 0);
    assert.equal(readFileSync(a, 'utf8'), readFileSync(b, 'utf8'));
    assert.equal(JSON.parse(readFileSync(a, 'utf8')).metadata.timestamp, '2023-11-14T22:13:20Z');
    const c = join(tmp, 'c.json');
    assert.equal(sbom('arm64', c, [], '1600000000').status, 0);
    const docC = JSON.parse(readFileSync(c, 'utf8'));
    assert.equal(docC.metadata.timestamp, '2020-09-13T12:26:40Z');
    assert.notEqual(docC.serialNumber, JSON.parse(readFileSync(a, 'utf8')).serialNumber);
  });
});

describe('sbom and validate refuse bad input with one line', () => {
  const oneLine = (r: { status: number | null; stderr: string }, re: RegExp) => {
    assert.notEqual(r.status, 0);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, re);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  };

  it('unknown arch', () => oneLine(sbom('mips', join(tmp, 'x.json')), new RegExp(`^sbom\\.mjs: error: unknown arch 'mips' \\(allowed: ${arches.map((a) => a.make).join(' ')}\\)\n$`)));
  it('missing bundle map names make bundle', () => oneLine(sbom('amd64', join(tmp, 'x.json'), ['--bundle-map', join(tmp, 'nope.map')]), /run: make bundle/));
  it('bad SOURCE_DATE_EPOCH', () => oneLine(sbom('amd64', join(tmp, 'x.json'), [], 'yesterday'), /SOURCE_DATE_EPOCH must be whole seconds/));
  it('a devDependency inside the bundle is an error, not a silent SBOM', () => {
    const devMap = join(tmp, 'dev.map');
    writeFileSync(devMap, JSON.stringify({ version: 3, sources: ['../node_modules/typescript/lib/typescript.js'], mappings: '' }));
    oneLine(sbom('amd64', join(tmp, 'x.json'), ['--bundle-map', devMap]), /node_modules\/typescript is bundled but package-lock.json marks it dev-only/);
  });
  it('a base lock without the arch', () => {
    const lock = join(tmp, 'packages.lock.json');
    const { ppc64le: _, ...others } = baseLockJson.arches;
    writeFileSync(lock, JSON.stringify({ ...baseLockJson, arches: others }));
    oneLine(sbom('ppc64le', join(tmp, 'x.json'), ['--base-lock', lock]), /pins no package for arch ppc64le/);
  });
  it('the validator rejects a document that breaks the schema', () => {
    const bad = join(tmp, 'bad.json');
    writeFileSync(bad, JSON.stringify({ bomFormat: 'CycloneDX', specVersion: '1.5', components: [{ type: 'gizmo', name: 'x' }] }));
    const r = run('node', ['build/sbom/validate.mjs', bad]);
    assert.equal(r.status, 1);
    assert.match(r.stdout, /^INVALID .*\/components\/0\/type must be equal to one of the allowed values/);
  });
});
