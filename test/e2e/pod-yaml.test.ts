// examples/pod.yaml: the original README's sidecar pattern, parsed by a real YAML parser and
// checked for what makes it work: the app's livenessProbe is an HTTP GET on the sidecar's
// port and path, the sidecar runs the published image as the image's own user, read-only,
// with requests and limits (their size against a measurement is in images.test.ts).
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { loadYaml, POD_YAML, quantity, sidecar } from './lib/pod';

const docs = loadYaml(POD_YAML);
const pod = docs.find((d) => d?.kind === 'Pod');

it('is one v1 Pod with an app container and the exechealthz sidecar', () => {
  assert.equal(docs.length, 1);
  assert.equal(pod?.apiVersion, 'v1');
  assert.equal(typeof pod.metadata.name, 'string');
  assert.equal(pod.spec.containers.length, 2);
  const names = pod.spec.containers.map((c: any) => c.name);
  assert.equal(new Set(names).size, 2, 'container names are unique');
});

it("the sidecar runs the multi-arch image with a probe command in the Go tool's flag syntax", () => {
  const s = sidecar(pod);
  assert.match(s.image, /^[a-z0-9.:-]+(\/[a-z0-9._-]+)*\/exechealthz:[\w.-]+$/, 'the multi-arch index, not one arch');
  assert.ok(s.args.some((a: string) => /^--?cmd=./.test(a)), 'a -cmd=... argument');
  assert.deepEqual(
    s.ports.map((p: any) => [p.containerPort, p.protocol ?? 'TCP']),
    [[8080, 'TCP']],
  );
});

it("the app's livenessProbe is an httpGet on the sidecar's port and /healthz", () => {
  const s = sidecar(pod);
  const app = pod.spec.containers.find((c: any) => c !== s);
  const probe = app.livenessProbe?.httpGet;
  assert.ok(probe, 'app has livenessProbe.httpGet');
  const port = s.ports.find((p: any) => p.containerPort === probe.port || p.name === probe.port);
  assert.ok(port, `livenessProbe port ${probe.port} is the sidecar's port (by number or name)`);
  const url = s.args.map((a: string) => /^--?url=(.*)$/.exec(a)?.[1]).find((u: string | undefined) => u !== undefined) ?? '/healthz';
  assert.equal(probe.path, url);
  assert.ok(s.livenessProbe === undefined, 'the sidecar itself is not what the kubelet restarts');
});

it('the sidecar has CPU and memory requests and a memory limit above them', () => {
  const r = sidecar(pod).resources;
  assert.ok(quantity(r.requests.cpu) > 0 && quantity(r.requests.cpu) <= 0.1, `cpu request ${r.requests.cpu}`);
  assert.ok(quantity(r.requests.memory) >= 32 * 2 ** 20, `memory request ${r.requests.memory}`);
  assert.ok(quantity(r.limits.memory) > quantity(r.requests.memory), 'memory limit leaves room above the request');
});

it("the sidecar runs as the image's user 65532, read-only, without privilege escalation", () => {
  const sc = sidecar(pod).securityContext;
  assert.equal(sc.runAsUser, 65532);
  assert.equal(sc.runAsNonRoot, true);
  assert.equal(sc.readOnlyRootFilesystem, true, 'the image runs with docker run --read-only (images.test.ts)');
  assert.equal(sc.allowPrivilegeEscalation, false);
});
