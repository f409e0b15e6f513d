// The one reader (and writer) of the two locks that pin Debian files: images/base/packages.lock.json
// (each arch's base rootfs) and build/node.lock.json (each arch's Node.js runtime, which for an
// arch on Debian's Node pins its nodejs and libnode .debs). Every pinned .deb is recorded the same
// way, as the archive's index gives it, so fetching it needs no index and no apt resolver:
// package, version, architecture, size, SHA-256, its pool path and the archive that listed it.
// node-fetch, rootfs (through build/debian.mjs), the SBOM and verify all read through here.
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { reason, ROOT } from '../lib.mjs';

/** @typedef {import('../lib.mjs').Fail} Fail */
/** @typedef {import('../lib.mjs').ArchRow} ArchRow */
/** @typedef {'debian' | 'debian-security'} Archive */
/**
 * One pinned .deb. path: the Filename field of the archive's index (pool/main/... in debian,
 * pool/updates/main/... in debian-security); archive: the one whose index listed it.
 * @typedef {{ package: string, version: string, architecture: string, size: number, sha256: string,
 *   archive: Archive, path: string }} Deb
 */
/** @typedef {Deb & { role: 'launcher' | 'library' }} NodeDeb A .deb of a Debian Node: launcher (/usr/bin/node) or library (libnode). */
/**
 * The base lock. release: the Debian release (codename) every arch's base and Debian Node come
 * from; per arch, snapshot: when it was re-pinned, as a snapshot archive's timestamp
 * (YYYYMMDDTHHMMSSZ), and debs.
 * @typedef {{ snapshot: string, debs: Deb[] }} ArchDebs
 * @typedef {{ comment: string, release: string, arches: Record<string, ArchDebs> }} BaseLock
 */
/** @typedef {{ source: 'npm', package: string, version: string, integrity: string }} NpmNodeLock */
/**
 * package: the Debian package of the launcher; snapshot: when its debs were pinned.
 * @typedef {{ source: 'debian', package: string, version: string, release: string, snapshot: string, debs: NodeDeb[] }} DebianNodeLock
 */
/** @typedef {NpmNodeLock | DebianNodeLock} NodeLock The Node.js runtime of one arch, by where it comes from. */
/** @typedef {Deb & { arch: string, release: string }} BaseDeb A .deb of an arch's image base (arch: Debian's name). */

export const BASE_LOCK = join(ROOT, 'images/base/packages.lock.json');
export const NODE_LOCK = join(ROOT, 'build/node.lock.json');

// Debian release numbers by codename, as purls (distro=debian-N) and os-release give them.
/** @type {Record<string, string | undefined>} */
const DEBIAN_RELEASES = { bookworm: '12', trixie: '13', forky: '14' };
/** @param {string} release @param {Fail} fail @returns {string} */
export function debianRelease(release, fail) {
  return DEBIAN_RELEASES[release] ?? fail(`unknown Debian release '${release}' (known: ${Object.keys(DEBIAN_RELEASES).join(', ')})`);
}

/** @param {string} path @param {string} what @param {Fail} fail @returns {unknown} */
function readJson(path, what, fail) {
  let text;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return fail(`cannot read the ${what} ${path}: ${reason(e)}`);
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    return fail(`${path} is not valid JSON: ${reason(e)}`);
  }
}

/** @param {unknown} x @returns {x is Record<string, unknown>} */
const isObj = (x) => typeof x === 'object' && x !== null && !Array.isArray(x);

// A record of either lock, checked field by field: a malformed one fails naming it.
/** @param {unknown} d @param {string} where @param {Fail} fail @returns {Deb} */
export function checkDeb(d, where, fail) {
  const ok = isObj(d) && typeof d.package === 'string' && /^[a-z0-9][a-z0-9+.-]+$/.test(d.package) &&
    typeof d.version === 'string' && /^[A-Za-z0-9.+~:-]+$/.test(d.version) &&
    typeof d.architecture === 'string' && /^[a-z0-9]+$/.test(d.architecture) &&
    typeof d.size === 'number' && Number.isSafeInteger(d.size) && d.size > 0 &&
    typeof d.sha256 === 'string' && /^[0-9a-f]{64}$/.test(d.sha256) &&
    (d.archive === 'debian' || d.archive === 'debian-security') &&
    typeof d.path === 'string' && /^pool\/[A-Za-z0-9/_.+~%-]+\.deb$/.test(d.path) && !d.path.includes('..');
  if (!ok) return fail(`${where}: malformed package record ${JSON.stringify(d)} (want package, version, architecture, size, sha256, archive debian|debian-security, path pool/...deb)`);
  return /** @type {Deb} */ (/** @type {unknown} */ (d));
}

/** @param {unknown} s @returns {s is string} */
const checkSnapshot = (s) => typeof s === 'string' && /^\d{8}T\d{6}Z$/.test(s);

