#!/usr/bin/env node
// Fetches the official Node.js binaries from npm (node-linux-<arch> packages) into
// .cache/, checking each tarball against the integrity pinned in build/node.lock.json, so
// every build embeds exactly the runtime the lock names. Each arch has its own version (npm
// publishes newer lines for some arches than for others). A tarball
// already in the cache and matching the lock is never fetched again.
//
//   --arch ARCH      ARCH's runtime -> .cache/node/<ver>/<ARCH>/node, plus the Node that makes
//                    its SEA blob when pkg needs another one (see blobBy below)
//   --pkg-host       this machine's Node >= 22 that runs pkg -> .cache/node/pkg-host/node
//   --compare        this machine's Node of the oldest release an arch can embed (its pin, or
//                    its npm package's newest), for the benchmark and the hostile suite
//                    -> .cache/node/<ver>/<host ARCH>/node
// "This machine" is the host row of build/arches.tsv (its qemu column is `uname -m`).
//   --refresh [--node-version V] [--arch-version ARCH=V ...] [--arch-source ARCH=npm|debian ...]
//             [--pkg-host-major M]
//                    rewrite the lock from what npm and Debian serve today: every arch moves to
//                    the newest release of its own line; V (24, 24.22 or 24.22.3) sets the line
//                    or release of every npm-sourced arch, ARCH=V of one. An arch keeps its
//                    source (npm or debian) unless --arch-source changes it.
//
// An arch whose source is "debian" takes Debian 13's nodejs (the 26 KB /usr/bin/node launcher,
// which becomes the executable) and libnode115 (libnode.so.115, the runtime, which goes into
// that arch's base rootfs), pinned in the lock as the archive's index gives them and fetched
// into the shared .deb cache by build/debian/fetch.mjs. Its launcher lands where an npm arch's node does;
// the unmodified libnode beside it in lib/ (the rootfs copy has its SEA fuse set).
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, linkSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { archRow, archRows, fail, hostRow, parseFlags, reason, ROOT } from './lib.mjs';
import { fetchDeb } from './debian/fetch.mjs';
import { Miss } from './debian/http.mjs';
import { BASE_LOCK, readBaseLockFile, readNodeLock, writeLock } from './debian/lock.mjs';
import { pinNode, snapshotStamp } from './debian/pin.mjs';
import { sources } from './debian/sources.mjs';

/** @typedef {import('./lib.mjs').ArchRow} ArchRow */
/** @typedef {{ package: string, version: string, integrity: string }} NpmPin An npm package pinned by its tarball's SRI. */
/** @typedef {import('./debian/lock.mjs').NodeDeb} NodeDeb */
/**
 * @typedef {{ source?: string, version: string, why?: string, package?: string, integrity?: string,
 *   blobBy?: NpmPin, snapshot?: string, debs?: NodeDeb[] }} ArchEntry One arch's runtime in the lock.
 */
/** @typedef {{ comment?: string, version?: string, arches: Record<string, ArchEntry>, pkgHost?: NpmPin, compare?: NpmPin }} Lock */

const LOCK = join(ROOT, 'build/node.lock.json');
const CACHE = join(ROOT, '.cache');

const values = parseFlags({
  arch: { type: 'string' },
  'pkg-host': { type: 'boolean', default: false },
  compare: { type: 'boolean', default: false },
  refresh: { type: 'boolean', default: false },
  // With --arch: the version the caller expects; must be the one the lock pins for ARCH.
  // With --refresh: the line or release every arch moves to.
  'node-version': { type: 'string' },
  'arch-version': { type: 'string', multiple: true, default: [] },
  'arch-source': { type: 'string', multiple: true, default: [] },
  // pkg 6.23 needs a host Node >= 22; the LTS line the 64-bit arches embed serves.
  'pkg-host-major': { type: 'string', default: '24' },
}, fail);

