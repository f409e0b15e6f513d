// Readers for the two lock files the SBOM is built from, shared by
// sbom.mjs (writes the SBOM) and verify.mjs (checks a pushed SBOM names what they pin).
// Each takes fail(msg) so every caller reports a bad input as one line.
import { readFileSync } from 'node:fs';
import { reason } from '../lib.mjs';

/** @typedef {import('../lib.mjs').Fail} Fail */
/** @typedef {import('../lib.mjs').ArchRow} ArchRow */

/**
 * @param {string} path
 * @param {string} what
 * @param {Fail} fail
 */
function read(path, what, fail) {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`cannot read the ${what} ${path}: ${reason(e)}`);
  }
}

// -> { package, version, integrity } of the Node.js npm package the arch's executable embeds.
/**
 * @param {string} path
 * @param {ArchRow} arch
 * @param {Fail} fail
 * @returns {{ package: string, version: string, integrity: string }}
 */
export function readNodeLock(path, arch, fail) {
  /** @type {{ version?: string, arches?: Record<string, NodeLockEntry> } & Record<string, NodeLockEntry | undefined>} */
  let lock;
  try {
    lock = JSON.parse(read(path, 'Node.js lock', fail));
  } catch (e) {
    return fail(`${path} is not valid JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
  const entry = lock?.arches?.[arch.make] ?? lock?.[arch.make] ?? lock?.arches?.[arch.node] ?? lock?.[arch.node];
  if (!entry) fail(`${path} has no entry for arch ${arch.make}`);
  /** @type {Record<'package' | 'version' | 'integrity', string | undefined>} */
  const out = {
    package: entry.package ?? entry.name,
    version: entry.version ?? lock.version,
    integrity: entry.integrity,
  };
  for (const k of /** @type {const} */ (['package', 'version', 'integrity'])) if (!out[k]) fail(`${path}: arch ${arch.make} has no ${k}`);
  return /** @type {{ package: string, version: string, integrity: string }} */ (out);
}

// -> [{ arch, package, version, sha256, filename }] of the arch's base, sorted by package.
/** @typedef {{ package?: string, name?: string, version?: string, integrity?: string }} NodeLockEntry */

/**
 * @param {string} path
 * @param {ArchRow} arch
 * @param {Fail} fail
 */
export function readBaseLock(path, arch, fail) {
  /** @type {{ arch: string, package: string, version: string, sha256: string, filename: string | undefined }[]} */
  const rows = [];
  for (const line of read(path, 'base package lock', fail).split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [a, pkg = '', version = '', sha256 = '', filename] = t.split(/\s+/);
    if (!/^[0-9a-f]{64}$/.test(sha256)) fail(`${path}: malformed line (want: arch package version sha256 filename): ${t}`);
    if (a === arch.debian || a === arch.make) rows.push({ arch: arch.debian, package: pkg, version, sha256, filename });
  }
  if (rows.length === 0) fail(`${path} pins no package for arch ${arch.make} (debian ${arch.debian})`);
  return rows.sort((x, y) => (x.package < y.package ? -1 : x.package > y.package ? 1 : 0));
}
