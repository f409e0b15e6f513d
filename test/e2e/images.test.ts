// The release path end to end, on the real engine and the real registry on 127.0.0.1:5000:
// `make push-legacy` then `make push-manifest` (which pushes every arch's image, then the
// index) under a prefix of its own, once for the whole file; then every arch image is
// inspected in the registry and run (emulated where foreign) with --network host.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { get } from '../helpers/http.cjs';
import { until } from '../helpers/poll.cjs';
import { nodePin } from '../helpers/node-lock';
import {
  freePort, imageConfig, make, ok, platformParts, printedRefs, rawManifest, REGISTRY, requireEngine, run,
  runContainer, untilStatus, type Container,
} from './lib/docker';
import { archSpec, arches } from '../helpers/arches';

const TAG = '1.0';
const PREFIX = `${REGISTRY}/e2e-${Date.now().toString(36)}-${process.pid}`;
const ARCHES = arches();
const REVISION = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
const EPOCH = Number(execFileSync('git', ['log', '-1', '--format=%ct'], { encoding: 'utf8' }).trim());
const CREATED = new Date(EPOCH * 1000).toISOString().replace(/\.000Z$/, 'Z');
const ENTRYPOINT = ['/usr/bin/tini', '--', '/exechealthz'];
const archRef = (a: string): string => `${PREFIX}/exechealthz-${a}:${TAG}`;
// Pinned for every make call of this file, so commits landing meanwhile change nothing.
const PINNED = [`PREFIX=${PREFIX}`, `TAG=${TAG}`, `SOURCE_DATE_EPOCH=${EPOCH}`, `REVISION=${REVISION}`];

let pushed = new Map<string, string>();
let legacyManifest: Record<string, any> = {};
let legacyPrinted = '';
let legacyDigest = '';
const containers: Container[] = [];

async function started(c: Container): Promise<Container> {
  containers.push(c);
  return c;
}

before(
  async () => {
    await requireEngine();
    // push-legacy first: push-manifest then replaces that tag with the multi-arch index.
    const legacy = await make(['push-legacy', ...PINNED, 'ARCH=amd64']);
    legacyPrinted = printedRefs(legacy.stdout, 'pushed').get(`${PREFIX}/exechealthz:${TAG}`) ?? '';
    legacyManifest = await rawManifest(`${PREFIX}/exechealthz:${TAG}`);
    legacyDigest = JSON.parse(
      await ok('skopeo', ['inspect', '--tls-verify=false', `docker://${PREFIX}/exechealthz:${TAG}`]),
    )['Digest'];
    const all = await make(['push-manifest', ...PINNED]);
    pushed = printedRefs(all.stdout, 'pushed');
  },
  { timeout: 90 * 60_000 },
);

after(async () => {
  for (const c of containers) await c.remove();
  // The tags this file made in the engine (the registry keeps its copies under PREFIX).
  const refs = [...ARCHES.map((a) => archRef(a.make)), `${PREFIX}/exechealthz:${TAG}`];
  await run('docker', ['image', 'rm', ...refs]);
});

