// docker-bake.hcl against the arch table, what `make print` shows, and bad input to the image
// targets failing with one line before anything is built or pushed.
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { archSpec, arches } from '../helpers/arches';
import { REGISTRY, requireEngine, run } from './lib/docker';

const ARCHES = arches();

/**
 * `docker buildx bake --print` of TARGETS with bake variables VARS, parsed; the arches come
 * from the table as make passes them (ARCHES, from build/release.mjs bake-arches).
 */
async function bakePrint(targets: string[], vars: Record<string, string> = {}): Promise<any> {
  const json = await run('node', ['build/release.mjs', 'bake-arches']);
  assert.equal(json.code, 0, json.stderr);
  const r = await run('docker', ['buildx', 'bake', '-f', 'docker-bake.hcl', '--print', ...targets], {
    env: { ...process.env, ARCHES: json.stdout.trim(), ...vars },
  });
  assert.equal(r.code, 0, r.stderr);
  return JSON.parse(r.stdout);
}

before(requireEngine);

describe('docker-bake.hcl', () => {
  it('has one exechealthz-ARCH and one base-ARCH target per row of build/arches.tsv, same platform', async () => {
    const all = (await bakePrint(['all'], { PREFIX: 'reg.example/team', TAG: '7.1' })).target;
    const names = Object.keys(all).sort();
    const want = ARCHES.flatMap((a) => [`base-${a.make}`, `exechealthz-${a.make}`]).sort();
    assert.deepEqual(names, want);
    for (const a of ARCHES) {
      const t = all[`exechealthz-${a.make}`];
      const platform = archSpec(a.make).platform; // the OCI platform, not the table bake reads
      assert.deepEqual(t.platforms, [platform], `platform of exechealthz-${a.make}`);
      assert.deepEqual(all[`base-${a.make}`].platforms, [platform], `platform of base-${a.make}`);
      assert.deepEqual(t.tags, [`reg.example/team/exechealthz-${a.make}:7.1`]);
      assert.equal(t.contexts.base, `target:base-${a.make}`);
      assert.deepEqual(t.attest, ['type=provenance,disabled=true'], 'provenance off by default (reproducible digests)');
    }
  });

  it('the legacy target is amd64 under the old name', async () => {
    const t = (await bakePrint(['legacy'], { PREFIX: 'reg.example/team', TAG: '7.1' })).target.legacy;
    assert.deepEqual(t.platforms, ['linux/amd64']);
    assert.deepEqual(t.tags, ['reg.example/team/exechealthz:7.1']);
  });
});