// With none404, an npm 404 (no such version) returns '' instead of failing.
/** @param {string[]} args @param {{ none404?: boolean }} [o] @returns {string} */
function npm(args, { none404 = false } = {}) {
  try {
    return execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = /** @type {Error & { stderr?: unknown }} */ (err);
    if (none404 && /E404|404 No match/.test(String(e.stderr))) return '';
    // npm's most telling line, e.g. "404 No match found for version 20.12.0".
    const lines = String(e.stderr || e.message).split('\n').map((l) => l.replace(/^npm (error|ERR!) /, '').trim());
    const why = lines.find((l) => /^404 \S|^code E(?!404)/.test(l)) || lines.find((l) => l && !/complete log/.test(l)) || 'no output';
    return fail(`npm ${args.join(' ')} failed: ${why}`);
  }
}

/** @returns {Lock} */
function readLock() {
  try {
    return JSON.parse(readFileSync(LOCK, 'utf8'));
  } catch (e) {
    return fail(`cannot read ${LOCK}: ${reason(e)}; run: make node-lock`);
  }
}

/** @param {string} file */
function sri(file) {
  return 'sha512-' + createHash('sha512').update(readFileSync(file)).digest('base64');
}

// Returns the path of a cached npm tarball of NAME@VERSION whose sha512 equals INTEGRITY.
/** @param {{ package?: string, version: string, integrity?: string }} pinned @returns {string} */
function tarball({ package: name, version, integrity }) {
  if (!name || !integrity) return fail(`build/node.lock.json: ${name || 'an entry'} ${version} has no package or integrity; run: make node-lock`);
  const dir = join(CACHE, 'npm');
  const file = join(dir, `${name}-${version}.tgz`);
  if (existsSync(file) && sri(file) === integrity) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${dir}/.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    console.error(`fetching ${name}@${version} from npm`);
    npm(['pack', `${name}@${version}`, '--pack-destination', tmp, '--silent']);
    const got = join(tmp, `${name}-${version}.tgz`);
    if (!existsSync(got)) fail(`npm pack ${name}@${version} produced no ${name}-${version}.tgz`);
    const actual = sri(got);
    if (actual !== integrity) {
      fail(`${name}@${version}: integrity ${actual.slice(0, 30)}... differs from the lock's ${integrity.slice(0, 30)}...; refusing it`);
    }
    renameSync(got, file);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  return file;
}

