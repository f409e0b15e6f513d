// Readers for the two lock files the SBOM is built from, shared by
// sbom.mjs (writes the SBOM) and verify.mjs (checks a pushed SBOM names what they pin).
// Each takes fail(msg) so every caller reports a bad input as one line.
import { readFileSync } from 'node:fs';
import { reason } from '../lib.mjs';

/** @typedef {import('../lib.mjs').Fail} Fail */
/** @typedef {import('../lib.mjs').ArchRow} ArchRow */
/**
 * One pinned .deb of a Debian Node: the launcher (/usr/bin/node, which becomes the executable)
 * or a library (libnode, which goes into the base rootfs).
 * @typedef {{ package: string, version: string, sha256: string, filename: string, role: 'launcher' | 'library' }} NodeDeb
 */
/** @typedef {{ source: 'npm', package: string, version: string, integrity: string }} NpmNodeLock */
/**
 * package: the Debian package of the launcher.
 * @typedef {{ source: 'debian', package: string, version: string, suite: string, debs: NodeDeb[] }} DebianNodeLock
 */
/** @typedef {NpmNodeLock | DebianNodeLock} NodeLock The Node.js runtime of one arch, by where it comes from. */
/**
 * One Debian package of an arch's base rootfs (suite: the release it was pinned from).
 * @typedef {{ arch: string, package: string, version: string, sha256: string, filename: string | undefined, suite: string }} BaseDeb
 */
/**
 * An arch's entry of build/node.lock.json as written, before it is checked.
 * @typedef {{ source?: string, package?: string, name?: string, version?: string, integrity?: string,
 *   suite?: string, debs?: Partial<NodeDeb>[] }} NodeLockEntry
 */

/**
 * @param {string} path
 * @param {string} what
 * @param {Fail} fail
 */
function read(path, what, fail) {
  try {
    return readFileSync(path, 'utf8');
  } catch (e) {
    fail(`cannot read the ${what} ${path}: ${reason(e)}`);
  }
}

// Debian release numbers by suite name, as purls (distro=debian-N) and os-release give them.
/** @type {Record<string, string | undefined>} */
const DEBIAN_RELEASES = { bookworm: '12', trixie: '13' };
/**
 * @param {string} suite
 * @param {Fail} fail
 * @returns {string}
 */
export function debianRelease(suite, fail) {
  return DEBIAN_RELEASES[suite] ?? fail(`unknown Debian suite '${suite}' (known: ${Object.keys(DEBIAN_RELEASES).join(', ')})`);
}

// -> the Node.js runtime the arch's executable embeds: { source: 'npm', package, version,
// integrity } (the npm package), or { source: 'debian', package, version, suite, debs } where
// package is the Debian package of the launcher and debs every pinned .deb
// ({ package, version, sha256, filename, role: 'launcher' | 'library' }).
/**
 * @param {string} path
 * @param {ArchRow} arch
 * @param {Fail} fail
 * @returns {NodeLock}
 */
export function readNodeLock(path, arch, fail) {
  /** @type {{ version?: string, arches?: Record<string, NodeLockEntry | undefined> } & Record<string, NodeLockEntry | undefined> | null | undefined} */
  let lock;
  try {
    lock = JSON.parse(read(path, 'Node.js lock', fail));
  } catch (e) {
    fail(`${path} is not valid JSON: ${reason(e)}`);
  }
  const entry = lock?.arches?.[arch.make] ?? lock?.[arch.make] ?? lock?.arches?.[arch.node] ?? lock?.[arch.node];
  if (!entry) fail(`${path} has no entry for arch ${arch.make}`);
  if (entry.source === 'debian') {
    const debs = entry.debs ?? [];
    const launcher = debs.find((d) => d.role === 'launcher');
    if (!launcher || !debs.some((d) => d.role === 'library')) fail(`${path}: arch ${arch.make} (source debian) needs a launcher and a library package`);
    for (const d of debs) {
      if (!d.package || !d.version || !/^[0-9a-f]{64}$/.test(d.sha256 || '') || !d.filename) fail(`${path}: arch ${arch.make}: malformed Debian package entry ${JSON.stringify(d)}`);
    }
    if (!entry.version || !entry.suite) fail(`${path}: arch ${arch.make} has no version or suite`);
    // Every entry passed the loop above. Its role is not checked: readers pick a role by
    // equality, and one outside the two is written through as the lock gives it.
    const checked = /** @type {NodeDeb[]} */ (debs);
    return { source: 'debian', package: /** @type {string} */ (launcher.package), version: entry.version, suite: entry.suite, debs: checked };
  }
  /** @type {{ source: 'npm' } & Record<'package' | 'version' | 'integrity', string | undefined>} */
  const out = {
    source: 'npm',
    package: entry.package ?? entry.name,
    version: entry.version ?? lock?.version,
    integrity: entry.integrity,
  };
  for (const k of /** @type {const} */ (['package', 'version', 'integrity'])) if (!out[k]) fail(`${path}: arch ${arch.make} has no ${k}`);
  // The loop above refused an entry missing any of the three.
  return /** @type {NpmNodeLock} */ (out);
}

// -> [{ arch, package, version, sha256, filename, suite }] of the arch's base, sorted by package
// (suite: the Debian release the row was pinned from; rows without one are bookworm's).
/**
 * @param {string} path
 * @param {ArchRow} arch
 * @param {Fail} fail
 * @returns {BaseDeb[]}
 */
export function readBaseLock(path, arch, fail) {
  /** @type {BaseDeb[]} */
  const rows = [];
  for (const line of read(path, 'base package lock', fail).split('\n')) {
    const t = line.trim();
    if (!t || t.startsWith('#')) continue;
    const [a, pkg, version, sha256, filename, suite = 'bookworm'] = t.split(/\s+/);
    // A well-formed sha256 (the fourth field) means the package and version before it are there.
    if (pkg === undefined || version === undefined || sha256 === undefined || !/^[0-9a-f]{64}$/.test(sha256)) fail(`${path}: malformed line (want: arch package version sha256 filename): ${t}`);
    if (a === arch.debian || a === arch.make) rows.push({ arch: arch.debian, package: pkg, version, sha256, filename, suite });
  }
  if (rows.length === 0) fail(`${path} pins no package for arch ${arch.make} (debian ${arch.debian})`);
  return rows.sort((x, y) => (x.package < y.package ? -1 : x.package > y.package ? 1 : 0));
}

// -> every Debian package of the arch's image base: the base lock's rows plus, where the Node
// is Debian's, the library package(s) the Node lock pins (they go into the base rootfs).
/**
 * @param {string} baseLock
 * @param {string} nodeLock
 * @param {ArchRow} arch
 * @param {Fail} fail
 * @returns {BaseDeb[]}
 */
export function readBaseDebs(baseLock, nodeLock, arch, fail) {
  const node = readNodeLock(nodeLock, arch, fail);
  const extra = node.source === 'debian'
    ? node.debs.filter((d) => d.role === 'library').map((d) => ({ arch: arch.debian, package: d.package, version: d.version, sha256: d.sha256, filename: d.filename, suite: node.suite }))
    : [];
  return [...readBaseLock(baseLock, arch, fail), ...extra].sort((x, y) => (x.package < y.package ? -1 : x.package > y.package ? 1 : 0));
}
