// The org.opencontainers.image.source label never carries a local path: two clones of one
// commit, one cloned from this checkout's path (its origin is that path) and one from a
// file:// URL, run `make all-container` each and get the same digest for every arch, labelled
// with the default source; a clone whose origin is scp-like (git@host:org/repo.git) or an
// https URL with credentials is labelled https://host/org/repo (`make print`, nothing built).
// The clones start from this checkout's downloads and build outputs (copied with their times,
// the clone's own files dated before them, as a CI cache restore would leave them), so make
// rebuilds little or nothing, offline: what differs is the clone.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { arches } from '../helpers/arches';
import { make, printedRefs, REGISTRY, requireEngine, ROOT, run } from './lib/docker';

const FALLBACK = 'https://github.com/kubernetes/contrib/tree/master/exec-healthz';
const PREFIX = `${REGISTRY}/e2e-src-${Date.now().toString(36)}-${process.pid}`;
// The version the copied executables were built with (the Makefile's stamp is named by it):
// another one would re-bundle them.
const stamps = readdirSync(join(ROOT, 'dist', 'version'));
if (stamps.length !== 1) throw new Error(`dist/version/ should hold one stamp, the version built; it holds: ${stamps.join(' ') || 'nothing'}`);
const TAG = stamps[0] as string;
const git = (cwd: string, ...args: string[]): string => execFileSync('git', args, { cwd, encoding: 'utf8' }).trim();
const HEAD = git(ROOT, 'rev-parse', 'HEAD');
const work = mkdtempSync(join(tmpdir(), 'exechealthz-src-'));

/** A clone of HEAD from `from`, checked out detached (the branch name does not matter). */
function clone(from: string, name: string): string {
  const dir = join(work, name);
  git(work, 'clone', '--quiet', '--no-checkout', from, dir);
  git(dir, 'checkout', '--quiet', '--detach', HEAD);
  return dir;
}

/** The source label `make print` (bake --print) gives in a checkout. */
async function printedSource(dir: string): Promise<string> {
  const r = await make(['-C', dir, '--no-print-directory', '-s', 'print', `TAG=${TAG}`]);
  const target = JSON.parse(r.stdout).target['exechealthz-amd64'];
  const label = target.labels['org.opencontainers.image.source'];
  assert.ok(target.annotations.includes(`manifest:org.opencontainers.image.source=${label}`), 'label and annotation agree');
  return label;
}

/** This checkout's build outputs copied into a clone, the clone's own files dated before them. */
function seed(dir: string): void {
  for (const p of ['node_modules', 'bin', 'dist', '.cache/node', '.cache/pkg-home', '.cache/rootfs']) {
    if (!existsSync(join(ROOT, p))) throw new Error(`${p} is missing in ${ROOT}: run make all-build sbom first`);
    mkdirSync(join(dir, p, '..'), { recursive: true });
    cpSync(join(ROOT, p), join(dir, p), { recursive: true, preserveTimestamps: true, verbatimSymlinks: true });
  }
  execFileSync('sh', ['-c', 'git ls-files -z | xargs -0 touch -h -d 2000-01-01T00:00:00Z'], { cwd: dir });
}

before(requireEngine);
after(async () => {
  rmSync(work, { recursive: true, force: true });
  await run('docker', ['image', 'rm', ...arches().map((a) => `${PREFIX}/exechealthz-${a.make}:${TAG}`)]);
});

describe('the source label', () => {
  it('two clones of one commit, from a local path and from file://, give identical digests for every arch, labelled with the default', { timeout: 60 * 60_000 }, async (t) => {
    const byPath = clone(ROOT, 'by-path');
    const byFileUrl = clone(`file://${ROOT}`, 'by-file-url');
    assert.equal(git(byPath, 'config', '--get', 'remote.origin.url'), ROOT, 'the first clone has a path as its origin');
    const digests: Map<string, string>[] = [];
    for (const dir of [byPath, byFileUrl]) {
      seed(dir);
      assert.equal(await printedSource(dir), FALLBACK, `${dir}: a local origin falls back to the default source`);
      const r = await make(['-C', dir, '--no-print-directory', 'all-container', `PREFIX=${PREFIX}`, `TAG=${TAG}`, `IMAGE_CTX=${join(dir, 'ctx')}`]);
      t.diagnostic(`${dir}: make all-container ${(r.ms / 1000).toFixed(1)} s`);
      digests.push(printedRefs(r.stdout, 'built'));
    }
    for (const a of arches()) {
      const ref = `${PREFIX}/exechealthz-${a.make}:${TAG}`;
      assert.match(digests[0]?.get(ref) ?? '', /^sha256:/, `no digest printed for ${ref}`);
      assert.equal(digests[1]?.get(ref), digests[0]?.get(ref), `${a.make}: the two clones' images differ`);
    }
    const config = JSON.parse((await run('docker', ['image', 'inspect', '--format', '{{json .Config.Labels}}', `${PREFIX}/exechealthz-amd64:${TAG}`])).stdout);
    assert.equal(config['org.opencontainers.image.source'], FALLBACK);
    assert.ok(!JSON.stringify(config).includes(work), 'no path of the clones in the labels');
  });

  for (const [remote, want] of [
    ['git@example.org:team/exechealthz.git', 'https://example.org/team/exechealthz'],
    ['https://ci:secret@example.org/team/exechealthz.git/', 'https://example.org/team/exechealthz'],
    ['ssh://git@example.org:2222/team/exechealthz', 'https://example.org/team/exechealthz'],
  ] as const) {
    it(`an origin ${remote} labels the image ${want}`, async () => {
      const dir = clone(ROOT, `remote-${remote.replace(/[^a-z0-9]+/gi, '-')}`);
      git(dir, 'remote', 'set-url', 'origin', remote);
      assert.equal(await printedSource(dir), want);
    });
  }
});