describe('pushed images', () => {
  it('make push-manifest printed one pushed reference per arch and the index', () => {
    for (const a of ARCHES) assert.ok(pushed.has(archRef(a.make)), `no "pushed ${archRef(a.make)}@..." line`);
    assert.ok(pushed.has(`${PREFIX}/exechealthz:${TAG}`), 'no pushed line for the index');
  });

  for (const a of ARCHES) {
    it(`${a.make}: ${a.platform}, user 65532, tini entrypoint, port 8080, OCI labels and annotations, Node version`, async () => {
      const ref = archRef(a.make);
      const manifest = await rawManifest(ref);
      assert.equal(manifest['mediaType'], 'application/vnd.oci.image.manifest.v1+json');
      const config = await imageConfig(ref);
      const p = platformParts(archSpec(a.make).platform); // the OCI platform, not the build's table
      assert.equal(config['os'], p.os);
      assert.equal(config['architecture'], p.architecture);
      assert.equal(config['variant'], p.variant, `variant of ${a.platform}`);
      assert.equal(config['config']['User'], '65532:65532');
      assert.deepEqual(config['config']['Entrypoint'], ENTRYPOINT);
      assert.deepEqual(Object.keys(config['config']['ExposedPorts'] ?? {}), ['8080/tcp']);
      assert.equal(config['created'], CREATED, 'created is the commit time (SOURCE_DATE_EPOCH)');
      const want: Record<string, string | RegExp> = {
        'org.opencontainers.image.title': 'exechealthz',
        'org.opencontainers.image.licenses': 'Apache-2.0',
        'org.opencontainers.image.version': TAG,
        'org.opencontainers.image.revision': REVISION,
        'org.opencontainers.image.created': CREATED,
        'org.opencontainers.image.source': /^\S+$/,
        'org.opencontainers.image.description': /liveness/i,
        // The runtime differs per arch: each image says which Node.js it carries.
        'exechealthz.node.version': nodePin(a.make).version,
      };
      for (const [where, kv] of [['label', config['config']['Labels']], ['annotation', manifest['annotations']]] as const) {
        for (const [k, v] of Object.entries(want)) {
          if (typeof v === 'string') assert.equal(kv?.[k], v, `${where} ${k}`);
          else assert.match(String(kv?.[k]), v, `${where} ${k}`);
        }
      }
    });
  }

  it('the index lists exactly the per-arch digests, one per platform', async () => {
    const index = await rawManifest(`${PREFIX}/exechealthz:${TAG}`);
    assert.equal(index['mediaType'], 'application/vnd.oci.image.index.v1+json');
    const entries = (index['manifests'] as any[]).map((m) => ({
      digest: m.digest as string,
      platform: [m.platform.os, m.platform.architecture, m.platform.variant].filter(Boolean).join('/'),
    }));
    assert.deepEqual(
      entries.sort((x, y) => x.platform.localeCompare(y.platform)),
      ARCHES.map((a) => ({ digest: pushed.get(archRef(a.make)), platform: archSpec(a.make).platform })).sort((x, y) =>
        x.platform.localeCompare(y.platform),
      ),
    );
    // An amd64 client pulling the multi-arch name still gets the amd64 image.
    const amd64 = await imageConfig(`${PREFIX}/exechealthz:${TAG}`, 'linux/amd64');
    assert.equal(amd64['architecture'], 'amd64');
  });

  it('make push-legacy pushed the amd64 image itself under the old name', () => {
    assert.equal(legacyManifest['mediaType'], 'application/vnd.oci.image.manifest.v1+json', 'a single image, not an index');
    assert.equal(legacyPrinted, legacyDigest, 'make push-legacy printed the digest the registry holds');
    assert.equal(legacyDigest, pushed.get(archRef('amd64')), 'the legacy name is the amd64 image, byte for byte');
  });

  it('make push TAG=... ARCH=arm64 prints the exact reference and the digest the registry holds', async () => {
    const r = await make(['push', ...PINNED, 'ARCH=arm64']);
    const refs = printedRefs(r.stdout, 'pushed');
    assert.deepEqual([...refs.keys()], [archRef('arm64')]);
    const inRegistry = JSON.parse(await ok('skopeo', ['inspect', '--tls-verify=false', `docker://${archRef('arm64')}`]));
    assert.equal(refs.get(archRef('arm64')), inRegistry['Digest']);
    // Same pinned inputs (PINNED: commit, time), same image, even if make rebuilt a step:
    // the build is reproducible, so there is no case in which the digest may differ.
    assert.equal(refs.get(archRef('arm64')), pushed.get(archRef('arm64')), 'same digest as make push-manifest');
  });
});

describe('BUILDER', () => {
  // No second BuildKit is available offline (a docker context's builder cannot be picked with
  // --builder), so this shows bake itself receiving the name: an unknown builder is refused.
  it('make container BUILDER=NAME hands NAME to bake as --builder', async () => {
    const r = await run('make', ['container', ...PINNED, 'ARCH=amd64', 'BUILDER=no-such-builder']);
    assert.notEqual(r.code, 0);
    assert.match(r.stderr, /no builder "no-such-builder" found/);
    assert.match(r.stdout, /docker buildx bake -f docker-bake\.hcl --builder 'no-such-builder' /);
    assert.doesNotMatch(r.stdout, /^built /m);
  });
});

for (const a of ARCHES) {
  describe(`${a.make} image running (${a.platform})`, () => {
    it("holds its own arch's executable and SBOM", async () => {
      const r = await run('docker', [
        'run', '--rm', '--network', 'host', '--platform', a.platform, '--entrypoint', '/bin/sh', archRef(a.make), '-c',
        'head -c 20 /exechealthz | od -An -tu1 && echo --- && cat /usr/share/sbom/exechealthz.cdx.json',
      ]);
      assert.equal(r.code, 0, r.stderr);
      const [elf, sbom] = r.stdout.split('\n---\n') as [string, string];
      const b = elf.trim().split(/\s+/).map(Number);
      assert.deepEqual(b.slice(0, 4), [127, 69, 76, 70], 'an ELF file');
      const spec = archSpec(a.make);
      assert.equal(b[4] === 1 ? 32 : 64, spec.elfClass, 'ELF class');
      assert.equal(b[5], spec.elfData === 'lsb' ? 1 : 2, 'ELF byte order');
      const [lo, hi] = spec.elfData === 'lsb' ? [b[18], b[19]] : [b[19], b[18]];
      assert.equal((lo as number) + 256 * (hi as number), spec.elfMachine, `ELF machine (${spec.elfMachineName})`);
      const props = JSON.parse(sbom).metadata.component.properties as { name: string; value: string }[];
      assert.equal(props.find((p) => p.name === 'exechealthz:arch')?.value, a.make, 'the SBOM describes this arch');
    });

    it("walks the README's docker example: 503 with the ls error, docker exec touch, then 200 ok", async () => {
      const c = await started(await runContainer(archRef(a.make), a.platform, ['-cmd', 'ls /tmp/test']));
      const first = await untilStatus(c, '/healthz', 503);
      assert.match(
        first.body,
        /^Healthz probe on \/healthz error: Result of last exec: ls: \/tmp\/test: No such file or directory\n, at \d{4}-\d\d-\d\d \d\d:\d\d:\d\d(\.\d+)? \+0000 UTC, error exit status 1\n$/,
      );
      const touch = await c.exec('touch', '/tmp/test');
      assert.equal(touch.code, 0, touch.stderr);
      const okReply = await untilStatus(c, '/healthz', 200);
      assert.equal(okReply.body, 'ok');
      await c.stopCleanly();
    });

    // SIGTERM honoured means exit 0 from exechealthz's own shutdown; the Go tool was SIGKILLed
    // (137) at docker's timeout. The timeout is generous (emulated Node is slow to exit on a
    // busy machine) and the time is only reported: the exit status and the log decide.
    it('runs with --read-only, answers 200, and on docker stop shuts down by itself and exits 0', async (t) => {
      const c = await started(
        await runContainer(archRef(a.make), a.platform, ['-cmd', 'ls /', '-period', '500ms'], ['--read-only']),
      );
      await untilStatus(c, '/healthz', 200);
      t.diagnostic(`${a.make}: docker run to first 200 in ${Date.now() - c.startedAt} ms`);
      const stop = await run('docker', ['stop', '-t', '60', c.name], { timeoutMs: 120_000 });
      assert.equal(stop.code, 0, stop.stderr);
      t.diagnostic(`${a.make}: docker stop returned in ${stop.ms} ms`);
      const state = await run('docker', ['inspect', '--format', '{{.State.ExitCode}}', c.name]);
      const logs = await c.logs();
      assert.equal(state.stdout.trim(), '0', `exit code after SIGTERM (137 = killed at docker's timeout); logs:\n${logs}`);
      assert.match(logs, /SIGTERM: shutting down/);
      assert.match(logs, /shutdown complete/);
      await c.remove();
    });
  });
}

