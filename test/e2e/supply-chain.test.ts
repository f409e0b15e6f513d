// The supply chain end to end, through the real make targets, a real Docker engine, the
// registry on 127.0.0.1:5000 and real cosign: push a release, sign it, `make verify` it; then
// an unsigned copy and a re-pushed (tampered) tag must fail verify; each arch's SBOM, in the
// image and in the registry, lists that arch's Debian packages; a zstd image pulls and runs.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { nodePin } from '../helpers/node-lock';
import { until } from '../helpers/poll';

const ROOT = resolve(__dirname, '../../..');
const REGISTRY = '127.0.0.1:5000';
// Our own repositories, so other suites pushing at the same time are never disturbed.
const PREFIX = `${REGISTRY}/sc${process.pid}x${Date.now().toString(36)}`;
const TAG = 'sc1';
const tmp = mkdtempSync(join(tmpdir(), 'supply-chain-'));
const KEY = join(tmp, 'cosign.key');
const PUB = join(tmp, 'cosign.pub');
const PASSWORD = 'e2e-test-password';

interface Row { make: string; debian: string; platform: string }
const ARCHES: Row[] = readFileSync(join(ROOT, 'build/arches.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => { const f = l.split('\t'); return { make: f[0]!, debian: f[3]!, platform: f[4]! }; });
const LOCK = readFileSync(join(ROOT, 'images/base/packages.lock'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => { const [arch, pkg, version, sha256] = l.split('\t'); return { arch: arch!, pkg: pkg!, version: version!, sha256: sha256! }; });

interface Run { status: number | null; stdout: string; stderr: string; seconds: number }
function sh(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 40 * 60_000): Run {
  const start = Date.now();
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 256 << 20 });
  return { status: r.status, stdout: r.stdout ?? '', stderr: (r.stderr ?? '') + (r.error ? String(r.error) : ''), seconds: (Date.now() - start) / 1000 };
}
const make = (...args: string[]) => sh('make', ['--no-print-directory', ...args], { COSIGN_PASSWORD: PASSWORD });
const tail = (r: Run) => `exit ${r.status}\n${(r.stdout + r.stderr).split('\n').slice(-25).join('\n')}`;
const verdicts = (r: Run) => r.stdout.split('\n').filter((l) => /^(OK  |FAIL) /.test(l));

function getStatus(port: number): Promise<number | undefined> {
  return new Promise((res) => {
    const req = http.get({ host: '127.0.0.1', port, path: '/healthz', timeout: 2000 }, (r) => { r.resume(); res(r.statusCode); });
    req.on('error', () => res(undefined));
    req.on('timeout', () => { req.destroy(); res(undefined); });
  });
}

function layerBytes(ref: string): { total: number; mediaTypes: string[] } {
  const r = sh('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]);
  assert.equal(r.status, 0, r.stderr);
  const m = JSON.parse(r.stdout);
  return { total: m.layers.reduce((s: number, l: { size: number }) => s + l.size, 0), mediaTypes: m.layers.map((l: { mediaType: string }) => l.mediaType) };
}

before(() => {
  // Missing tools or services fail the suite with what to run, never skip it.
  for (const [cmd, args] of [['docker', ['info']], ['cosign', ['version']], ['skopeo', ['--version']]] as const) {
    const r = sh(cmd, [...args]);
    assert.equal(r.status, 0, `${cmd} ${args.join(' ')} failed: run bash hack/provision.sh (${r.stderr.trim().split('\n').pop()})`);
  }
  const reg = sh('curl', ['-fsS', `http://${REGISTRY}/v2/`]);
  assert.equal(reg.status, 0, `no registry on ${REGISTRY}: run bash hack/provision.sh`);
  const k = spawnSync('cosign', ['generate-key-pair'], { cwd: tmp, env: { ...process.env, COSIGN_PASSWORD: PASSWORD }, encoding: 'utf8' });
  assert.equal(k.status, 0, `cosign generate-key-pair: ${k.stderr}`);
});

after(() => {
  rmSync(tmp, { recursive: true, force: true });
  for (const a of ARCHES) sh('docker', ['rmi', '-f', `${PREFIX}/exechealthz-${a.make}:${TAG}`, `${PREFIX}/zstd/exechealthz-${a.make}:${TAG}`]);
});

describe('signed release: make push-manifest, make sign, make verify', () => {
  it('push-manifest pushes every arch and the index', () => {
    const r = make('push-manifest', `PREFIX=${PREFIX}`, `TAG=${TAG}`);
    assert.equal(r.status, 0, tail(r));
    console.log(`# push-manifest (4 arches + index): ${r.seconds.toFixed(1)} s`);
  });

  it('verify before signing fails on every image with one line each', () => {
    const r = make('verify', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_PUB=${PUB}`);
    assert.notEqual(r.status, 0);
    const v = verdicts(r);
    assert.equal(v.length, ARCHES.length + 1, r.stdout);
    for (const l of v) assert.match(l, /^FAIL .*signature: no valid signature for this digest$/);
  });

  it('sign signs the four arch images (with their SBOM) and the index by digest', () => {
    const r = make('sign', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_KEY=${KEY}`);
    assert.equal(r.status, 0, tail(r));
    const signed = r.stdout.split('\n').filter((l) => l.startsWith('signed '));
    assert.equal(signed.length, ARCHES.length + 1, r.stdout);
    for (const a of ARCHES) assert.ok(signed.some((l) => l.includes(`/exechealthz-${a.make}@sha256:`) && l.includes('+ sbom')), a.make);
    assert.ok(signed.some((l) => l.startsWith(`signed ${PREFIX}/exechealthz@sha256:`)));
    console.log(`# make sign (4 arches + SBOM attestations + index): ${r.seconds.toFixed(1)} s`);
  });

  it('verify passes: one OK line per arch and for the index', () => {
    const r = make('verify', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_PUB=${PUB}`);
    assert.equal(r.status, 0, tail(r));
    const v = verdicts(r);
    assert.equal(v.length, ARCHES.length + 1, r.stdout);
    for (const a of ARCHES) {
      assert.ok(v.some((l) => l.startsWith(`OK   ${PREFIX}/exechealthz-${a.make}:${TAG}@sha256:`) && l.includes(`sbom node ${nodePin(a.make).version} + `) && l.includes(`${a.debian} debs`)), `${a.make}:\n${r.stdout}`);
    }
    assert.ok(v.some((l) => l.startsWith(`OK   ${PREFIX}/exechealthz:${TAG}@`) && l.includes(`${ARCHES.length} platforms`)), r.stdout);
    console.log(`# make verify (4 arches + index): ${r.seconds.toFixed(1)} s`);
  });

  it("each arch's SBOM, fetched from the registry by cosign, lists that arch's pinned Debian packages", () => {
    for (const a of ARCHES) {
      const ref = `${PREFIX}/exechealthz-${a.make}:${TAG}`;
      const r = sh('cosign', ['download', 'attestation', '--allow-http-registry', '--allow-insecure-registry', '--predicate-type', 'https://cyclonedx.org/bom', ref]);
      assert.equal(r.status, 0, r.stderr);
      const env = JSON.parse(r.stdout.trim().split('\n').pop()!);
      const bom = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')).predicate;
      const debs = bom.components.filter((c: { purl?: string }) => c.purl?.startsWith('pkg:deb/'));
      const pinned = LOCK.filter((l) => l.arch === a.make);
      assert.deepEqual(
        debs.map((d: { name: string; version: string; hashes: { content: string }[] }) => `${d.name} ${d.version} ${d.hashes[0]!.content}`).sort(),
        pinned.map((p) => `${p.pkg} ${p.version} ${p.sha256}`).sort(), a.make);
      for (const d of debs) assert.match(d.purl, new RegExp(`arch=${a.debian}`), a.make);
    }
  });

  it('the SBOM inside each image is at /usr/share/sbom/exechealthz.cdx.json and is the attested one', () => {
    for (const a of ARCHES) {
      const ref = `${PREFIX}/exechealthz-${a.make}:${TAG}`;
      const r = sh('docker', ['run', '--rm', '--network', 'host', '--platform', a.platform, '--entrypoint', '/bin/cat', ref, '/usr/share/sbom/exechealthz.cdx.json']);
      assert.equal(r.status, 0, `${a.make}: ${r.stderr}`);
      assert.equal(r.stdout, readFileSync(join(ROOT, `dist/sbom/exechealthz-${a.make}.cdx.json`), 'utf8'), a.make);
      const bom = JSON.parse(r.stdout);
      assert.equal(bom.metadata.component.properties.find((p: { name: string }) => p.name === 'exechealthz:arch').value, a.make);

      // What a scanner reads in the image itself: Debian's os-release and one dpkg entry per
      // Debian package the SBOM names, nothing more.
      const os = sh('docker', ['run', '--rm', '--network', 'host', '--platform', a.platform, '--entrypoint', '/bin/cat', ref, '/etc/os-release']);
      assert.equal(os.status, 0, `${a.make}: ${os.stderr}`);
      assert.match(os.stdout, /^ID=debian$/m, a.make);
      const ls = sh('docker', ['run', '--rm', '--network', 'host', '--platform', a.platform, '--entrypoint', '/bin/ls', ref, '/var/lib/dpkg/status.d']);
      assert.equal(ls.status, 0, `${a.make}: ${ls.stderr}`);
      const debNames = bom.components.filter((c: { purl?: string }) => c.purl?.startsWith('pkg:deb/')).map((c: { name: string }) => c.name);
      assert.deepEqual(ls.stdout.split(/\s+/).filter((f) => f && !f.endsWith('.md5sums')).sort(), debNames.sort(), a.make);
    }
  });

  it('an unsigned copy of the release fails verify on every image', () => {
    const copy = `${PREFIX}/unsigned`;
    for (const name of [...ARCHES.map((a) => `exechealthz-${a.make}`), 'exechealthz']) {
      const r = sh('skopeo', ['copy', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${PREFIX}/${name}:${TAG}`, `docker://${copy}/${name}:${TAG}`]);
      assert.equal(r.status, 0, r.stderr);
    }
    const r = make('verify', `PREFIX=${copy}`, `TAG=${TAG}`, `COSIGN_PUB=${PUB}`);
    assert.notEqual(r.status, 0, tail(r)); // make exits 2 when verify exits 1
    const v = verdicts(r);
    assert.equal(v.length, ARCHES.length + 1, r.stdout);
    for (const l of v) assert.match(l, /^FAIL .*no valid signature for this digest$/);
  });

  it('a key other than the signing key is refused', () => {
    const other = mkdtempSync(join(tmp, 'other-'));
    const k = spawnSync('cosign', ['generate-key-pair'], { cwd: other, env: { ...process.env, COSIGN_PASSWORD: 'x' }, encoding: 'utf8' });
    assert.equal(k.status, 0, k.stderr);
    const r = make('verify', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_PUB=${join(other, 'cosign.pub')}`);
    assert.notEqual(r.status, 0, tail(r)); // make exits 2 when verify exits 1
    for (const l of verdicts(r)) assert.match(l, /^FAIL .*signature: /);
  });

  it('a tag re-pushed with different content fails verify for that arch and for the index', () => {
    const victim = ARCHES.find((a) => a.make === 'arm64') ?? ARCHES[0]!;
    const ref = `${PREFIX}/exechealthz-${victim.make}:${TAG}`;
    const ctx = mkdtempSync(join(tmp, 'tamper-'));
    writeFileSync(join(ctx, 'extra'), 'not what the release built\n');
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${ref}\nCOPY extra /extra\n`);
    const b = sh('docker', ['buildx', 'build', '--provenance=false', '--platform', victim.platform,
      '--output', `type=image,name=${ref},push=true,oci-mediatypes=true`, ctx]);
    assert.equal(b.status, 0, b.stderr);
    const r = make('verify', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_PUB=${PUB}`);
    assert.notEqual(r.status, 0, tail(r)); // make exits 2 when verify exits 1
    const v = verdicts(r);
    assert.match(v.find((l) => l.includes(`/exechealthz-${victim.make}:`))!, /^FAIL .*no valid signature for this digest$/);
    assert.match(v.find((l) => l.includes(`/exechealthz:${TAG}`))!, new RegExp(`^FAIL .*index: ${victim.platform} is sha256:\\w+, but exechealthz-${victim.make}:${TAG} is`));
    for (const a of ARCHES.filter((x) => x !== victim)) assert.match(v.find((l) => l.includes(`/exechealthz-${a.make}:`))!, /^OK /, a.make);
  });
});

describe('COMPRESSION=zstd', () => {
  const zprefix = `${PREFIX}/zstd`;

  it('pushes zstd layers for every arch, smaller than gzip', () => {
    const r = make('all-push', `PREFIX=${zprefix}`, `TAG=${TAG}`, 'COMPRESSION=zstd');
    assert.equal(r.status, 0, tail(r));
    for (const a of ARCHES) {
      const z = layerBytes(`${zprefix}/exechealthz-${a.make}:${TAG}`);
      for (const t of z.mediaTypes) assert.equal(t, 'application/vnd.oci.image.layer.v1.tar+zstd', a.make);
      // The gzip image of the release above (arm64's tag was re-pushed, so use its copy).
      const g = layerBytes(`${PREFIX}/unsigned/exechealthz-${a.make}:${TAG}`);
      console.log(`# ${a.make}: gzip ${(g.total / 1e6).toFixed(1)} MB, zstd ${(z.total / 1e6).toFixed(1)} MB`);
      assert.ok(z.total < g.total, `${a.make}: zstd ${z.total} >= gzip ${g.total}`);
    }
  });

  for (const arch of ['amd64', 'arm64']) {
    it(`a zstd ${arch} image pulls from the registry and serves /healthz`, async () => {
      const a = ARCHES.find((x) => x.make === arch)!;
      const ref = `${zprefix}/exechealthz-${a.make}:${TAG}`;
      sh('docker', ['rmi', '-f', ref]); // pull it for real, not from the engine's store
      const p = sh('docker', ['pull', '--platform', a.platform, ref]);
      assert.equal(p.status, 0, p.stderr);
      const port = 18000 + (process.pid % 1000) + (arch === 'amd64' ? 0 : 1000);
      const name = `sc-zstd-${arch}-${process.pid}`;
      const run = sh('docker', ['run', '-d', '--rm', '--name', name, '--network', 'host', '--platform', a.platform, ref, '--port', String(port), '--cmd', 'true', '--period', '1s']);
      assert.equal(run.status, 0, run.stderr);
      try {
        const status = await until(`200 from ${arch} zstd image on :${port}`, async () => ((await getStatus(port)) === 200 ? 200 : undefined), 60_000, 250);
        assert.equal(status, 200);
      } finally {
        sh('docker', ['rm', '-f', name]);
      }
    });
  }
});
