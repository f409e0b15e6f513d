// Every manifest in examples/, read the way a cluster reads it: parsed by a real YAML parser,
// validated as the API server validates a v1 Pod or an apps/v1 Deployment (lib/k8s.ts), every
// probe's port resolved as the kubelet resolves it (a number, or a name declared on the same
// container), every probe on the sidecar's port asking a path the sidecar serves, the sidecar
// image the multi-arch index `make push-manifest` publishes, and the sidecar's args accepted by
// the executable itself: `exechealthz ARGS --check-config` exits 0 and prints the resolved
// settings, from which the served paths and port are taken.
//
// Then each pod is run as far as one machine can: this machine's image, built by
// `make container`, started with the sidecar's exact args and securityContext beside what the
// pod's other containers give it (their ports served by a stand-in on 127.0.0.1, as they share
// the pod's network; their postStart hooks run in the image, over the emptyDir volumes they
// share with the sidecar). Every path the sidecar serves must answer 200, then 503 once those
// are taken away: a check that cannot pass in a pod, or cannot fail, fails here.
// The memory request is held to the sidecar's largest measured RSS in docs/bench-log.md.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { arches, isHost } from '../helpers/arches';
import { make, printedRefs, REGISTRY, requireEngine, ROOT, run, runContainer, untilStatus } from './lib/docker';
import { isObj, objs, podSpecOf, quantity, validate, type Json, type Obj } from './lib/k8s';
import { loadYaml } from './lib/pod';

const EXAMPLES = join(ROOT, 'examples');
const FILES = readdirSync(EXAMPLES).filter((f) => /\.ya?ml$/.test(f)).sort();
const EXE = join(ROOT, 'bin', 'amd64', 'exechealthz');
const PROBES = ['livenessProbe', 'readinessProbe', 'startupProbe'] as const;
const isSidecar = (c: Obj): boolean => /\/exechealthz(-[a-z0-9]+)?:/.test(String(c['image']));

/** What `exechealthz ARGS --check-config` resolved: the served paths, the port, /debug/. */
interface Resolved { readonly urls: string[]; readonly port: number; readonly debug: string; readonly out: string }

function checkConfig(args: readonly string[]): Resolved {
  if (!existsSync(EXE)) throw new Error(`${EXE} is missing: run make build`);
  const r = spawnSync(EXE, [...args, '--check-config'], { encoding: 'utf8', timeout: 20_000 });
  assert.equal(r.error, undefined, `exechealthz --check-config did not exit by itself: ${String(r.error)}`);
  assert.equal(r.status, 0, `exechealthz ${args.join(' ')} --check-config exited ${r.status}: ${r.stderr.trim()}`);
  const urls = [...r.stdout.matchAll(/^check: (\S+) -> /gm)].map((m) => m[1] as string);
  const port = Number(/^port: (\d+)$/m.exec(r.stdout)?.[1]);
  const debug = /^debug-endpoints: (\S+)$/m.exec(r.stdout)?.[1] ?? '';
  assert.ok(urls.length > 0 && Number.isInteger(port), `no check/port lines in --check-config output:\n${r.stdout}`);
  return { urls, port, debug, out: r.stdout };
}

/** The port number a probe's httpGet reaches, resolved among its own container's ports. */
function probePort(c: Obj, port: Json | undefined): number | undefined {
  if (typeof port === 'number') return port;
  const p = objs(c['ports']).find((x) => x['name'] === port);
  return typeof p?.['containerPort'] === 'number' ? p['containerPort'] : undefined;
}

/**
 * The largest RSS of the sidecar that docs/bench-log.md records, in bytes: the one place the
 * figure is written (its "Sidecar memory" table, column "RSS after 500 requests").
 */
function measuredRss(): number {
  const doc = 'docs/bench-log.md';
  const lines = readFileSync(join(ROOT, doc), 'utf8').split('\n');
  const at = lines.findIndex((l) => l.startsWith('## Sidecar memory'));
  assert.notEqual(at, -1, `${doc} has no "## Sidecar memory" section`);
  const table = lines.slice(at + 1).filter((l, i, all) => l.startsWith('|') && all.slice(0, i).every((x) => !x.startsWith('## ')));
  const cells = (l: string): string[] => l.split('|').slice(1, -1).map((c) => c.trim());
  const col = cells(table[0] ?? '').indexOf('RSS after 500 requests');
  assert.notEqual(col, -1, `${doc}: the Sidecar memory table has no column "RSS after 500 requests"`);
  const mib = table.slice(2).map((l) => Number(/^([0-9.]+) MiB\b/.exec(cells(l)[col] ?? '')?.[1]));
  assert.ok(mib.length > 0 && mib.every((n) => n > 0), `${doc}: every row's RSS reads "N MiB" (got ${mib.join(', ')})`);
  return Math.max(...mib) * 2 ** 20;
}
const RSS = measuredRss();
/** Requests sit this far above the measured RSS: a re-measurement a little higher still fits. */
const MEMORY_MARGIN = 1.2;

