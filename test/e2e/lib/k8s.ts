// What the API server's validation (core/v1 Pod, apps/v1 Deployment) and the kubelet's probe
// port lookup say about a manifest, for the fields examples use: one message per problem,
// none for a manifest a cluster accepts. Offline: `kubectl --dry-run=client` still needs an
// API server. Unknown fields are problems too (kubectl validates strictly by default).

export type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
export type Obj = { [k: string]: Json };

export const isObj = (v: Json | undefined): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);
export const objs = (v: Json | undefined): Obj[] => (Array.isArray(v) ? v.filter(isObj) : []);

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;

/** IANA_SVC_NAME, what a container port name must be: <= 15 chars, a-z0-9 and inner '-', a letter, no '--'. */
export function isPortName(s: string): boolean {
  return s.length >= 1 && s.length <= 15 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(s) && /[a-z]/.test(s) && !s.includes('--');
}

const KNOWN: Record<string, readonly string[]> = {
  Pod: ['apiVersion', 'kind', 'metadata', 'spec'],
  Deployment: ['apiVersion', 'kind', 'metadata', 'spec'],
  metadata: ['name', 'namespace', 'labels', 'annotations', 'generateName'],
  deploymentSpec: ['replicas', 'selector', 'template', 'strategy', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds'],
  template: ['metadata', 'spec'],
  podSpec: ['containers', 'initContainers', 'volumes', 'restartPolicy', 'terminationGracePeriodSeconds', 'securityContext',
    'serviceAccountName', 'automountServiceAccountToken', 'nodeSelector', 'affinity', 'tolerations', 'priorityClassName',
    'shareProcessNamespace', 'hostNetwork', 'dnsPolicy', 'imagePullSecrets', 'topologySpreadConstraints', 'enableServiceLinks'],
  container: ['name', 'image', 'command', 'args', 'workingDir', 'ports', 'env', 'envFrom', 'resources', 'resizePolicy',
    'restartPolicy', 'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle',
    'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty'],
  port: ['name', 'hostPort', 'containerPort', 'protocol', 'hostIP'],
  probe: ['exec', 'httpGet', 'tcpSocket', 'grpc', 'initialDelaySeconds', 'timeoutSeconds', 'periodSeconds',
    'successThreshold', 'failureThreshold', 'terminationGracePeriodSeconds'],
  httpGet: ['path', 'port', 'host', 'scheme', 'httpHeaders'],
  resources: ['limits', 'requests', 'claims'],
  securityContext: ['capabilities', 'privileged', 'seLinuxOptions', 'windowsOptions', 'runAsUser', 'runAsGroup', 'runAsNonRoot',
    'readOnlyRootFilesystem', 'allowPrivilegeEscalation', 'procMount', 'seccompProfile', 'appArmorProfile'],
};

function unknown(kind: string, o: Obj, where: string, out: string[]): void {
  const known = KNOWN[kind] ?? [];
  for (const k of Object.keys(o)) if (!known.includes(k)) out.push(`${where}: unknown field "${k}"`);
}

const isInt = (v: Json | undefined, min: number, max = 2 ** 31 - 1): boolean => typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

/** Kubernetes quantity to a number (memory in bytes, cpu in cores). */
export function quantity(q: Json | undefined): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (m === null) return NaN;
  const mult: Record<string, number> = { m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40 };
  return Number(m[1]) * (m[2] === undefined ? 1 : (mult[m[2]] as number));
}

function metadata(m: Json | undefined, where: string, needName: boolean, out: string[]): void {
  if (!isObj(m)) {
    out.push(`${where}: metadata is required`);
    return;
  }
  unknown('metadata', m, `${where}.metadata`, out);
  if (needName && !(typeof m['name'] === 'string' && m['name'].length <= 253 && DNS1123_SUBDOMAIN.test(m['name']))) {
    out.push(`${where}.metadata.name ${JSON.stringify(m['name'])}: a lowercase DNS-1123 subdomain is required`);
  }
  const labels = m['labels'];
  if (labels !== undefined) {
    if (!isObj(labels)) out.push(`${where}.metadata.labels: must be a map`);
    else {
      for (const [k, v] of Object.entries(labels)) {
        if (!LABEL_KEY.test(k)) out.push(`${where}.metadata.labels: invalid key ${JSON.stringify(k)}`);
        if (typeof v !== 'string' || v.length > 63 || !LABEL_VALUE.test(v)) out.push(`${where}.metadata.labels.${k}: invalid value ${JSON.stringify(v)}`);
      }
    }
  }
}

