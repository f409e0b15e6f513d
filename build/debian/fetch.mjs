// One pinned .deb into the local cache, by its pool path, never through apt's resolver. Tried in
// order, each answer checked for size and SHA-256, a 404 or a wrong file moving on to the next:
// the cache itself (content-addressed: .cache/debian/sha256/<hex>/<file>), the main archive's
// pool, the security archive's pool, the snapshot archive at the lock's timestamp (when one is
// configured), then any extra mirror. A file that a security update has superseded stays in
// one of them for long after the suite's index has dropped it.
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { basename, join } from 'node:path';
import { ROOT } from '../lib.mjs';
import { download, Miss } from './http.mjs';

/** @typedef {import('./lock.mjs').Deb} Deb */
/** @typedef {import('./sources.mjs').Sources} Sources */

export const DEB_CACHE = process.env.DEB_CACHE || join(ROOT, '.cache/debian');

// The same file's path in the other archive's pool: debian's pool/main/... is
// debian-security's pool/updates/main/..., and a security upload moves into the main pool at
// the next point release.
/** @param {string} path @returns {{ debian: string, security: string }} */
export function poolPaths(path) {
  return path.startsWith('pool/updates/')
    ? { debian: `pool/${path.slice('pool/updates/'.length)}`, security: path }
    : { debian: path, security: `pool/updates/${path.slice('pool/'.length)}` };
}

// Every URL to try for DEB, in order (the cache aside).
/** @param {Deb} deb @param {string} snapshot @param {Sources} src @returns {string[]} */
export function candidateUrls(deb, snapshot, src) {
  const p = poolPaths(deb.path);
  const urls = [
    ...src.debian.map((m) => `${m}/${p.debian}`),
    ...src['debian-security'].map((m) => `${m}/${p.security}`),
    ...(src.snapshot && snapshot ? [`${src.snapshot}/archive/${deb.archive}/${snapshot}/${deb.path}`] : []),
    ...src.extra.map((m) => `${m}/${deb.path}`),
  ];
  return [...new Set(urls)];
}

/** @param {string} file @param {Deb} deb */
function matches(file, deb) {
  if (!existsSync(file)) return false;
  const bytes = readFileSync(file);
  return bytes.length === deb.size && createHash('sha256').update(bytes).digest('hex') === deb.sha256;
}

// -> the cached file's path. Throws Miss with one line naming the file and every place tried.
/** @param {Deb} deb @param {string} snapshot @param {Sources} src @param {(line: string) => void} [log] @returns {Promise<string>} */
export async function fetchDeb(deb, snapshot, src, log = () => {}) {
  const dir = join(DEB_CACHE, 'sha256', deb.sha256);
  const file = join(dir, basename(deb.path));
  if (matches(file, deb)) return file;
  mkdirSync(dir, { recursive: true });
  const tmp = `${file}.part-${process.pid}`;
  const tried = [];
  for (const url of candidateUrls(deb, snapshot, src)) {
    try {
      await download(url, tmp, deb);
      renameSync(tmp, file);
      log(`fetched ${deb.package} ${deb.version} (${deb.architecture}) from ${url}`);
      return file;
    } catch (e) {
      tried.push(`${url} (${e instanceof Miss ? e.message : String(e)})`);
    }
  }
  if (!src.snapshot) tried.push('no snapshot archive configured (DEBIAN_SNAPSHOT)');
  throw new Miss(`no source serves ${basename(deb.path)} (${deb.package} ${deb.version}, ${deb.architecture}, SHA-256 ${deb.sha256.slice(0, 12)}...): tried ${tried.join('; ') || 'no source (no Debian mirror in the apt sources or DEBIAN_MIRROR)'}; run: make lock`);
}