// Unpacks package/bin/node of the tarball to DEST atomically.
/** @param {string} tgz @param {string} dest */
function extractNode(tgz, dest) {
  mkdirSync(dirname(dest), { recursive: true });
  const tmp = `${dirname(dest)}/.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(tmp);
  try {
    execFileSync('tar', ['-xzf', tgz, '-C', tmp, 'package/bin/node'], { stdio: ['ignore', 'ignore', 'pipe'] });
    chmodSync(join(tmp, 'package/bin/node'), 0o755);
    renameSync(join(tmp, 'package/bin/node'), dest);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

// pkg --sea looks for node-v<ver>-linux-<pkgarch>.tar.gz in $HOME/.pkg-cache/sea and
// downloads it from the Node.js download site otherwise (unreachable here). With the archive, its
// extracted bin/node and both ".ok" sentinels present, pkg uses our verified binary. Parallel
// fetches may seed the same entry, so every file lands by rename.
/** @param {string} node @param {string} version @param {string} pkgArch */
function seedPkgCache(node, version, pkgArch) {
  const sea = join(CACHE, 'pkg-home/.pkg-cache/sea');
  const base = `node-v${version}-linux-${pkgArch}`;
  const bin = join(sea, base, 'bin/node');
  const tmp = `.tmp-${process.pid}`;
  mkdirSync(dirname(bin), { recursive: true });
  rmSync(`${bin}${tmp}`, { force: true });
  linkSync(node, `${bin}${tmp}`);
  renameSync(`${bin}${tmp}`, bin);
  writeFileSync(`${bin}.ok`, '');
  // A real archive of the same binary (plain tar; pkg's extractor detects compression),
  // so pkg re-extracting after a lost sentinel still gets the verified binary.
  const archive = join(sea, `${base}.tar.gz`);
  execFileSync('tar', ['-cf', `${archive}${tmp}`, '-C', sea, `${base}/bin/node`]);
  renameSync(`${archive}${tmp}`, archive);
  writeFileSync(`${archive}.ok`, '');
}

/** @param {string} v */
const semver = (v) => v.split('.').map(Number);
/** @param {string} a @param {string} b */
const newer = (a, b) => semver(a).reduce((r, x, i) => r || x - (semver(b)[i] ?? 0), 0);

// Releases of NAME on npm matching SPEC (a line "24", "24.22" or a release "24.22.3").
/** @param {string} name @param {string} spec @returns {string[]} */
function releases(name, spec) {
  if (!/^\d+(\.\d+){0,2}$/.test(spec)) fail(`Node version '${spec}' is not a line or release (e.g. 24, 24.22 or 24.22.3)`);
  const range = spec.split('.').length === 3 ? spec : `${spec}.x`;
  const out = npm(['view', `${name}@${range}`, 'version', '--json'], { none404: true }).trim();
  const got = out ? JSON.parse(out) : [];
  return (Array.isArray(got) ? got : [got]).filter((/** @type {unknown} */ v) => typeof v === 'string' && /^\d+\.\d+\.\d+$/.test(v)).sort(newer);
}

// { package, version, integrity } of the newest NAME release matching SPEC.
/** @param {string} name @param {string} spec @param {string} what @returns {NpmPin} */
function pin(name, spec, what) {
  const list = releases(name, spec);
  const newest = list.pop();
  if (!newest) {
    return fail(`${what}: npm publishes no ${name} matching ${spec} (newest there: ${npm(['view', name, 'version']).trim() || 'none'})`);
  }
  const integrity = npm(['view', `${name}@${newest}`, 'dist.integrity']).trim();
  if (!integrity) fail(`${name}@${newest} has no dist.integrity on npm`);
  return { package: name, version: newest, integrity };
}

// Pins the Debian Node packages for ROW from the base lock's release: { source, version, snapshot, debs }.
/** @param {ArchRow} row @param {string | undefined} spec @param {string} what @param {NodeDeb[]} [current] @returns {Promise<ArchEntry>} */
async function pinDebian(row, spec, what, current) {
  const { release } = readBaseLockFile(BASE_LOCK, fail);
  try {
    const { version, debs } = await pinNode(row, release, spec, sources(), (l) => console.error(l), current);
    return { source: 'debian', version, snapshot: snapshotStamp(), debs };
  } catch (e) {
    return fail(`${what}: ${e instanceof Error ? e.message : String(e)}`);
  }
}

const LOCK_COMMENT = [
  'Node.js runtime per arch: arches (keyed by Makefile ARCH) is the runtime each bin/<arch>/exechealthz embeds, with its source.',
  'source npm: the npm package (integrity: npm SRI of its tarball, checked on every fetch); blobBy, when present, the Node that makes that',
  'arch\'s SEA blob (a blob is read only by the exact Node version that made it, and its layout depends on word size and byte order: arches',
  'whose blob column in build/arches.tsv is pkg take the host\'s Node of the same version, which runs here; blob self makes its own under QEMU).',
  'source debian: Debian\'s nodejs (role launcher: /usr/bin/node, which with the blob becomes the executable) and libnode (role library:',
  'the runtime, in the arch\'s base rootfs with its SEA fuse set), pinned as the index of the release images/base/packages.lock.json names gives them (make lock moves them).',
  'pkgHost runs pkg (>= 22); compare is the host\'s Node of the oldest release an arch can embed (its pin, or from npm), for make bench and the hostile suite.',
  'Refresh: make node-lock (every arch to the newest release of its own line, from its own source); NODE_VERSION=24 or 24.22.3 for',
  'every npm arch, NODE_VERSION_<arch>=... for one, NODE_SOURCE_<arch>=npm|debian to switch. This comment is kept by the refresh.',
].join(' ');

async function refresh() {
  /** @type {Partial<Lock>} */
  const old = existsSync(LOCK) ? readLock() : {};
  /** @type {Record<string, string>} */
  const perArch = {};
  for (const kv of values['arch-version']) {
    const [a = '', v] = kv.split('=');
    archRow(a);
    if (v) perArch[a] = v;
  }
  /** @type {Record<string, string>} */
  const sources = {};
  for (const kv of values['arch-source']) {
    const [a = '', v] = kv.split('=');
    archRow(a);
    if (v && !['npm', 'debian'].includes(v)) fail(`NODE_SOURCE_${a}=${v}: the source must be npm or debian`);
    if (v) sources[a] = v;
  }
  /** @type {Lock} */
  const lock = { comment: old.comment || LOCK_COMMENT, arches: {} };
  const host = hostRow();
  const hostNode = `node-linux-${host.node}`;
  for (const row of archRows()) {
    const name = `node-linux-${row.node}`;
    const oldEntry = old.arches?.[row.make];
    if ((sources[row.make] || oldEntry?.source || 'npm') === 'debian') {
      const spec = perArch[row.make];
      const entry = await pinDebian(row, spec, `${spec ? `NODE_VERSION_${row.make}=${spec}` : 'node-lock'} for ${row.make}`, oldEntry?.source === 'debian' ? oldEntry.debs : undefined);
      entry.why = oldEntry?.source === 'debian' && oldEntry.why ? oldEntry.why : `Debian's security-supported Node (npm publishes nothing newer than 20.11.0 for ${row.node})`;
      lock.arches[row.make] = entry;
      continue;
    }
    const current = old.arches?.[row.make]?.version || old.version;
    const spec = perArch[row.make] || values['node-version'] || (current && current.split('.')[0]) ||
      fail(`no Node line for ${row.make}: give NODE_VERSION or NODE_VERSION_${row.make}`);
    /** @type {ArchEntry} */
    const entry = pin(name, spec, `NODE_VERSION${perArch[row.make] ? `_${row.make}` : ''}=${spec} for ${row.make}`);
    const newestAny = npm(['view', name, 'version']).trim();
    entry.source = 'npm';
    entry.why = newestAny === entry.version
      ? `newest ${name} on npm (npm publishes nothing newer for ${row.node})`
      : `newest ${semver(entry.version)[0]}.x release of ${name} on npm`;
    if (row.blob === 'pkg' && row.make !== host.make) {
      // pkg makes the blob of another arch with the host's Node of the same version.
      entry.blobBy = pin(hostNode, entry.version, `the ${host.make} Node ${entry.version} that makes ${row.make}'s SEA blob`);
    }
    lock.arches[row.make] = entry;
  }
  lock.pkgHost = pin(hostNode, values['pkg-host-major'], 'pkg host');
  // The oldest Node an arch can embed: its pin, or for an arch on Debian's Node the newest its
  // npm package offers (what NODE_SOURCE_<arch>=npm gives, 20.11.0 for each of them today), so
  // the bench and the hostile suite keep showing the line whose HTTP-layer gaps the service
  // has to cover by itself.
  const candidates = archRows().flatMap((row) => {
    const e = lock.arches[row.make];
    return e?.source === 'debian' ? [e.version, npm(['view', `node-linux-${row.node}`, 'version']).trim()] : [e?.version ?? ''];
  }).filter(Boolean);
  const oldest = candidates.sort(newer)[0] ?? fail('build/arches.tsv lists no arch');
  lock.compare = pin(hostNode, oldest, `the ${host.make} Node ${oldest} make bench compares with`);
  writeLock(LOCK, lock);
  const summary = Object.entries(lock.arches).map(([a, e]) => `${a} ${e.version}`).join(', ');
  console.log(`wrote build/node.lock.json: ${summary}; pkg host ${lock.pkgHost.version}; bench compares with ${lock.compare.version}`);
}