function probe(kind: string, p: Obj, c: Obj, where: string, out: string[]): void {
  unknown('probe', p, where, out);
  const handlers = ['exec', 'httpGet', 'tcpSocket', 'grpc'].filter((h) => p[h] !== undefined);
  if (handlers.length !== 1) out.push(`${where}: exactly one of exec, httpGet, tcpSocket, grpc is required (found ${handlers.join(', ') || 'none'})`);
  for (const [f, min] of [['initialDelaySeconds', 0], ['timeoutSeconds', 1], ['periodSeconds', 1], ['successThreshold', 1], ['failureThreshold', 1]] as const) {
    if (p[f] !== undefined && !isInt(p[f], min)) out.push(`${where}.${f}: must be an integer >= ${min}`);
  }
  if (kind !== 'readinessProbe' && p['successThreshold'] !== undefined && p['successThreshold'] !== 1) {
    out.push(`${where}.successThreshold: must be 1 for a ${kind}`);
  }
  const get = p['httpGet'];
  if (get === undefined) return;
  if (!isObj(get)) {
    out.push(`${where}.httpGet: must be a map`);
    return;
  }
  unknown('httpGet', get, `${where}.httpGet`, out);
  const port = get['port'];
  if (typeof port === 'number') {
    if (!isInt(port, 1, 65535)) out.push(`${where}.httpGet.port ${port}: must be 1-65535`);
  } else if (typeof port === 'string') {
    if (!isPortName(port)) out.push(`${where}.httpGet.port ${JSON.stringify(port)}: not a valid port name`);
    // The kubelet resolves a named port among the probed container's own ports only.
    else if (!objs(c['ports']).some((x) => x['name'] === port)) {
      out.push(`${where}.httpGet.port ${JSON.stringify(port)}: no port of that name on container "${String(c['name'])}" (a probe's named port resolves only among its own container's ports)`);
    }
  } else out.push(`${where}.httpGet.port: required (a number or a port name)`);
  if (typeof get['path'] !== 'string' || !get['path'].startsWith('/')) out.push(`${where}.httpGet.path ${JSON.stringify(get['path'])}: must start with "/"`);
}

function container(c: Obj, where: string, out: string[]): void {
  unknown('container', c, where, out);
  const name = c['name'];
  if (typeof name !== 'string' || name.length > 63 || !DNS1123_LABEL.test(name)) out.push(`${where}.name ${JSON.stringify(name)}: a DNS-1123 label is required`);
  if (typeof c['image'] !== 'string' || c['image'].trim() === '') out.push(`${where}.image: required`);
  for (const f of ['command', 'args']) {
    const v = c[f];
    if (v !== undefined && !(Array.isArray(v) && v.every((x) => typeof x === 'string'))) out.push(`${where}.${f}: must be a list of strings (quote numbers)`);
  }
  const names = new Set<string>();
  const numbers = new Set<string>();
  if (c['ports'] !== undefined && !Array.isArray(c['ports'])) out.push(`${where}.ports: must be a list`);
  objs(c['ports']).forEach((p, i) => {
    const at = `${where}.ports[${i}]`;
    unknown('port', p, at, out);
    if (!isInt(p['containerPort'], 1, 65535)) out.push(`${at}.containerPort ${JSON.stringify(p['containerPort'])}: must be 1-65535`);
    const protocol = p['protocol'] ?? 'TCP';
    if (!['TCP', 'UDP', 'SCTP'].includes(String(protocol))) out.push(`${at}.protocol ${JSON.stringify(protocol)}: TCP, UDP or SCTP`);
    const key = `${String(p['containerPort'])}/${String(protocol)}`;
    if (numbers.has(key)) out.push(`${at}: duplicate port ${key}`);
    numbers.add(key);
    const n = p['name'];
    if (n !== undefined) {
      if (typeof n !== 'string' || !isPortName(n)) out.push(`${at}.name ${JSON.stringify(n)}: not a valid port name (IANA_SVC_NAME)`);
      else if (names.has(n)) out.push(`${at}.name ${JSON.stringify(n)}: duplicate`);
      else names.add(n);
    }
  });
  for (const kind of ['livenessProbe', 'readinessProbe', 'startupProbe']) {
    const p = c[kind];
    if (p === undefined) continue;
    if (!isObj(p)) out.push(`${where}.${kind}: must be a map`);
    else probe(kind, p, c, `${where}.${kind}`, out);
  }
  const r = c['resources'];
  if (isObj(r)) {
    unknown('resources', r, `${where}.resources`, out);
    const req = isObj(r['requests']) ? r['requests'] : {};
    const lim = isObj(r['limits']) ? r['limits'] : {};
    for (const [k, v] of [...Object.entries(req), ...Object.entries(lim)]) {
      if (Number.isNaN(quantity(v))) out.push(`${where}.resources: ${k} ${JSON.stringify(v)} is not a quantity`);
    }
    for (const [k, v] of Object.entries(lim)) {
      if (req[k] !== undefined && quantity(req[k]) > quantity(v)) out.push(`${where}.resources.requests.${k}: must be <= the limit ${String(v)}`);
    }
  }
  const sc = c['securityContext'];
  if (isObj(sc)) unknown('securityContext', sc, `${where}.securityContext`, out);
}

