// examples/pod.yaml read with a real YAML parser (PyYAML, from the Debian archive; no npm
// dependency), as plain objects.
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { ROOT } from './docker';

export const POD_YAML = resolve(ROOT, 'examples', 'pod.yaml');

/** Every document of a YAML file, parsed by PyYAML's safe loader. */
export function loadYaml(file: string): any[] {
  const py = 'import json, sys, yaml\nprint(json.dumps(list(yaml.safe_load_all(open(sys.argv[1])))))';
  const r = spawnSync('python3', ['-c', py, file], { encoding: 'utf8' });
  if (r.error !== undefined || (r.status !== 0 && /No module named .?yaml/.test(r.stderr))) {
    throw new Error('python3 with PyYAML is needed to parse YAML: run bash hack/provision.sh');
  }
  if (r.status !== 0) throw new Error(`${file} does not parse as YAML:\n${r.stderr.trim()}`);
  return JSON.parse(r.stdout);
}

/** Kubernetes quantity to bytes (memory: 64Mi, 1G, 1000000) or cores (cpu: 10m, 0.5, 1). */
export function quantity(q: string | number): number {
  const m = /^([0-9.]+)(m|Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(String(q));
  if (m === null) throw new Error(`not a Kubernetes quantity: ${q}`);
  const n = Number(m[1]);
  const mult: Record<string, number> = {
    m: 1e-3, k: 1e3, M: 1e6, G: 1e9, T: 1e12, Ki: 2 ** 10, Mi: 2 ** 20, Gi: 2 ** 30, Ti: 2 ** 40,
  };
  return m[2] === undefined ? n : n * (mult[m[2]] as number);
}

/** The healthz sidecar container of the example pod (the one running the exechealthz image). */
export function sidecar(pod: any): any {
  const c = (pod?.spec?.containers ?? []).find((x: any) => /\/exechealthz(-[a-z0-9]+)?:/.test(String(x.image)));
  if (c === undefined) throw new Error('examples/pod.yaml has no container running an exechealthz image');
  return c;
}