// Extracts ENTRY's Node to .cache/node/<version>/<dir>/node; returns its path.
/** @param {{ package?: string, version: string, integrity?: string }} entry @param {string} dir */
function fetchTo(entry, dir) {
  const dest = resolve(CACHE, `node/${entry.version}/${dir}/node`);
  extractNode(tarball(entry), dest);
  return dest;
}

// Debian's launcher -> .cache/node/<ver>/<arch>/node and its libnode -> .../lib/, atomically.
/** @param {ArchRow} row */
async function fetchDebian(row) {
  const node = readNodeLock(LOCK, row, fail);
  if (node.source !== 'debian') return fail(`build/node.lock.json does not take ${row.make}'s Node from Debian`);
  /** @type {Record<string, string>} */
  const debs = {};
  try {
    for (const d of node.debs) debs[d.role] = await fetchDeb(d, node.snapshot, sources(), (l) => console.error(l));
  } catch (e) {
    return fail(e instanceof Miss ? e.message : String(e));
  }
  if (!debs.launcher || !debs.library) fail(`build/node.lock.json: ${row.make} needs a launcher and a library package`);
  const dir = resolve(CACHE, `node/${node.version}/${row.make}`);
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(`${tmp}/x`, { recursive: true });
  try {
    for (const deb of [debs.launcher, debs.library]) execFileSync('dpkg-deb', ['-x', deb, `${tmp}/x`]);
    const launcher = join(tmp, 'x/usr/bin/node');
    if (!existsSync(launcher)) fail(`${debs.launcher} has no usr/bin/node`);
    renameSync(launcher, join(tmp, 'node'));
    renameSync(join(tmp, 'x/usr/lib', row.triplet), join(tmp, 'lib'));
    rmSync(join(tmp, 'x'), { recursive: true, force: true });
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dirname(dir), { recursive: true });
    renameSync(tmp, dir);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
  console.log(`node ${node.version} for ${row.make}: ${dir.slice(ROOT.length + 1)}/node (Debian ${node.release} ${node.debs.map((d) => `${d.package} ${d.version}`).join(', ')})`);
}

