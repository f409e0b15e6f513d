// Re-pinning: the newest upload of the lock's Debian release, across the release's own suite,
// its -updates suite and its -security suite, whose file the archive actually serves. Never
// another release: each index is checked to be signed for the suite asked for (index.mjs).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../lib.mjs';
import { served, Miss } from './http.mjs';
import { suiteIndex } from './index.mjs';
import { poolPaths } from './fetch.mjs';
import { compareVersions } from './version.mjs';

/** @typedef {import('./lock.mjs').Deb} Deb */
/** @typedef {import('./lock.mjs').Archive} Archive */
/** @typedef {import('./sources.mjs').Sources} Sources */
/** @typedef {import('../lib.mjs').ArchRow} ArchRow */

// The Debian packages of a Debian Node, by role (Debian 13's names).
/** @type {ReadonlyArray<readonly [string, 'launcher' | 'library']>} */
export const NODE_DEBS = [['nodejs', 'launcher'], ['libnode115', 'library']];

// packages.txt: the package names of ARCH's base. Its second column limits a package to some
// arches: a Makefile ARCH, "debian-node" (every arch whose Node is Debian's) or "ARCH/npm"
// (ARCH while its Node comes from npm).
/** @param {string} arch @param {boolean} debianNode @returns {string[]} */
export function packagesFor(arch, debianNode) {
  const text = readFileSync(join(ROOT, 'images/base/packages.txt'), 'utf8');
  return text.split('\n').filter((l) => l.trim() && !l.startsWith('#')).flatMap((l) => {
    const [name = '', only] = l.split('\t');
    if (only === undefined) return [name];
    return only.trim().split(/\s+/).some((a) => a === arch || (a === 'debian-node' && debianNode) || (a === `${arch}/npm` && !debianNode)) ? [name] : [];
  });
}

/** @type {Map<string, Promise<Deb[]>>} */
const indexes = new Map();

// Every record the release's three suites list for Debian arch DA (each index read once per run).
/** @param {string} release @param {string} da @param {Sources} src @param {(l: string) => void} log @returns {Promise<Deb[]>} */
function listed(release, da, src, log) {
  const key = `${release}/${da}`;
  let p = indexes.get(key);
  if (!p) {
    /** @type {[Archive, string][]} */
    const suites = [['debian', release], ['debian', `${release}-updates`], ['debian-security', `${release}-security`]];
    p = Promise.all(suites.map(async ([archive, suite]) => {
      const mirrors = src[archive];
      if (mirrors.length === 0) throw new Miss(`no ${archive} archive to read ${suite} from (apt sources or ${archive === 'debian' ? 'DEBIAN_MIRROR' : 'DEBIAN_SECURITY_MIRROR'})`);
      const errors = [];
      for (const m of mirrors) {
        try {
          const recs = await suiteIndex(m, archive, suite, da);
          if (recs === null) {
            if (suite === release) throw new Miss(`${m}/dists/${suite}/InRelease: HTTP 404`);
            log(`warning: ${m} has no ${suite} suite; pinning without it`);
            return [];
          }
          return recs;
        } catch (e) {
          errors.push(e instanceof Error ? e.message : String(e));
        }
      }
      throw new Miss(errors.join('; '));
    })).then((lists) => lists.flat());
    indexes.set(key, p);
  }
  return p;
}

// -> the newest served record of PKG for DA; equal versions prefer the main archive, whose pool
// keeps a file the longest. CURRENT, the lock's pin, stays a candidate: a mirror can list an
// upload before its pool serves it, and the index no longer lists the upload it replaced, whose
// file the pool still serves; then the pin is kept, with a warning.
/**
 * @param {string} pkg @param {string} release @param {string} da @param {Sources} src
 * @param {(l: string) => void} log @param {Deb} [current] @returns {Promise<Deb>}
 */
export async function pinPackage(pkg, release, da, src, log, current) {
  const recs = (await listed(release, da, src, log)).filter((r) => r.package === pkg && (r.architecture === da || r.architecture === 'all'));
  if (recs.length === 0) throw new Miss(`${pkg} is in no suite of Debian ${release} for ${da}`);
  if (current && !recs.some((r) => r.sha256 === current.sha256)) recs.push(current);
  recs.sort((a, b) => compareVersions(b.version, a.version) || (a.archive === b.archive ? 0 : a.archive === 'debian' ? -1 : 1));
  for (const r of recs) {
    const pool = poolPaths(r.path);
    const urls = [...src.debian.map((m) => `${m}/${pool.debian}`), ...src['debian-security'].map((m) => `${m}/${pool.security}`)];
    for (const u of urls) {
      if (await served(u)) {
        if (r === current && r !== recs[0]) log(`warning: ${pkg} ${recs[0]?.version} (${da}) is listed but not served; kept the pinned ${r.version}, which is`);
        return r;
      }
    }
    log(`warning: ${pkg} ${r.version} (${da}) is listed in ${r.archive} but its file is not served; trying the next newest`);
  }
  throw new Miss(`no version of ${pkg} (${da}) that Debian ${release} lists is served (newest listed: ${recs[0]?.version})`);
}

// 20.19.2+dfsg-1+deb13u3 -> 20.19.2: the Node release inside a Debian version.
/** @param {string} v */
export const upstreamNode = (v) => /^(?:\d+:)?(\d+\.\d+\.\d+)/.exec(v)?.[1];

// The Node packages of a Debian-Node arch: { version, debs }, both debs of one Node release;
// SPEC (a line or release such as 20 or 20.19.2), when given, must match it.
/**
 * @param {ArchRow} row @param {string} release @param {string | undefined} spec @param {Sources} src
 * @param {(l: string) => void} log @param {Deb[]} [current]
 */
export async function pinNode(row, release, spec, src, log, current = []) {
  const debs = [];
  for (const [pkg, role] of NODE_DEBS) {
    const was = spec ? undefined : current.find((d) => d.package === pkg);
    debs.push({ ...(await pinPackage(pkg, release, row.debian, src, log, was)), role });
  }
  const version = upstreamNode(debs[0]?.version ?? '');
  if (!version || debs.some((d) => upstreamNode(d.version) !== version)) {
    throw new Miss(`Debian ${release} serves mismatched Node packages for ${row.debian}: ${debs.map((d) => `${d.package} ${d.version}`).join(', ')}`);
  }
  if (spec && !`${version}.`.startsWith(`${spec}.`)) {
    throw new Miss(`Debian ${release} serves Node ${version} for ${row.debian}, not ${spec}; choose another release with NODE_SOURCE_${row.make}=npm`);
  }
  return { version, debs };
}

// The snapshot archive's timestamp for now: what a re-lock records, so a fetch can ask a
// snapshot archive for the index state of that moment.
export const snapshotStamp = (d = new Date()) => d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