/** This machine's arch: its image is the one the examples run against here. */
const HOST = arches().find(isHost);
const PREFIX = `${REGISTRY}/examples-${Date.now().toString(36)}-${process.pid}`;
let published = '';
let image = '';

before(
  async () => {
    // The name push-manifest pushes the index under, from make itself (PREFIX, TAG defaults).
    const r = await make(['-n', 'push-manifest', 'FROM_REGISTRY=true']);
    const prefix = /--prefix '([^']+)'/.exec(r.stdout)?.[1];
    const tag = /--tag '([^']+)'/.exec(r.stdout)?.[1];
    assert.ok(prefix && tag, `make -n push-manifest printed no --prefix/--tag:\n${r.stdout}`);
    published = `${prefix}/exechealthz:${tag}`;
    // The image the index serves this machine, under a prefix of this run's own (nothing pushed).
    assert.ok(HOST !== undefined, 'build/arches.tsv has no row for this machine');
    await requireEngine();
    const built = await make(['container', `ARCH=${HOST.make}`, `PREFIX=${PREFIX}`]);
    image = [...printedRefs(built.stdout, 'built').keys()][0] ?? '';
    assert.ok(image.startsWith(`${PREFIX}/exechealthz-${HOST.make}:`), `make container printed no "built ${PREFIX}/...@sha256:..." line:\n${built.stdout.slice(-2000)}`);
  },
  { timeout: 60 * 60_000 },
);

after(async () => {
  if (image !== '') await run('docker', ['image', 'rm', image]);
});

/** One stand-in HTTP server per TCP port of the pod's other containers, on 127.0.0.1 (the pod's shared loopback). */
async function serveAppPorts(apps: readonly Obj[]): Promise<Server[]> {
  const servers: Server[] = [];
  for (const c of apps) {
    for (const p of objs(c['ports'])) {
      if ((p['protocol'] ?? 'TCP') !== 'TCP') continue;
      const port = Number(p['containerPort']);
      const s = createServer((_req, res) => res.end(`${String(c['name'])} ok\n`));
      await new Promise<void>((res, rej) => {
        s.once('error', (e) => rej(new Error(`cannot stand in for container "${String(c['name'])}" on 127.0.0.1:${port}: ${String(e)} (containers run with --network host here, so the port must be free on this machine)`)));
        s.listen(port, '127.0.0.1', () => res());
      });
      servers.push(s);
    }
  }
  return servers;
}

function closeAll(servers: readonly Server[]): Promise<void[]> {
  return Promise.all(servers.map((s) => new Promise<void>((res) => {
    s.closeAllConnections();
    s.close(() => res());
  })));
}

/** `-v DIR:PATH[:ro]` for each of a container's mounts of an emptyDir (a fresh directory per volume, mode 1777 as the kubelet makes it). */
function mountArgs(c: Obj, dirs: ReadonlyMap<string, string>): string[] {
  return objs(c['volumeMounts']).flatMap((m) => {
    const dir = dirs.get(String(m['name']));
    assert.ok(dir !== undefined, `${String(c['name'])}: volumeMount ${String(m['name'])} is not an emptyDir volume of the pod`);
    return ['-v', `${dir}:${String(m['mountPath'])}${m['readOnly'] === true ? ':ro' : ''}`];
  });
}

/** docker run flags for a container's securityContext, as the kubelet would apply it. */
function securityArgs(c: Obj): string[] {
  const sc = isObj(c['securityContext']) ? c['securityContext'] : {};
  const args: string[] = [];
  if (sc['runAsUser'] !== undefined) args.push('--user', `${String(sc['runAsUser'])}:${String(sc['runAsGroup'] ?? sc['runAsUser'])}`);
  if (sc['readOnlyRootFilesystem'] === true) args.push('--read-only');
  if (sc['allowPrivilegeEscalation'] === false) args.push('--security-opt', 'no-new-privileges');
  const caps = isObj(sc['capabilities']) ? sc['capabilities']['drop'] : undefined;
  if (Array.isArray(caps) && caps.includes('ALL')) args.push('--cap-drop', 'ALL');
  return args;
}