if (values.refresh) {
  await refresh();
} else if (values['pkg-host']) {
  const entry = readLock().pkgHost || fail('build/node.lock.json has no pkgHost entry; run: make node-lock');
  const dest = join(CACHE, 'node/pkg-host/node');
  extractNode(tarball(entry), dest);
  console.log(`pkg host node: ${dest.slice(ROOT.length + 1)} (${entry.package}@${entry.version})`);
} else if (values.compare) {
  const entry = readLock().compare || fail('build/node.lock.json has no compare entry; run: make node-lock');
  const host = hostRow();
  const dest = fetchTo(entry, host.make);
  seedPkgCache(dest, entry.version, host.pkg);
  console.log(`node ${entry.version} for ${host.make} (bench comparison): ${dest.slice(ROOT.length + 1)} (${entry.package})`);
} else if (values.arch) {
  const row = archRow(values.arch);
  const lock = readLock();
  const entry = lock.arches?.[row.make] || fail(`build/node.lock.json has no entry for ${row.make}; run: make node-lock`);
  if (values['node-version'] && values['node-version'] !== entry.version) {
    fail(`Node ${values['node-version']} was asked for ${row.make} but build/node.lock.json pins ${entry.version}; run: make node-lock NODE_VERSION_${row.make}=${values['node-version']}`);
  }
  if (entry.source === 'debian') {
    await fetchDebian(row);
    process.exit(0);
  }
  const dest = fetchTo(entry, row.make);
  seedPkgCache(dest, entry.version, row.pkg);
  if (entry.blobBy) {
    if (entry.blobBy.version !== entry.version) fail(`build/node.lock.json: ${row.make}'s blobBy is Node ${entry.blobBy.version}, not its own ${entry.version}; run: make node-lock`);
    // Left alone when present (it is only ever written from a verified tarball), so fetching
    // one arch does not make the host arch's executable look out of date.
    const host = hostRow();
    const own = resolve(CACHE, `node/${entry.blobBy.version}/${host.make}/node`);
    seedPkgCache(existsSync(own) ? own : fetchTo(entry.blobBy, host.make), entry.blobBy.version, host.pkg);
  }
  console.log(`node ${entry.version} for ${row.make}: ${dest.slice(ROOT.length + 1)} (${entry.package}${entry.blobBy ? `; blob by ${entry.blobBy.package}@${entry.blobBy.version}` : ''})`);
} else {
  fail('usage: node-fetch.mjs --arch ARCH | --pkg-host | --compare | --refresh [--node-version V] [--arch-version ARCH=V]');
}
