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
import { until } from '../helpers/poll.cjs';
import { archSpec, arches } from '../helpers/arches';
import { cachedDeb } from '../helpers/deb-cache';
import { freePort, removeImagesNamed } from './lib/docker';

const ROOT = resolve(__dirname, '../../..');
const REGISTRY = '127.0.0.1:5000';
// Our own repositories, so other suites pushing at the same time are never disturbed.
const PREFIX = `${REGISTRY}/sc${process.pid}x${Date.now().toString(36)}`;
const TAG = 'sc1';
const tmp = mkdtempSync(join(tmpdir(), 'supply-chain-'));
const KEY = join(tmp, 'cosign.key');
const PUB = join(tmp, 'cosign.pub');
const PASSWORD = 'e2e-test-password';

const ARCHES = arches();
// The .deb files the base rootfs was really assembled from (build/rootfs.sh's cache).

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
  // Every image made under this suite's prefix: the pushed, zstd, unsigned and bad-case ones.
  removeImagesNamed(`${PREFIX}/`);
});

describe('signed release: make push-manifest, make sign, make verify', () => {
  it('push-manifest pushes every arch and the index', () => {
    const r = make('push-manifest', `PREFIX=${PREFIX}`, `TAG=${TAG}`);
    assert.equal(r.status, 0, tail(r));
    console.log(`# push-manifest (${ARCHES.length} arches + index): ${r.seconds.toFixed(1)} s`);
  });

  it('verify before signing fails on every image with one line each', () => {
    const r = make('verify', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_PUB=${PUB}`);
    assert.notEqual(r.status, 0);
    const v = verdicts(r);
    assert.equal(v.length, ARCHES.length + 1, r.stdout);
    for (const l of v) assert.match(l, /^FAIL .*signature: no valid signature for this digest$/);
  });

  it('sign signs every arch image (with their SBOM) and the index by digest', () => {
    const r = make('sign', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_KEY=${KEY}`);
    assert.equal(r.status, 0, tail(r));
    const signed = r.stdout.split('\n').filter((l) => l.startsWith('signed '));
    assert.equal(signed.length, ARCHES.length + 1, r.stdout);
    for (const a of ARCHES) assert.ok(signed.some((l) => l.includes(`/exechealthz-${a.make}@sha256:`) && l.includes('+ sbom')), a.make);
    assert.ok(signed.some((l) => l.startsWith(`signed ${PREFIX}/exechealthz@sha256:`)));
    console.log(`# make sign (${ARCHES.length} arches + SBOM attestations + index): ${r.seconds.toFixed(1)} s`);
  });

  it('verify passes: one OK line per arch and for the index', () => {
    const r = make('verify', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_PUB=${PUB}`);
    assert.equal(r.status, 0, tail(r));
    const v = verdicts(r);
    assert.equal(v.length, ARCHES.length + 1, r.stdout);
    for (const a of ARCHES) {
      assert.ok(v.some((l) => l.startsWith(`OK   ${PREFIX}/exechealthz-${a.make}:${TAG}@sha256:`) && l.includes(`sbom node ${nodePin(a.make).version} + `) && l.includes(`${archSpec(a.make).debian} debs`)), `${a.make}:\n${r.stdout}`);
    }
    assert.ok(v.some((l) => l.startsWith(`OK   ${PREFIX}/exechealthz:${TAG}@`) && l.includes(`${ARCHES.length} platforms`)), r.stdout);
    console.log(`# make verify (${ARCHES.length} arches + index): ${r.seconds.toFixed(1)} s`);
  });

  it("each arch's SBOM, fetched from the registry by cosign, names exactly the .deb files that arch's image was made of", () => {
    for (const a of ARCHES) {
      const spec = archSpec(a.make);
      const ref = `${PREFIX}/exechealthz-${a.make}:${TAG}`;
      const r = sh('cosign', ['download', 'attestation', '--allow-http-registry', '--allow-insecure-registry', '--predicate-type', 'https://cyclonedx.org/bom', ref]);
      assert.equal(r.status, 0, r.stderr);
      const env = JSON.parse(r.stdout.trim().split('\n').pop()!);
      const bom = JSON.parse(Buffer.from(env.payload, 'base64').toString('utf8')).predicate;
      const debs = (bom.components as { name: string; version: string; purl?: string; hashes?: { alg: string; content: string }[] }[])
        .filter((c) => c.purl?.startsWith('pkg:deb/'));
      assert.ok(debs.length > 0, `${a.make}: no Debian package in the SBOM`);
      // Each named .deb is a real file of the rootfs cache with that SHA-256, and its own
      // control data (not the lock the SBOM was written from) gives the name, version, arch.
      const lists: string[] = [];
      for (const d of debs) {
        const sha = d.hashes?.find((h) => h.alg === 'SHA-256')?.content ?? '';
        const file = cachedDeb(sha);
        assert.ok(file !== undefined, `${a.make}: the SBOM's ${d.name} ${d.version} (sha256 ${sha.slice(0, 12)}) is no .deb the rootfs was built from`);
        const f = sh('dpkg-deb', ['-f', file, 'Package', 'Version', 'Architecture']);
        assert.equal(f.status, 0, f.stderr);
        const control = Object.fromEntries(f.stdout.trim().split('\n').map((l) => l.split(': ') as [string, string]));
        assert.deepEqual({ name: d.name, version: d.version }, { name: control['Package'], version: control['Version'] }, `${a.make}: ${file}`);
        assert.ok(control['Architecture'] === spec.debian || control['Architecture'] === 'all', `${a.make}: ${d.name} is ${control['Architecture']}, not ${spec.debian}`);
        assert.match(d.purl!, new RegExp(`[?&]arch=${spec.debian}(&|$)`), a.make);
        // The package's regular files: at least one must be in the image (the rootfs trims
        // docs and some of glibc, never a whole package).
        const files = sh('sh', ['-c', `dpkg-deb -c '${file}' | awk '$1 ~ /^-/ { print $6 }' | sed 's|^\\./|/|'`]);
        assert.equal(files.status, 0, files.stderr);
        for (const path of files.stdout.trim().split('\n').filter(Boolean)) lists.push(`${d.name} ${path}`);
      }
      const listDir = mkdtempSync(join(tmp, `files-${a.make}-`));
      writeFileSync(join(listDir, 'files'), `${lists.join('\n')}\n`, { mode: 0o644 });
      sh('chmod', ['755', listDir]);
      const inImage = sh('docker', ['run', '--rm', '--network', 'host', '--platform', a.platform, '-v', `${listDir}:/check:ro`,
        '--entrypoint', '/bin/sh', ref, '-c', 'while read -r pkg path; do [ -e "$path" ] && echo "$pkg"; done < /check/files | sort -u']);
      assert.equal(inImage.status, 0, `${a.make}: ${inImage.stderr}`);
      assert.deepEqual(inImage.stdout.trim().split('\n').filter(Boolean), debs.map((d) => d.name).sort(),
        `${a.make}: packages of the SBOM with at least one file in the image`);
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
    assert.equal(r.status, 2, tail(r)); // make exits 2 when verify exits 1
    const v = verdicts(r);
    assert.equal(v.length, ARCHES.length + 1, `one verdict per arch and for the index:\n${r.stdout}`);
    for (const l of v) assert.match(l, /^FAIL .*: signature: no valid signature for this digest$/);
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

describe('make sign refuses to run without its key, and signs nothing with a wrong password', () => {
  const oneLine = (r: Run, re: RegExp) => {
    assert.notEqual(r.status, 0, tail(r));
    assert.doesNotMatch(r.stdout, /^signed /m, 'nothing was signed');
    assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
    assert.match(r.stderr, re);
  };

  it('COSIGN_KEY empty or missing: one line naming it', () => {
    const none = make('sign', `PREFIX=${PREFIX}`, `TAG=${TAG}`, 'COSIGN_KEY=');
    oneLine(none, /^sign\.mjs: error: no key: set COSIGN_KEY=/m);
    assert.equal(none.stderr.split('\n').filter((l) => l.startsWith('sign.mjs: error: ')).length, 1, none.stderr);
    oneLine(make('sign', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `COSIGN_KEY=${join(tmp, 'absent.key')}`), /COSIGN_KEY \S*absent\.key does not exist/);
  });

  it('COSIGN_PASSWORD unset (build/sign.mjs run by hand): one line naming it', () => {
    const env = { ...process.env };
    delete env['COSIGN_PASSWORD'];
    const r = spawnSync('node', ['build/sign.mjs', '--prefix', PREFIX, '--tag', TAG, '--key', KEY], { cwd: ROOT, encoding: 'utf8', env });
    oneLine({ status: r.status, stdout: r.stdout, stderr: r.stderr, seconds: 0 }, /COSIGN_PASSWORD is not set/);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  });

  it('a wrong COSIGN_PASSWORD signs no image: a FAIL line for each, and verify still finds no signature', () => {
    const copy = `${PREFIX}/wrongpw`;
    const amd64 = ARCHES.find((x) => x.make === 'amd64')!;
    for (const name of [`exechealthz-${amd64.make}`, 'exechealthz']) {
      const c = sh('skopeo', ['copy', '--all', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${PREFIX}/${name}:${TAG}`, `docker://${copy}/${name}:${TAG}`]);
      assert.equal(c.status, 0, c.stderr);
    }
    const r = sh('make', ['--no-print-directory', 'sign', `PREFIX=${copy}`, `TAG=${TAG}`, `COSIGN_KEY=${KEY}`, 'ALL_ARCH=amd64'], { COSIGN_PASSWORD: 'not-the-password' });
    assert.notEqual(r.status, 0, tail(r));
    assert.doesNotMatch(r.stdout, /^signed /m, 'nothing was signed');
    const fails = r.stdout.split('\n').filter((l) => l.startsWith('FAIL '));
    assert.equal(fails.length, 2, r.stdout);
    for (const l of fails) assert.match(l, /: cosign sign: .*(decrypt|password|encrypted)/i);
    const v = make('verify', `PREFIX=${copy}`, `TAG=${TAG}`, `COSIGN_PUB=${PUB}`, 'ALL_ARCH=amd64');
    for (const l of verdicts(v)) assert.match(l, /^FAIL .*signature: no valid signature for this digest$/);
  });
});

describe('make verify names what is wrong with a signed image', () => {
  // Each case is a signed amd64 image (and, for the last, a signed name) under a prefix of its
  // own, checked with ALL_ARCH=amd64: the signature is valid, so only the defect can fail it.
  const amd64 = () => ARCHES.find((x) => x.make === 'amd64')!;
  const sbomOf = (arch: string) => join(ROOT, `dist/sbom/exechealthz-${arch}.cdx.json`);

  function digestOf(ref: string): string {
    const r = sh('skopeo', ['inspect', '--tls-verify=false', '--format', '{{.Digest}}', `docker://${ref}`]);
    assert.equal(r.status, 0, r.stderr);
    return r.stdout.trim();
  }
  function sign(ref: string, sbom: string | null): void {
    const byDigest = `${ref.replace(/:[^:/]+$/, '')}@${digestOf(ref)}`;
    const flags = ['--key', KEY, '--tlog-upload=false', '-y', '--allow-http-registry', '--allow-insecure-registry'];
    const s = sh('cosign', ['sign', ...flags, byDigest], { COSIGN_PASSWORD: PASSWORD });
    assert.equal(s.status, 0, s.stderr);
    if (sbom !== null) {
      const a = sh('cosign', ['attest', '--type', 'cyclonedx', '--predicate', sbom, ...flags, byDigest], { COSIGN_PASSWORD: PASSWORD });
      assert.equal(a.status, 0, a.stderr);
    }
  }
  function copy(from: string, to: string): void {
    const c = sh('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', `docker://${from}`, `docker://${to}`]);
    assert.equal(c.status, 0, c.stderr);
  }
  /** An image FROM the released amd64 one with Dockerfile lines added, pushed to `to`. */
  function derive(to: string, lines: string): void {
    const ctx = mkdtempSync(join(tmp, 'derive-'));
    writeFileSync(join(ctx, 'Dockerfile'), `FROM ${PREFIX}/exechealthz-amd64:${TAG}\n${lines}\n`);
    const b = sh('docker', ['buildx', 'build', '--provenance=false', '--platform', 'linux/amd64',
      '--output', `type=image,name=${to},push=true,oci-mediatypes=true`, ctx]);
    assert.equal(b.status, 0, b.stderr);
  }
  function verifyAmd64(prefix: string): { arch: string; index: string } {
    const r = make('verify', `PREFIX=${prefix}`, `TAG=${TAG}`, `COSIGN_PUB=${PUB}`, 'ALL_ARCH=amd64');
    assert.equal(r.status, 2, tail(r)); // make exits 2 when verify exits 1
    const v = verdicts(r);
    assert.equal(v.length, 2, r.stdout);
    return { arch: v.find((l) => l.includes('/exechealthz-amd64:'))!, index: v.find((l) => l.includes(`/exechealthz:${TAG}`))! };
  }
  let n = 0;
  const casePrefix = () => `${PREFIX}/bad${++n}`;

  it('no SBOM attestation', () => {
    const p = casePrefix();
    copy(`${PREFIX}/exechealthz-amd64:${TAG}`, `${p}/exechealthz-amd64:${TAG}`);
    sign(`${p}/exechealthz-amd64:${TAG}`, null);
    assert.match(verifyAmd64(p).arch, /^FAIL .*: sbom: no signed CycloneDX attestation$/);
  });

  it('an image of another arch under the amd64 name', () => {
    const p = casePrefix();
    copy(`${PREFIX}/unsigned/exechealthz-arm64:${TAG}`, `${p}/exechealthz-amd64:${TAG}`);
    sign(`${p}/exechealthz-amd64:${TAG}`, sbomOf(amd64().make));
    assert.match(verifyAmd64(p).arch, /^FAIL .*: config: platform linux\/arm64, want linux\/amd64$/);
  });

  it('an SBOM that disagrees with the image: another arch, or another package version', () => {
    const p = casePrefix();
    copy(`${PREFIX}/exechealthz-amd64:${TAG}`, `${p}/exechealthz-amd64:${TAG}`);
    sign(`${p}/exechealthz-amd64:${TAG}`, sbomOf('arm64'));
    assert.match(verifyAmd64(p).arch, /^FAIL .*: sbom: describes arch 'arm64', not amd64$/);

    const q = casePrefix();
    const bom = JSON.parse(readFileSync(sbomOf('amd64'), 'utf8'));
    const libc = bom.components.find((c: { name: string }) => c.name === 'libc6');
    assert.ok(libc !== undefined, 'the amd64 SBOM names no libc6');
    libc.version = '0.0-not-in-the-image';
    const edited = join(tmp, 'edited.cdx.json');
    writeFileSync(edited, JSON.stringify(bom));
    copy(`${PREFIX}/exechealthz-amd64:${TAG}`, `${q}/exechealthz-amd64:${TAG}`);
    sign(`${q}/exechealthz-amd64:${TAG}`, edited);
    assert.match(verifyAmd64(q).arch, /^FAIL .*: sbom: libc6 is 0\.0-not-in-the-image /);
  });

  for (const [what, lines, says] of [
    ['user root', 'USER 0', /: config: user '0', want 65532:65532$/],
    ['entrypoint without tini', 'ENTRYPOINT ["/exechealthz"]', /: config: entrypoint \["\/exechealthz"\], want tini then exechealthz$/],
    ['a wrong version label', 'LABEL org.opencontainers.image.version=0.0.0-wrong', new RegExp(`: config: label org\\.opencontainers\\.image\\.version is '0\\.0\\.0-wrong', want '${TAG}'$`)],
  ] as const) {
    it(`an image with ${what}`, () => {
      const p = casePrefix();
      derive(`${p}/exechealthz-amd64:${TAG}`, lines);
      sign(`${p}/exechealthz-amd64:${TAG}`, sbomOf('amd64'));
      assert.match(verifyAmd64(p).arch, new RegExp(`^FAIL .*${says.source}`));
    });
  }

  it('a single image where the multi-arch index is expected', () => {
    const p = casePrefix();
    copy(`${PREFIX}/exechealthz-amd64:${TAG}`, `${p}/exechealthz-amd64:${TAG}`);
    sign(`${p}/exechealthz-amd64:${TAG}`, sbomOf('amd64'));
    copy(`${PREFIX}/exechealthz-amd64:${TAG}`, `${p}/exechealthz:${TAG}`);
    sign(`${p}/exechealthz:${TAG}`, null);
    const v = verifyAmd64(p);
    assert.match(v.arch, /^OK /, 'the arch image itself is fine');
    assert.match(v.index, /^FAIL .*: index: the tag names a single image, not a multi-arch index$/);
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
      const port = await freePort();
      const name = `sc-zstd-${arch}-${process.pid}`;
      const run = sh('docker', ['run', '-d', '--name', name, '--network', 'host', '--platform', a.platform, ref, '--port', String(port), '--cmd', 'true', '--period', '1s']);
      assert.equal(run.status, 0, run.stderr);
      try {
        const status = await until(`200 from ${arch} zstd image on :${port}`, async () => ((await getStatus(port)) === 200 ? 200 : undefined), 60_000, 250);
        assert.equal(status, 200);
        // Stopped by the test: SIGTERM must end it with 0 (137 = killed at docker's timeout).
        const stop = sh('docker', ['stop', '-t', '60', name]);
        assert.equal(stop.status, 0, stop.stderr);
        const state = sh('docker', ['inspect', '--format', '{{.State.ExitCode}}', name]);
        assert.equal(state.stdout.trim(), '0', `exit code after docker stop; logs:\n${sh('docker', ['logs', name]).stderr}`);
      } finally {
        sh('docker', ['rm', '-f', name]);
      }
    });
  }
});