describe('make print', () => {
  it('shows the one target `make container` would build, with PREFIX, TAG and ARCH applied', async () => {
    const r = await run('make', ['print', 'PREFIX=reg.example:5000/team', 'TAG=2.3', 'ARCH=arm']);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    const t = p.target['exechealthz-arm'];
    assert.deepEqual(t.tags, ['reg.example:5000/team/exechealthz-arm:2.3']);
    assert.deepEqual(t.platforms, ['linux/arm/v7']);
    assert.match(t.output[0], /^type=docker,/, 'make container loads into the engine');
    assert.equal(t.labels['org.opencontainers.image.version'], '2.3');
    assert.match(t.labels['org.opencontainers.image.created'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  });

  it('by default dates and labels the image with the checked-out commit (SOURCE_DATE_EPOCH, REVISION)', async () => {
    const git = (...args: string[]): Promise<string> => run('git', args).then((r) => r.stdout.trim());
    for (let attempt = 0; ; attempt++) {
      const head = await git('rev-parse', 'HEAD');
      const r = await run('make', ['print']);
      assert.equal(r.code, 0, r.stderr);
      // Another commit may land in a shared checkout while make runs: then look again.
      if ((await git('rev-parse', 'HEAD')) !== head && attempt < 3) continue;
      const t = JSON.parse(r.stdout).target['exechealthz-amd64'];
      const epoch = await git('log', '-1', '--format=%ct', head);
      assert.equal(t.args.SOURCE_DATE_EPOCH, epoch);
      assert.equal(t.labels['org.opencontainers.image.revision'], head);
      assert.equal(t.labels['org.opencontainers.image.created'], new Date(Number(epoch) * 1000).toISOString().replace(/\.000Z$/, 'Z'));
      break;
    }
  });

  it('BASEIMAGE replaces the base target', async () => {
    const r = await run('make', ['print', 'BASEIMAGE=reg.example/other-base:1']);
    assert.equal(r.code, 0, r.stderr);
    const p = JSON.parse(r.stdout);
    assert.equal(p.target['exechealthz-amd64'].contexts.base, 'docker-image://reg.example/other-base:1');
    assert.equal(p.target['base-amd64'], undefined, 'the base target is not built');
  });

  it('`make -n` (make alone) builds exechealthz-amd64, and BUILDER reaches bake as --builder', async () => {
    const plain = await run('make', ['-n']);
    assert.equal(plain.code, 0, plain.stderr);
    assert.match(plain.stdout, /docker buildx bake -f docker-bake.hcl .*exechealthz-amd64$/m);
    const remote = await run('make', ['-n', 'push', 'ARCH=ppc64le', 'BUILDER=k8s-builder']);
    assert.equal(remote.code, 0, remote.stderr);
    assert.match(remote.stdout, /docker buildx bake -f docker-bake.hcl --builder 'k8s-builder' .*exechealthz-ppc64le$/m);
  });
});

/** Every image the engine holds, as "id name:tag" lines (dangling ones included). */
async function allImages(): Promise<string[]> {
  const r = await run('docker', ['image', 'ls', '--all', '--no-trunc', '--format', '{{.ID}} {{.Repository}}:{{.Tag}}']);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.split('\n').filter((l) => l !== '');
}

describe('bad input fails with one line before anything is built or pushed', () => {
  const prefix = `${REGISTRY}/e2e-bad-${process.pid}`;
  const cases: { args: string[]; env?: Record<string, string>; says: RegExp }[] = [
    { args: ['container', 'ARCH=sparc'], says: new RegExp(`ARCH=sparc is not supported; use one of: ${ARCHES.map((a) => a.make).join(' ')}\\.  Stop\\.$`) },
    { args: ['push', 'ARCH=amd64 arm'], says: /not supported/ },
    { args: ['container-mips'], says: /unknown arch 'mips'/ },
    // An arch no Kubernetes image ships, so adding a row to the table never makes it known.
    { args: ['push-sparc64'], says: /unknown arch 'sparc64'/ },
    { args: ['push', 'TAG='], says: /TAG is empty/ },
    { args: ['push', 'TAG=1.0:bad'], says: /TAG=1.0:bad is not a valid image tag/ },
    { args: ['all-push', 'PREFIX=Bad Prefix'], says: /PREFIX=Bad Prefix is not a valid/ },
    { args: ['push', 'PREFIX=reg.example//team'], says: /is not a valid registry\/repository prefix/ },
    { args: ['push', 'PREFIX=https://reg.example/team'], says: /is not a valid registry\/repository prefix/ },
    { args: ['push-legacy', 'ARCH=arm64'], says: /push-legacy publishes .* for amd64 only, not ARCH=arm64/ },
    { args: ['all-push', 'COMPRESSION=lz4'], says: /COMPRESSION=lz4 is not supported; use gzip or zstd/ },
    { args: ['container', 'COMPRESSION='], says: /COMPRESSION= is not supported; use gzip or zstd/ },
    {
      args: ['container'],
      env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' },
      says: /Docker engine is not answering.*bash hack\/provision\.sh/,
    },
  ];
  for (const c of cases) {
    it(`make ${c.args.join(' ')}${c.env ? ` (${Object.entries(c.env).map(([k, v]) => `${k}=${v}`).join(' ')})` : ''}`, async () => {
      const withPrefix = c.args.some((a) => a.startsWith('PREFIX=')) ? c.args : [...c.args, `PREFIX=${prefix}`];
      // Every image in the engine, by id and name: a case with its own (even invalid) PREFIX
      // would build under a name of its own, so nothing new may appear anywhere.
      const before = await allImages();
      const r = await run('make', withPrefix, { env: { ...process.env, ...c.env } });
      assert.notEqual(r.code, 0);
      const lines = r.stderr.trim().split('\n');
      assert.equal(lines.length, 1, `exactly one line on stderr, got:\n${r.stderr}`);
      assert.match(lines[0] as string, c.says);
      assert.equal(r.stdout, '', 'nothing ran');
      const added = (await allImages()).filter((i) => !before.includes(i));
      assert.deepEqual(added, [], 'no image was built or tagged');
    });
  }
});
