// Releases as a team runs them, on the real engine and the registry on 127.0.0.1:5000, each
// case under a prefix of its own: push-legacy never degrades the multi-arch name (it leaves
// an index that holds its image, refuses anything else unless FORCE_LEGACY=true, and leaves
// the registry untouched when it refuses); push-manifest says what it replaces; the index
// assembled from per-arch pushes (FROM_REGISTRY=true, the CI-matrix recipe of the README) is
// byte-identical to push-manifest's, and make sign / make verify pass on it; a missing or
// wrong-platform arch is refused in one line naming it, and nothing is pushed.
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { arches } from '../helpers/arches';
import { make, ok, printedRefs, rawManifest, REGISTRY, removeImagesNamed, requireEngine, run, type Ran } from './lib/docker';

const TAG = 'rel1';
const BASE = `${REGISTRY}/e2e-rel-${Date.now().toString(36)}-${process.pid}`;
const ARCHES = arches();
const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
// Pinned for every make call of this file, so commits landing meanwhile change nothing.
const PINNED = [`TAG=${TAG}`, `SOURCE_DATE_EPOCH=${git('log', '-1', '--format=%ct')}`, `REVISION=${git('rev-parse', 'HEAD')}`];
const prefix = (name: string): string => `${BASE}-${name}`;
const P = prefix('main');
const multi = (p: string): string => `${p}/exechealthz:${TAG}`;
const archRef = (p: string, a: string): string => `${p}/exechealthz-${a}:${TAG}`;
const tmp = mkdtempSync(join(tmpdir(), 'exechealthz-release-'));
const PASSWORD = 'e2e-release';