describe('amd64 container behaviour', () => {
  // exechealthz kills each run's process group when the run ends; `setsid` takes the sleep out
  // of that group, so it outlives sh, is reparented to PID 1 (tini) and must be reaped there.
  it('a probe that orphans a child on every run leaves no zombie after 50 runs', async () => {
    const c = await started(
      await runContainer(archRef('amd64'), 'linux/amd64', ['-cmd', 'setsid sleep 1 & echo orphaned', '-period', '100ms']),
    );
    await untilStatus(c, '/healthz', 200);
    await until(
      '50 successful runs',
      async () => {
        const m = (await get(`${c.url}/metrics`)).body;
        const n = /^exechealthz_check_runs_total\{[^}]*result="success"[^}]*\} (\d+)$/m.exec(m);
        return n !== null && Number(n[1]) >= 50 ? true : undefined;
      },
      60_000,
      200,
    );
    // Each process: pid, state, parent pid, from /proc inside the container.
    const sample = async (): Promise<{ zombies: number; orphans: number }> => {
      const r = await c.exec('sh', '-c', 'for s in /proc/[0-9]*/stat; do cat "$s" 2>/dev/null; echo; done');
      let zombies = 0;
      let orphans = 0;
      for (const line of r.stdout.split('\n')) {
        const m = /^(\d+) \((.*)\) (\S) (\d+)/.exec(line);
        if (m === null) continue;
        if (m[3] === 'Z') zombies++;
        if (m[2] === 'sleep' && m[4] === '1') orphans++;
      }
      return { zombies, orphans };
    };
    // One sample in which orphans are alive under PID 1 (so there was something to reap) and no
    // process is a zombie; a tini that never reaps leaves zombies in every sample and times out.
    const samples: { zombies: number; orphans: number }[] = [];
    await until(
      'a sample with orphaned sleeps under PID 1 and no zombie',
      async () => {
        const s = await sample();
        samples.push(s);
        return s.orphans > 0 && s.zombies === 0 ? true : undefined;
      },
      30_000,
      200,
    ).catch((e: Error) => assert.fail(`${e.message}; samples: ${JSON.stringify(samples.slice(-10))}`));
    await c.stopCleanly();
  });

  it("Docker's own --health-cmd (busybox wget /healthz) reports unhealthy, healthy, unhealthy as the probe flips", async () => {
    const port = await freePort();
    const c = await started(
      await runContainer(
        archRef('amd64'),
        'linux/amd64',
        ['-cmd', 'ls /tmp/test', '-period', '200ms'],
        [
          '--health-cmd', `wget -q -O /dev/null http://127.0.0.1:${port}/healthz`,
          '--health-interval', '1s', '--health-timeout', '2s', '--health-retries', '1',
        ],
        port,
      ),
    );
    const health = async (want: string): Promise<void> => {
      await until(
        `docker health status ${want}`,
        async () => {
          const r = await run('docker', ['inspect', '--format', '{{.State.Health.Status}}', c.name]);
          return r.stdout.trim() === want ? true : undefined;
        },
        60_000,
        250,
      );
    };
    await health('unhealthy');
    assert.equal((await c.exec('touch', '/tmp/test')).code, 0);
    await health('healthy');
    assert.equal((await c.exec('rm', '/tmp/test')).code, 0);
    await health('unhealthy');
    await c.stopCleanly();
  });
});