/** Problems of a PodSpec: containers present, names unique across containers, each valid. */
export function podSpec(spec: Json | undefined, where: string, out: string[], restartAlwaysOnly = false): void {
  if (!isObj(spec)) {
    out.push(`${where}: spec is required`);
    return;
  }
  unknown('podSpec', spec, where, out);
  const all = [...objs(spec['initContainers']), ...objs(spec['containers'])];
  if (objs(spec['containers']).length === 0) out.push(`${where}.containers: at least one container is required`);
  const seen = new Set<string>();
  for (const c of all) {
    const n = String(c['name']);
    if (seen.has(n)) out.push(`${where}.containers: duplicate container name "${n}"`);
    seen.add(n);
  }
  objs(spec['containers']).forEach((c, i) => container(c, `${where}.containers[${i}]`, out));
  objs(spec['initContainers']).forEach((c, i) => container(c, `${where}.initContainers[${i}]`, out));
  if (restartAlwaysOnly && spec['restartPolicy'] !== undefined && spec['restartPolicy'] !== 'Always') {
    out.push(`${where}.restartPolicy: a Deployment's pods must use Always`);
  }
}

/** Every problem the API server would report for one v1 Pod or apps/v1 Deployment document. */
export function validate(doc: Json): string[] {
  const out: string[] = [];
  if (!isObj(doc)) return ['not a map'];
  const kind = String(doc['kind']);
  const where = `${kind}/${isObj(doc['metadata']) ? String(doc['metadata']['name']) : '?'}`;
  if (kind === 'Pod') {
    if (doc['apiVersion'] !== 'v1') out.push(`${where}: apiVersion ${JSON.stringify(doc['apiVersion'])}, want v1`);
    unknown('Pod', doc, where, out);
    metadata(doc['metadata'], where, true, out);
    podSpec(doc['spec'], `${where}.spec`, out);
  } else if (kind === 'Deployment') {
    if (doc['apiVersion'] !== 'apps/v1') out.push(`${where}: apiVersion ${JSON.stringify(doc['apiVersion'])}, want apps/v1`);
    unknown('Deployment', doc, where, out);
    metadata(doc['metadata'], where, true, out);
    const spec = doc['spec'];
    if (!isObj(spec)) return [...out, `${where}: spec is required`];
    unknown('deploymentSpec', spec, `${where}.spec`, out);
    if (spec['replicas'] !== undefined && !isInt(spec['replicas'], 0)) out.push(`${where}.spec.replicas: must be an integer >= 0`);
    const sel = isObj(spec['selector']) ? spec['selector']['matchLabels'] : undefined;
    const tpl = spec['template'];
    if (!isObj(sel) || Object.keys(sel).length === 0) out.push(`${where}.spec.selector.matchLabels: required (apps/v1)`);
    if (!isObj(tpl)) return [...out, `${where}.spec.template: required`];
    unknown('template', tpl, `${where}.spec.template`, out);
    metadata(tpl['metadata'], `${where}.spec.template`, false, out);
    const labels = isObj(tpl['metadata']) && isObj(tpl['metadata']['labels']) ? tpl['metadata']['labels'] : {};
    if (isObj(sel)) {
      for (const [k, v] of Object.entries(sel)) {
        if (labels[k] !== v) out.push(`${where}.spec.template.metadata.labels: selector ${k}=${String(v)} does not match the template's labels`);
      }
    }
    podSpec(tpl['spec'], `${where}.spec.template.spec`, out, true);
  } else {
    out.push(`${where}: kind ${JSON.stringify(kind)} is not a Pod or a Deployment`);
  }
  return out;
}

/** The pod spec of a Pod or of a Deployment's template. */
export function podSpecOf(doc: Json): Obj | undefined {
  if (!isObj(doc)) return undefined;
  if (doc['kind'] === 'Pod') return isObj(doc['spec']) ? doc['spec'] : undefined;
  const tpl = isObj(doc['spec']) ? doc['spec']['template'] : undefined;
  return isObj(tpl) && isObj(tpl['spec']) ? tpl['spec'] : undefined;
}