/** The digest of what REF names in the registry now (its raw bytes), or undefined when nothing is there. */
async function digestOf(ref: string): Promise<string | undefined> {
  const r = await run('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${ref}`]);
  if (r.code === 0) return `sha256:${createHash('sha256').update(r.stdout, 'utf8').digest('hex')}`;
  if (/manifest unknown|name unknown/.test(r.stderr)) return undefined;
  throw new Error(`skopeo inspect ${ref}: ${r.stderr.trim()}`);
}

/** Copies an image to another name in the registry, byte for byte. */
const copy = (from: string, to: string): Promise<string> =>
  ok('skopeo', ['copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--preserve-digests', `docker://${from}`, `docker://${to}`]);

/** `make` that may fail: the result, with the environment a user's shell would give. */
const tryMake = (args: readonly string[]): Promise<Ran> => run('make', ['--no-print-directory', ...args], { timeoutMs: 60 * 60_000 });

/** Lines our release script wrote (named after the target), not bake's or make's own. */
const lines = (text: string, who: string): string[] => text.split('\n').filter((l) => l.startsWith(`${who}: `));

let perArch = new Map<string, string>();
let manifestDigest = '';
let manifestMs = 0;

before(
  async () => {
    await requireEngine();
    const r = await make(['all-push', `PREFIX=${P}`, ...PINNED]);
    perArch = new Map(ARCHES.map((a) => [a.make, printedRefs(r.stdout, 'pushed').get(archRef(P, a.make)) ?? '']));
    for (const [a, d] of perArch) assert.match(d, /^sha256:/, `make all-push printed no digest for ${a}`);
  },
  { timeout: 90 * 60_000 },
);

after(() => {
  rmSync(tmp, { recursive: true, force: true });
  // Every tag this file made in the engine, under its prefixes (the registry keeps its copies).
  removeImagesNamed(`${BASE}-`);
});

describe('push-legacy and push-manifest over what the registry holds', () => {
  it('push-legacy onto an empty name pushes the amd64 image there', async () => {
    const r = await make(['push-legacy', `PREFIX=${P}`, ...PINNED]);
    assert.equal(printedRefs(r.stdout, 'pushed').get(multi(P)), perArch.get('amd64'));
    assert.equal(await digestOf(multi(P)), perArch.get('amd64'));
  });

  it('push-manifest over that single-arch image replaces it with the index and says so in one line', async (t) => {
    const r = await make(['push-manifest', `PREFIX=${P}`, ...PINNED]);
    manifestMs = r.ms;
    manifestDigest = printedRefs(r.stdout, 'pushed').get(multi(P)) ?? '';
    const said = r.stdout.split('\n').filter((l) => l.startsWith('replacing '));
    assert.deepEqual(said, [
      `replacing a single linux/amd64 image ${perArch.get('amd64')?.slice(0, 19)} at ${multi(P)} with the multi-arch index ${manifestDigest.slice(0, 19)}`,
    ]);
    assert.equal(await digestOf(multi(P)), manifestDigest);
    const index = await rawManifest(multi(P));
    assert.equal(index['mediaType'], 'application/vnd.oci.image.index.v1+json');
    assert.deepEqual(index['manifests'].map((m: { digest: string }) => m.digest), ARCHES.map((a) => perArch.get(a.make)));
    t.diagnostic(`make push-manifest (all-push up to date, then the index): ${(r.ms / 1000).toFixed(1)} s`);
  });

  it('push-legacy over an index that contains its image leaves it, in one line', async () => {
    const r = await make(['push-legacy', `PREFIX=${P}`, ...PINNED]);
    const said = r.stdout.split('\n').filter((l) => l.includes(multi(P)));
    assert.equal(said.length, 1, r.stdout);
    assert.match(
      said[0] as string,
      new RegExp(`^${esc(multi(P))} is already a multi-arch index ${manifestDigest.slice(0, 19)} of ${esc(ARCHES.map((a) => a.platform).join(', '))} that contains this amd64 image ${perArch.get('amd64')?.slice(0, 19)}; left as is`),
    );
    assert.equal(await digestOf(multi(P)), manifestDigest, 'the index is unchanged');
  });

  it('push-legacy over an index without its image refuses in one line, changes nothing; FORCE_LEGACY=true replaces it', async () => {
    const p = prefix('noamd64');
    await ok('docker', ['buildx', 'imagetools', 'create', '-t', multi(p),
      `${P}/exechealthz-arm64@${perArch.get('arm64')}`, `${P}/exechealthz-ppc64le@${perArch.get('ppc64le')}`]);
    const before = await digestOf(multi(p));
    assert.ok(before);
    const r = await tryMake(['push-legacy', `PREFIX=${p}`, ...PINNED]);
    assert.notEqual(r.code, 0, 'push-legacy must fail');
    assert.deepEqual(lines(r.stderr, 'release.mjs'), [
      `release.mjs: error: refusing to replace ${multi(p)}: it holds a multi-arch index ${before.slice(0, 19)} of linux/arm64, linux/ppc64le without this amd64 image ${perArch.get('amd64')?.slice(0, 19)}; FORCE_LEGACY=true replaces it`,
    ]);
    assert.doesNotMatch(r.stdout, /^pushed /m);
    assert.equal(await digestOf(multi(p)), before, 'the index is unchanged');

    const forced = await make(['push-legacy', `PREFIX=${p}`, 'FORCE_LEGACY=true', ...PINNED]);
    assert.match(forced.stdout, new RegExp(`^FORCE_LEGACY=true: replacing a multi-arch index ${before.slice(0, 19)} of linux/arm64, linux/ppc64le without this amd64 image`, 'm'));
    assert.equal(printedRefs(forced.stdout, 'pushed').get(multi(p)), perArch.get('amd64'));
    assert.equal(await digestOf(multi(p)), perArch.get('amd64'));
  });

  it('push-legacy over a single image it did not push (arm64) refuses in one line naming it', async () => {
    const p = prefix('arm64');
    await copy(`${P}/exechealthz-arm64@${perArch.get('arm64')}`, multi(p));
    const r = await tryMake(['push-legacy', `PREFIX=${p}`, ...PINNED]);
    assert.notEqual(r.code, 0);
    assert.deepEqual(lines(r.stderr, 'release.mjs'), [
      `release.mjs: error: refusing to replace ${multi(p)}: it holds a single linux/arm64 image ${perArch.get('arm64')?.slice(0, 19)}, not this amd64 image ${perArch.get('amd64')?.slice(0, 19)}; FORCE_LEGACY=true replaces it`,
    ]);
    assert.equal(await digestOf(multi(p)), perArch.get('arm64'));
  });

  it('FORCE_LEGACY=yes is refused before anything is built', async () => {
    const r = await tryMake(['push-legacy', `PREFIX=${prefix('bad')}`, 'FORCE_LEGACY=yes', ...PINNED]);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /^Makefile:\d+: \*\*\* FORCE_LEGACY=yes is not true or false\.  Stop\.$/m);
    assert.equal(r.stdout, '');
  });
});