/** @param {string} path @param {Fail} fail @returns {BaseLock} */
export function readBaseLockFile(path, fail) {
  const lock = readJson(path, 'base package lock', fail);
  if (!isObj(lock) || typeof lock.release !== 'string' || !isObj(lock.arches)) return fail(`${path}: want { release, arches: { ARCH: { snapshot, debs } } }; run: make lock`);
  /** @type {Record<string, ArchDebs>} */
  const arches = {};
  for (const [a, e] of Object.entries(lock.arches)) {
    if (!isObj(e) || !Array.isArray(e.debs) || !checkSnapshot(e.snapshot)) return fail(`${path}: arches.${a} wants { snapshot: YYYYMMDDTHHMMSSZ, debs: [...] }; run: make lock`);
    arches[a] = { snapshot: e.snapshot, debs: e.debs.map((d) => checkDeb(d, `${path}: ${a}`, fail)) };
  }
  return { comment: typeof lock.comment === 'string' ? lock.comment : '', release: lock.release, arches };
}

/** @param {Deb} a @param {Deb} b */
const byPackage = (a, b) => (a.package < b.package ? -1 : a.package > b.package ? 1 : 0);

// -> the arch's base rows, sorted by package (arch: Debian's name; release: the lock's).
/** @param {string} path @param {ArchRow} arch @param {Fail} fail @returns {BaseDeb[]} */
export function readBaseLock(path, arch, fail) {
  const lock = readBaseLockFile(path, fail);
  const rows = lock.arches[arch.make]?.debs ?? [];
  if (rows.length === 0) return fail(`${path} pins no package for arch ${arch.make} (debian ${arch.debian}); run: make lock`);
  return rows.map((d) => ({ ...d, arch: arch.debian, release: lock.release })).sort(byPackage);
}

/**
 * An arch's entry of build/node.lock.json as written, before it is checked.
 * @typedef {{ source?: string, package?: string, version?: string, integrity?: string, snapshot?: string, debs?: unknown[] }} NodeLockEntry
 */

// -> the Node.js runtime the arch's executable embeds. A Debian Node's release is the base
// lock's: one release for every arch, written once.
/** @param {string} path @param {ArchRow} arch @param {Fail} fail @param {string} [baseLock] @returns {NodeLock} */
export function readNodeLock(path, arch, fail, baseLock = BASE_LOCK) {
  const lock = readJson(path, 'Node.js lock', fail);
  const all = isObj(lock) && isObj(lock.arches) ? lock.arches : {};
  const entry = /** @type {NodeLockEntry | undefined} */ (all[arch.make]);
  if (!isObj(entry)) return fail(`${path} has no entry for arch ${arch.make}`);
  if (entry.source === 'debian') {
    const debs = (entry.debs ?? []).map((d) => {
      const deb = checkDeb(d, `${path}: ${arch.make}`, fail);
      const role = isObj(d) ? d.role : undefined;
      if (role !== 'launcher' && role !== 'library') return fail(`${path}: ${arch.make}: ${deb.package} has role ${String(role)}, not launcher or library`);
      /** @type {NodeDeb} */
      const out = { ...deb, role };
      return out;
    });
    const launcher = debs.find((d) => d.role === 'launcher');
    if (!launcher || !debs.some((d) => d.role === 'library')) return fail(`${path}: arch ${arch.make} (source debian) needs a launcher and a library package`);
    if (!entry.version || !checkSnapshot(entry.snapshot)) return fail(`${path}: arch ${arch.make} has no version or snapshot; run: make lock`);
    const { release } = readBaseLockFile(baseLock, fail);
    return { source: 'debian', package: launcher.package, version: entry.version, release, snapshot: entry.snapshot, debs };
  }
  const { package: name, version, integrity } = entry;
  if (!name || !version || !integrity) return fail(`${path}: arch ${arch.make} has no package, version or integrity`);
  return { source: 'npm', package: name, version, integrity };
}

// -> every Debian package of the arch's image base: the base lock's rows plus, where the Node
// is Debian's, the library package(s) the Node lock pins (they go into the base rootfs).
/** @param {string} baseLock @param {string} nodeLock @param {ArchRow} arch @param {Fail} fail @returns {BaseDeb[]} */
export function readBaseDebs(baseLock, nodeLock, arch, fail) {
  const node = readNodeLock(nodeLock, arch, fail, baseLock);
  const base = readBaseLock(baseLock, arch, fail);
  const extra = node.source === 'debian'
    ? node.debs.filter((d) => d.role === 'library').map(({ role: _, ...d }) => ({ ...d, arch: arch.debian, release: node.release }))
    : [];
  return [...base, ...extra].sort(byPackage);
}

// JSON with one package record per line: a re-lock's diff shows one line per moved package.
/** @param {unknown} value @returns {string} */
export function lockText(value) {
  const text = JSON.stringify(value, null, 2);
  // Collapse every object that holds a sha256 (a package record) onto one line.
  return text.replace(/\{\n(\s+)"package":[^{}]*?\n\s*\}/g, (m) => {
    const o = JSON.parse(m);
    if (!('sha256' in o)) return m;
    return JSON.stringify(o).replace(/":/g, '": ').replace(/,"/g, ', "');
  }) + '\n';
}

// Writes a lock by rename, so an interrupted re-lock leaves the old one whole.
/** @param {string} path @param {unknown} value */
export function writeLock(path, value) {
  writeFileSync(`${path}.tmp`, lockText(value));
  renameSync(`${path}.tmp`, path);
}
