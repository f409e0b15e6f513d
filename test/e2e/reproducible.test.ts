// Two clean builds of the same commit give identical per-arch image manifest digests: each
// build gets fresh build contexts (a new copy of the executables, SBOMs and rootfs, with new
// file mtimes before make normalises them) and ignores BuildKit's cache (NO_CACHE=true).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, it } from 'node:test';
import { arches } from '../helpers/arches';
import { make, printedRefs, REGISTRY, requireEngine, run } from './lib/docker';

const PREFIX = `${REGISTRY}/e2e-repro-${Date.now().toString(36)}-${process.pid}`;
// The same commit for both builds, even if commits land in the checkout meanwhile.
const git = (...args: string[]): string => execFileSync('git', args, { encoding: 'utf8' }).trim();
const PINNED = [`SOURCE_DATE_EPOCH=${git('log', '-1', '--format=%ct')}`, `REVISION=${git('rev-parse', 'HEAD')}`];
const work = mkdtempSync(join(tmpdir(), 'exechealthz-repro-'));

before(requireEngine);
after(async () => {
  rmSync(work, { recursive: true, force: true });
  await run('docker', ['image', 'rm', ...arches().map((a) => `${PREFIX}/exechealthz-${a.make}:repro`)]);
});

/** Hash of a staged build context: paths, modes, symlink targets and contents (not mtimes). */
function contextHash(dir: string): string {
  const h = createHash('sha256');
  const walk = (rel: string): void => {
    for (const name of readdirSync(join(dir, rel)).sort()) {
      const p = join(rel, name);
      const st = lstatSync(join(dir, p));
      h.update(`${p}\0${st.mode}\0`);
      if (st.isDirectory()) walk(p);
      else if (st.isSymbolicLink()) h.update(readlinkSync(join(dir, p)));
      else h.update(readFileSync(join(dir, p)));
    }
  };
  walk('');
  return h.digest('hex');
}

interface Build {
  readonly digests: Map<string, string>;
  readonly inputs: Map<string, string>;
}

async function cleanBuild(name: string): Promise<Build & { ms: number }> {
  const ctx = join(work, name);
  const r = await make(['all-container', `PREFIX=${PREFIX}`, 'TAG=repro', 'NO_CACHE=true', ...PINNED, `IMAGE_CTX=${ctx}`]);
  const inputs = new Map(arches().map((a) => [a.make, contextHash(join(ctx, a.make))]));
  return { digests: printedRefs(r.stdout, 'built'), inputs, ms: r.ms };
}

it('two clean `make all-container` builds give the same digest for every arch', { timeout: 60 * 60_000 }, async (t) => {
  // In a shared checkout someone may rebuild an executable between the two builds; the
  // staged inputs are compared, and a pair built from different inputs is built again.
  let one: Build | undefined;
  let two: Build | undefined;
  for (let attempt = 1; attempt <= 3; attempt++) {
    const a = await cleanBuild(`a${attempt}`);
    const b = await cleanBuild(`b${attempt}`);
    t.diagnostic(`clean builds: ${(a.ms / 1000).toFixed(1)} s and ${(b.ms / 1000).toFixed(1)} s`);
    [one, two] = [a, b];
    if ([...a.inputs].every(([arch, h]) => b.inputs.get(arch) === h)) break;
    t.diagnostic(`attempt ${attempt}: the inputs changed between the builds, building again`);
  }
  assert.ok(one && two);
  for (const a of arches()) {
    assert.equal(two.inputs.get(a.make), one.inputs.get(a.make), `${a.make}: inputs kept changing during the test`);
    const ref = `${PREFIX}/exechealthz-${a.make}:repro`;
    assert.match(one.digests.get(ref) ?? '', /^sha256:/, `first build printed no digest for ${ref}`);
    assert.equal(two.digests.get(ref), one.digests.get(ref), `${a.make}: the two clean builds differ`);
  }
});