describe('the index from what the registry holds (FROM_REGISTRY=true)', () => {
  it('per-arch `make push ARCH=x` jobs, then push-manifest FROM_REGISTRY=true: the same index digest as push-manifest; sign and verify pass', async (t) => {
    assert.match(manifestDigest, /^sha256:/, 'the push-manifest case ran first');
    const p = prefix('matrix');
    for (const a of ARCHES) {
      const r = await make(['push', `ARCH=${a.make}`, `PREFIX=${p}`, ...PINNED]);
      assert.equal(printedRefs(r.stdout, 'pushed').get(archRef(p, a.make)), perArch.get(a.make), `${a.make}: same image as all-push`);
    }
    const r = await make(['push-manifest', 'FROM_REGISTRY=true', `PREFIX=${p}`, ...PINNED]);
    assert.doesNotMatch(r.stdout, /docker buildx bake/, 'FROM_REGISTRY=true builds nothing');
    const digest = printedRefs(r.stdout, 'pushed').get(multi(p));
    assert.equal(digest, manifestDigest, 'byte-identical to the index push-manifest made from the same images');
    assert.equal(await digestOf(multi(p)), manifestDigest);
    t.diagnostic(`push-manifest FROM_REGISTRY=true: ${(r.ms / 1000).toFixed(1)} s; push-manifest (all-push up to date): ${(manifestMs / 1000).toFixed(1)} s`);

    const key = spawnSync('cosign', ['generate-key-pair'], { cwd: tmp, env: { ...process.env, COSIGN_PASSWORD: PASSWORD }, encoding: 'utf8' });
    assert.equal(key.status, 0, `cosign generate-key-pair: ${key.stderr}`);
    const keys = [`COSIGN_KEY=${join(tmp, 'cosign.key')}`, `COSIGN_PASSWORD=${PASSWORD}`];
    const sign = await make(['sign', `PREFIX=${p}`, ...PINNED, ...keys]);
    assert.equal(sign.stdout.split('\n').filter((l) => l.startsWith('signed ')).length, ARCHES.length + 1, sign.stdout);
    const verify = await make(['verify', `PREFIX=${p}`, ...PINNED, ...keys]);
    const verdicts = verify.stdout.split('\n').filter((l) => /^(OK  |FAIL) /.test(l));
    assert.equal(verdicts.length, ARCHES.length + 1, verify.stdout);
    assert.ok(verdicts.every((l) => l.startsWith('OK ')), verify.stdout);
  });

  it('a missing arch is refused in one line naming it, and no index is pushed', async () => {
    const p = prefix('missing');
    for (const a of ARCHES.filter((x) => x.make !== 'ppc64le')) await copy(`${P}/exechealthz-${a.make}@${perArch.get(a.make)}`, archRef(p, a.make));
    const r = await tryMake(['push-manifest', 'FROM_REGISTRY=true', `PREFIX=${p}`, ...PINNED]);
    assert.notEqual(r.code, 0);
    assert.deepEqual(lines(r.stderr, 'release.mjs'), [
      `release.mjs: error: cannot assemble ${multi(p)}: exechealthz-ppc64le:${TAG} is missing (push it: make push ARCH=ppc64le)`,
    ]);
    assert.equal(await digestOf(multi(p)), undefined, 'nothing pushed');
  });

  it('an arch tag holding another platform is refused in one line naming it, and no index is pushed', async () => {
    const p = prefix('wrong');
    for (const a of ARCHES) {
      const src = a.make === 'arm' ? 'arm64' : a.make;
      await copy(`${P}/exechealthz-${src}@${perArch.get(src)}`, archRef(p, a.make));
    }
    const r = await tryMake(['push-manifest', 'FROM_REGISTRY=true', `PREFIX=${p}`, ...PINNED]);
    assert.notEqual(r.code, 0);
    assert.deepEqual(lines(r.stderr, 'release.mjs'), [
      `release.mjs: error: cannot assemble ${multi(p)}: exechealthz-arm:${TAG} is linux/arm64, want linux/arm/v7`,
    ]);
    assert.equal(await digestOf(multi(p)), undefined, 'nothing pushed');
  });
});

function esc(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
