// Every manifest in examples/, read the way a cluster reads it: parsed by a real YAML parser,
// validated as the API server validates a v1 Pod or an apps/v1 Deployment (lib/k8s.ts), every
// probe's port resolved as the kubelet resolves it (a number, or a name declared on the same
// container), every probe on the sidecar's port asking a path the sidecar serves, the sidecar
// image the multi-arch index `make push-manifest` publishes, and the sidecar's args accepted by
// the executable itself: `exechealthz ARGS --check-config` exits 0 and prints the resolved
// settings, from which the served paths and port are taken.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { make, ROOT } from './lib/docker';
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

let published = '';

before(async () => {
  // The name push-manifest pushes the index under, from make itself (PREFIX, TAG defaults).
  const r = await make(['-n', 'push-manifest', 'FROM_REGISTRY=true']);
  const prefix = /--prefix '([^']+)'/.exec(r.stdout)?.[1];
  const tag = /--tag '([^']+)'/.exec(r.stdout)?.[1];
  assert.ok(prefix && tag, `make -n push-manifest printed no --prefix/--tag:\n${r.stdout}`);
  published = `${prefix}/exechealthz:${tag}`;
});

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
        assert.ok(quantity(req['memory']) >= 32 * 2 ** 20, `memory request ${String(req['memory'])}`);
        assert.ok(quantity(lim['memory']) > quantity(req['memory']), 'memory limit leaves room above the request');
        const sc = s['securityContext'] as Obj;
        assert.equal(sc['runAsUser'], 65532);
        assert.equal(sc['runAsNonRoot'], true);
        assert.equal(sc['readOnlyRootFilesystem'], true, 'the image runs with docker run --read-only (images.test.ts)');
        assert.equal(sc['allowPrivilegeEscalation'], false);
      });
    }
  });
}