it('examples/ shows the ways users wire the sidecar: startup and readiness probes on one port, two paths, a Deployment', () => {
  const specs = FILES.flatMap((f) => loadYaml(join(EXAMPLES, f)) as Json[]);
  assert.ok(specs.some((d) => isObj(d) && d['kind'] === 'Deployment' && d['apiVersion'] === 'apps/v1'), 'an apps/v1 Deployment');
  const containers = specs.flatMap((d) => objs(podSpecOf(d)?.['containers']));
  assert.ok(
    containers.some((c) => {
      const ports = ['readinessProbe', 'startupProbe'].map((k) => probePort(c, isObj(c[k]) && isObj((c[k] as Obj)['httpGet']) ? ((c[k] as Obj)['httpGet'] as Obj)['port'] : undefined));
      return ports[0] !== undefined && ports[0] === ports[1];
    }),
    'a container with a readinessProbe and a startupProbe on the same port',
  );
  assert.ok(
    containers.filter(isSidecar).some((c) => checkConfig((c['args'] as string[]) ?? []).urls.length >= 2),
    'a sidecar serving two commands on two paths',
  );
});

it("the README's Kubernetes snippet is examples/pod.yaml's: the sidecar's image and args, the app's probe", () => {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const block = /^## In Kubernetes$[\s\S]*?^```yaml\n([\s\S]*?)^```$/m.exec(readme)?.[1];
  assert.ok(block !== undefined, 'README.md has no ```yaml block under "## In Kubernetes"');
  const dir = mkdtempSync(join(tmpdir(), 'readme-snippet-'));
  try {
    const file = join(dir, 'snippet.yaml');
    writeFileSync(file, block);
    const shown = { containers: objs(loadYaml(file)[0]?.['containers']) };
    const pod = podSpecOf(loadYaml(join(EXAMPLES, 'pod.yaml'))[0] as Json) as Obj;
    const pick = (spec: { containers: Obj[] } | Obj) => objs(spec['containers'] as Json).map((c) => ({
      name: c['name'], image: c['image'], args: c['args'] ?? null,
      liveness: isObj(c['livenessProbe']) ? c['livenessProbe']['httpGet'] : null,
    }));
    assert.deepEqual(pick(shown), pick(pod));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

for (const file of FILES) {
  describe(`examples/${file}`, () => {
    const docs = loadYaml(join(EXAMPLES, file)) as Json[];

    it('every document is a valid v1 Pod or apps/v1 Deployment', () => {
      assert.ok(docs.length > 0, 'no documents');
      for (const d of docs) assert.deepEqual(validate(d), []);
    });

    for (const [i, doc] of docs.entries()) {
      const spec = podSpecOf(doc);
      const containers = objs(spec?.['containers']);
      const sidecars = containers.filter(isSidecar);

      it(`document ${i + 1}: one sidecar, running the multi-arch index make push-manifest publishes`, () => {
        assert.equal(sidecars.length, 1, 'exactly one exechealthz container');
        assert.equal(sidecars[0]?.['image'], published, 'the multi-arch index name, not a per-arch image');
      });

      it(`document ${i + 1}: the sidecar's args pass exechealthz --check-config; /debug/ stays off`, () => {
        const s = sidecars[0] as Obj;
        const resolved = checkConfig((s['args'] as string[]) ?? []);
        assert.equal(resolved.debug, 'off', `--debug-endpoints must not be enabled in an example:\n${resolved.out}`);
        assert.ok(
          objs(s['ports']).some((p) => p['containerPort'] === resolved.port && (p['protocol'] ?? 'TCP') === 'TCP'),
          `the sidecar declares its port ${resolved.port}/TCP`,
        );
      });

      it(`document ${i + 1}: every probe reaches the sidecar's port by number or its own container's port name, on a path the sidecar serves`, () => {
        const s = sidecars[0] as Obj;
        const { urls, port } = checkConfig((s['args'] as string[]) ?? []);
        let onSidecar = 0;
        for (const c of containers) {
          for (const kind of PROBES) {
            const p = c[kind];
            if (!isObj(p)) continue;
            const get = p['httpGet'];
            assert.ok(isObj(get), `${String(c['name'])}.${kind} is an httpGet`);
            const n = probePort(c, get['port']);
            assert.ok(n !== undefined, `${String(c['name'])}.${kind}: port ${JSON.stringify(get['port'])} does not resolve among container "${String(c['name'])}"'s own ports`);
            if (n !== port) continue;
            onSidecar++;
            assert.ok(urls.includes(String(get['path'])), `${String(c['name'])}.${kind}: path ${String(get['path'])} is not served (the sidecar serves ${urls.join(' ')})`);
          }
        }
        assert.ok(onSidecar > 0, 'at least one probe asks the sidecar');
        assert.equal(s['livenessProbe'], undefined, 'the sidecar itself is not what the kubelet restarts');
      });

      it(`document ${i + 1}: the sidecar has requests and a memory limit, runs as 65532, read-only, without privilege escalation`, () => {
        const s = sidecars[0] as Obj;
        const r = s['resources'] as Obj;
        const req = r['requests'] as Obj;
        const lim = r['limits'] as Obj;
        assert.ok(quantity(req['cpu']) > 0 && quantity(req['cpu']) <= 0.1, `cpu request ${String(req['cpu'])}`);
        const mib = (b: number): string => `${(b / 2 ** 20).toFixed(1)} MiB`;
        assert.ok(
          quantity(req['memory']) >= RSS * MEMORY_MARGIN,
          `memory request ${String(req['memory'])} is under ${MEMORY_MARGIN} x the sidecar's measured RSS of ${mib(RSS)} (docs/bench-log.md): at least ${mib(RSS * MEMORY_MARGIN)}`,
        );
        assert.ok(quantity(lim['memory']) > quantity(req['memory']), 'memory limit leaves room above the request');
        const sc = s['securityContext'] as Obj;
        assert.equal(sc['runAsUser'], 65532);
        assert.equal(sc['runAsNonRoot'], true);
        assert.equal(sc['readOnlyRootFilesystem'], true, 'the image runs with docker run --read-only (images.test.ts)');
        assert.equal(sc['allowPrivilegeEscalation'], false);
      });

      it(`document ${i + 1}: in the image, every path the sidecar serves answers 200 beside what the pod gives it, and 503 once that is gone`, { timeout: 5 * 60_000 }, async () => {
        const s = sidecars[0] as Obj;
        const args = (s['args'] as string[]) ?? [];
        const { urls } = checkConfig(args);
        const apps = containers.filter((c) => c !== s);
        const dirs = new Map<string, string>();
        for (const v of objs(spec?.['volumes'])) {
          assert.ok(isObj(v['emptyDir']), `volume ${String(v['name'])}: only emptyDir volumes can be stood in for here`);
          const dir = mkdtempSync(join(tmpdir(), 'exechealthz-example-'));
          chmodSync(dir, 0o1777);
          dirs.set(String(v['name']), dir);
        }
        const servers = await serveAppPorts(apps);
        try {
          // The other containers' postStart hooks, in this image's sh, over the volumes they mount.
          for (const c of apps) {
            const life = isObj(c['lifecycle']) && isObj(c['lifecycle']['postStart']) ? c['lifecycle']['postStart'] : undefined;
            if (life === undefined) continue;
            const cmd = isObj(life['exec']) ? (life['exec']['command'] as string[]) : [];
            assert.ok(cmd.length > 0, `${String(c['name'])}: postStart is an exec hook`);
            const r = await run('docker', ['run', '--rm', '--network', 'host', ...mountArgs(c, dirs), '--user', '0:0', '--entrypoint', cmd[0] as string, image, ...cmd.slice(1)]);
            assert.equal(r.code, 0, `${String(c['name'])}'s postStart ${JSON.stringify(cmd)} exited ${r.code}: ${r.stderr}`);
          }
          const c = await runContainer(image, HOST?.platform ?? '', args, [...securityArgs(s), ...mountArgs(s, dirs)]);
          try {
            for (const url of urls) await untilStatus(c, url, 200, 30_000);
            // Take away what the checks look at: the other containers' ports and what their hooks wrote.
            await closeAll(servers);
            for (const dir of dirs.values()) for (const f of readdirSync(dir)) rmSync(join(dir, f), { recursive: true, force: true });
            for (const url of urls) {
              const r = await untilStatus(c, url, 503, 30_000);
              assert.match(r.body, /, error exit status \d+\n?$/, `${url}: the command itself failed (not a signal, not a timeout)`);
            }
            await c.stopCleanly();
          } finally {
            await c.remove();
          }
        } finally {
          await closeAll(servers);
          for (const dir of dirs.values()) rmSync(dir, { recursive: true, force: true });
        }
      });
    }
  });
}
