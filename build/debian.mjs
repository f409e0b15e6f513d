#!/usr/bin/env node
// The Debian side of the build, in one program: the locks' .debs into the cache, and re-pinning.
//   fetch --arch ARCH [--role base|node]   every .deb of ARCH's base (base: the base lock's plus a
//                                          Debian Node's library) or of its Debian Node (node:
//                                          launcher and library) into .cache/debian, size and
//                                          SHA-256 checked; prints ROLE<TAB>PATH per file
//   lock [--arch ARCH ...]                 re-pin images/base/packages.lock.json and the Debian
//                                          Node packages of build/node.lock.json (every arch, or
//                                          the ones named) to the newest upload of the lock's
//                                          release that is served; prints what changed
//   node-pins                              ARCH=VERSION=SOURCE per arch of build/node.lock.json,
//                                          and compare=VERSION, on one line (for make)
// Sources, retries and time-outs: build/debian/sources.mjs and http.mjs.
import { parseArgs } from 'node:util';
import { archRow, archRows, failer } from './lib.mjs';
import { fetchDeb } from './debian/fetch.mjs';
import { Miss } from './debian/http.mjs';
import { BASE_LOCK, checkDeb, NODE_LOCK, readBaseLockFile, readNodeLock, writeLock } from './debian/lock.mjs';
import { packagesFor, pinNode, pinPackage, snapshotStamp } from './debian/pin.mjs';
import { sources } from './debian/sources.mjs';
import { readFileSync } from 'node:fs';

/** @typedef {import('./debian/lock.mjs').Deb} Deb */
/** @typedef {import('./lib.mjs').ArchRow} ArchRow */

const fail = failer(1);
// A record of the lock being re-pinned that is well-formed (a malformed one is just not kept).
/** @param {unknown} d @returns {d is Deb} */
const isDeb = (d) => {
  try {
    checkDeb(d, '', (m) => { throw new Error(m); });
    return true;
  } catch {
    return false;
  }
};
const USAGE = 'usage: debian.mjs fetch --arch ARCH [--role base|node] | lock [--arch ARCH ...] | node-pins';
const args = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { arch: { type: 'string', multiple: true }, role: { type: 'string' } } });
  } catch (e) {
    return fail(`${e instanceof Error ? e.message : String(e)}; ${USAGE}`);
  }
})();
const [command] = args.positionals;
/** @param {string} l */
const log = (l) => process.stderr.write(`${l}\n`);
/** @param {unknown} e @returns {never} */
const miss = (e) => (e instanceof Miss ? fail(e.message) : (() => { throw e; })());

if (command === 'fetch') {
  const [a, ...more] = args.values.arch ?? [];
  if (!a || more.length) fail(`fetch takes one --arch; ${USAGE}`);
  const role = args.values.role ?? 'base';
  if (role !== 'base' && role !== 'node') fail(`--role ${role}: want base or node`);
  const row = archRow(a, fail);
  const node = readNodeLock(NODE_LOCK, row, fail);
  /** @type {[string, Deb, string][]} role, record, snapshot */
  const want = [];
  if (role === 'base') {
    const pins = readBaseLockFile(BASE_LOCK, fail).arches[row.make];
    if (!pins?.debs.length) fail(`images/base/packages.lock.json pins no package for ${row.make}; run: make lock`);
    for (const d of pins.debs) want.push(['base', d, pins.snapshot]);
  }
  if (node.source === 'debian') {
    for (const d of node.debs) if (role === 'node' || d.role === 'library') want.push([d.role, d, node.snapshot]);
  } else if (role === 'node') {
    fail(`build/node.lock.json does not take ${row.make}'s Node from Debian`);
  }
  const src = sources();
  try {
    for (const [r, d, snap] of want) console.log(`${r}\t${await fetchDeb(d, snap, src, log)}`);
  } catch (e) {
    miss(e);
  }
} else if (command === 'lock') {
  const rows = args.values.arch?.length ? args.values.arch.map((a) => archRow(a, fail)) : archRows();
  const base = readBaseLockFile(BASE_LOCK, fail);
  /** @type {{ arches: Record<string, Record<string, unknown>> } & Record<string, unknown>} */
  const nodeLock = JSON.parse(readFileSync(NODE_LOCK, 'utf8'));
  const src = sources();
  const snapshot = snapshotStamp();
  const changes = [];
  let same = 0;
  /** @param {string} what @param {Deb | undefined} was @param {Deb} now */
  const note = (what, was, now) => {
    if (was?.version === now.version && was.sha256 === now.sha256 && was.path === now.path) same++;
    else changes.push(`${what} ${now.package}: ${was ? was.version : '(new)'} -> ${now.version} (${now.archive})`);
  };
  try {
    for (const row of rows) {
      // Read as written, not checked: a re-lock is how a malformed or outdated lock is mended.
      const entry = nodeLock.arches[row.make] ?? fail(`build/node.lock.json has no entry for ${row.make}; run: make node-lock`);
      const debianNode = entry.source === 'debian';
      const old = new Map((base.arches[row.make]?.debs ?? []).map((d) => [d.package, d]));
      /** @type {Deb[]} */
      const pinned = [];
      for (const pkg of packagesFor(row.make, debianNode)) {
        const d = await pinPackage(pkg, base.release, row.debian, src, log, old.get(pkg));
        note(row.make, old.get(pkg), d);
        pinned.push(d);
      }
      for (const gone of old.keys()) if (!pinned.some((d) => d.package === gone)) changes.push(`${row.make} ${gone}: removed`);
      base.arches[row.make] = { snapshot, debs: pinned };
      if (debianNode) {
        const was = Array.isArray(entry.debs) ? entry.debs.filter(isDeb) : [];
        const { version, debs } = await pinNode(row, base.release, undefined, src, log, was);
        for (const d of debs) note(`${row.make} node`, was.find((o) => o.package === d.package), d);
        const { suite: _, ...keep } = entry;
        nodeLock.arches[row.make] = { ...keep, version, snapshot, debs };
      }
      log(`pinned ${row.make} (${row.debian}, Debian ${base.release})`);
    }
  } catch (e) {
    miss(e);
  }
  // Arch order of the table; arches not re-pinned keep their rows.
  const arches = Object.fromEntries(archRows().flatMap((r) => (base.arches[r.make] ? [[r.make, base.arches[r.make]]] : [])));
  writeLock(BASE_LOCK, { comment: base.comment, release: base.release, arches });
  writeLock(NODE_LOCK, nodeLock);
  for (const c of changes) console.log(c);
  console.log(`${changes.length} changed, ${same} unchanged; wrote images/base/packages.lock.json and build/node.lock.json`);
} else if (command === 'node-pins') {
  const pins = archRows().map((row) => {
    const n = readNodeLock(NODE_LOCK, row, fail);
    return `${row.make}=${n.version}=${n.source}`;
  });
  /** @type {{ compare?: { version?: unknown } }} */
  const lock = JSON.parse(readFileSync(NODE_LOCK, 'utf8'));
  const compare = lock.compare?.version;
  if (typeof compare !== 'string') fail('build/node.lock.json has no compare entry; run: make node-lock');
  console.log([...pins, `compare=${compare}`].join(' '));
} else {
  fail(USAGE);
}
