// Registry and tool helpers shared by sign.mjs and verify.mjs: run cosign/skopeo with the
// flags a plain-HTTP loopback registry needs, and resolve a tag to the digest it names now.
import { createHash } from 'node:crypto';
import { spawnSync } from 'node:child_process';

/** @typedef {import('../release/oci.mjs').Manifest} Manifest */
/** @typedef {{ os?: string, architecture?: string, variant?: string, config?: { User?: string, Entrypoint?: string[], Cmd?: string[], Labels?: Record<string, string> } }} ImageConfig */

// A registry on loopback is the local plain-HTTP one; anything else gets TLS checked.
/** @param {string} ref */
export function isInsecure(ref) {
  return process.env.REGISTRY_INSECURE === '1' || /^(127\.\d+\.\d+\.\d+|localhost|\[::1\])(:\d+)?\//.test(ref);
}

/** @param {string} ref */
export const cosignRegistryFlags = (ref) => (isInsecure(ref) ? ['--allow-http-registry', '--allow-insecure-registry'] : []);
/** @param {string} ref */
const skopeoFlags = (ref) => (isInsecure(ref) ? ['--tls-verify=false'] : []);

/**
 * @param {import('../lib.mjs').Fail} fail
 * @param {...string} tools
 */
export function requireTools(fail, ...tools) {
  for (const t of tools) {
    const r = spawnSync(t, ['--version'], { stdio: 'ignore' });
    if (r.error) fail(`${t} not found on PATH (run: bash hack/provision.sh)`);
  }
}

// -> { ok, out, err }: a failed tool never throws; callers turn err into one line.
/**
 * @param {string} cmd
 * @param {readonly string[]} args
 * @param {import('node:child_process').SpawnSyncOptions} [opts]
 * @returns {{ ok: boolean, out: string, err: string }}
 */
export function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 << 20, ...opts });
  const err = String(r.error?.message || r.stderr || '').trim();
  return { ok: r.status === 0, out: String(r.stdout || ''), err };
}

// The last meaningful line of a tool's stderr, without cosign's banner warnings.
/** @param {unknown} text */
export function lastLine(text) {
  // skopeo wraps its message in a logrus line: keep only the message.
  const m = /msg="((?:[^"\\]|\\.)*)"/.exec(String(text));
  if (m) return m[1].replace(/\\"/g, '"').replace(/^Error parsing image name "[^"]*": /, '').slice(0, 300);
  const lines = String(text).split('\n').map((l) => l.trim())
    .filter((l) => l && !/^WARNING: Skipping tlog/.test(l) && !/^(Error: )?$/.test(l));
  const e = lines.filter((l) => /^Error|error/.test(l));
  return (e[e.length - 1] || lines[lines.length - 1] || 'failed').replace(/^Error: /, '').slice(0, 300);
}

// -> { digest, raw } of what ref (a tag) points to now, or { error }.
/**
 * @param {string} ref
 * @returns {{ error: string, digest?: undefined, raw?: undefined } | { error?: undefined, digest: string, raw: Manifest }}
 */
export function resolve(ref) {
  const r = run('skopeo', ['inspect', ...skopeoFlags(ref), '--raw', `docker://${ref}`]);
  if (!r.ok) {
    const why = lastLine(r.err);
    return { error: /manifest unknown|name unknown/.test(why) ? `not in the registry (push it first: make all-push push-manifest)` : `cannot fetch: ${why}` };
  }
  const digest = 'sha256:' + createHash('sha256').update(r.out, 'utf8').digest('hex');
  /** @type {Manifest} */
  let raw;
  try {
    raw = JSON.parse(r.out);
  } catch {
    return { error: `${ref}: manifest is not JSON` };
  }
  return { digest, raw };
}

// The image config (user, entrypoint, labels, platform) of one platform of ref.
/**
 * @param {string} ref
 * @param {string} platform
 * @returns {{ error: string, config?: undefined } | { error?: undefined, config: ImageConfig }}
 */
export function imageConfig(ref, platform) {
  const [os = '', arch = '', variant] = platform.split('/');
  const args = ['inspect', ...skopeoFlags(ref), '--config', '--override-os', os, '--override-arch', arch];
  if (variant) args.push('--override-variant', variant);
  const r = run('skopeo', [...args, `docker://${ref}`]);
  if (!r.ok) return { error: `cannot read the image config: ${lastLine(r.err)}` };
  try {
    return { config: JSON.parse(r.out) };
  } catch {
    return { error: 'image config is not JSON' };
  }
}
