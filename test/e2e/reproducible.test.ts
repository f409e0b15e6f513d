// Two clean builds of the same commit give identical per-arch image manifest digests: each
// build gets fresh build contexts (a new copy of the executables and rootfs, with new file
// mtimes before make normalises them) and ignores BuildKit's cache (NO_CACHE=true).
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { after, before, it } from 'node:test';
import { arches, make, printedRefs, REGISTRY, requireEngine } from './lib/docker';

const PREFIX = `${REGISTRY}/e2e-repro-${Date.now().toString(36)}-${process.pid}`;
// The same commit for both builds, even if commits land in the checkout meanwhile.
const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
const PINNED = [`SOURCE_DATE_EPOCH=${git('log', '-1', '--format=%ct')}`, `REVISION=${git('rev-parse', 'HEAD')}`];
const work = mkdtempSync(join(tmpdir(), 'exechealthz-repro-'));

before(requireEngine);
after(() => rmSync(work, { recursive: true, force: true }));

it('two clean `make all-container` builds give the same digest for every arch', { timeout: 60 * 60_000 }, async (t) => {
  const builds: Map<string, string>[] = [];
  for (const n of [1, 2]) {
    const r = await make(['all-container', `PREFIX=${PREFIX}`, 'TAG=repro', 'NO_CACHE=true', ...PINNED, `IMAGE_CTX=${join(work, `ctx${n}`)}`]);
    t.diagnostic(`clean build ${n}: ${(r.ms / 1000).toFixed(1)} s`);
    builds.push(printedRefs(r.stdout, 'built'));
  }
  const [one, two] = builds as [Map<string, string>, Map<string, string>];
  for (const a of arches()) {
    const ref = `${PREFIX}/exechealthz-${a.make}:repro`;
    assert.match(one.get(ref) ?? '', /^sha256:/, `first build printed no digest for ${ref}`);
    assert.equal(two.get(ref), one.get(ref), `${a.make}: the two clean builds differ`);
  }
});
