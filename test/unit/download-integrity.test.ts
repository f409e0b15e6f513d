// The two download checks of the build refuse a file that is not the one the lock pins:
// build/node-fetch.mjs (npm SRI of the Node tarball, build/node.lock.json) and
// build/rootfs.sh (SHA-256 of each .deb, images/base/packages.lock). The "download" is a
// local stand-in for npm or apt-get placed first on PATH that hands over a tampered file,
// so no network is touched and what is checked is the script's own refusal.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../helpers/service';

const tmp = mkdtempSync(join(tmpdir(), 'download-integrity-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A directory holding one executable stand-in, `name`, running the shell script `body`. */
function fakeTool(name: string, body: string): string {
  const dir = mkdtempSync(join(tmp, `fake-${name}-`));
  const file = join(dir, name);
  writeFileSync(file, `#!/bin/sh\n${body}\n`);
  chmodSync(file, 0o755);
  return dir;
}

function oneLine(r: { status: number | null; stderr: string }, pattern: RegExp): void {
  assert.notEqual(r.status, 0, r.stderr);
  assert.equal(r.status !== null, true, 'exited, not killed');
  const lines = r.stderr.trim().split('\n').filter((l) => !/^fetching /.test(l));
  assert.equal(lines.length, 1, `one line of error, got:\n${r.stderr}`);
  assert.match(lines[0] ?? '', pattern);
  assert.doesNotMatch(r.stderr, /\n\s+at /, 'no stack trace');
}

describe('build/node-fetch.mjs refuses a Node tarball whose integrity differs from the lock', () => {
  it('fails with one line, and leaves neither the tarball nor a node binary in the cache', () => {
    // A copy of the build scripts, so the cache they write (ROOT/.cache) is a temporary one.
    const root = join(tmp, 'repo');
    mkdirSync(join(root, 'build'), { recursive: true });
    for (const f of ['node-fetch.mjs', 'lib.mjs', 'arches.tsv', 'node.lock.json']) cpSync(join(ROOT, 'build', f), join(root, 'build', f));
    const lock = JSON.parse(readFileSync(join(root, 'build', 'node.lock.json'), 'utf8')) as {
      arches: Record<string, { package: string; version: string; integrity: string }>;
    };
    const pin = lock.arches['arm64'];
    assert.ok(pin !== undefined, 'build/node.lock.json pins no arm64 Node');
    // `npm pack NAME@VERSION --pack-destination DIR` hands over a tarball of the right name
    // whose bytes are not the published ones.
    const npm = fakeTool(
      'npm',
      `[ "$1" = pack ] || exit 3
while [ $# -gt 0 ]; do [ "$1" = --pack-destination ] && dest=$2; shift; done
mkdir -p "$dest/package/bin" && printf 'not node\\n' > "$dest/package/bin/node"
tar -czf "$dest/${pin.package}-${pin.version}.tgz" -C "$dest" package && rm -r "$dest/package"`,
    );
    const r = spawnSync('node', [join(root, 'build', 'node-fetch.mjs'), '--arch', 'arm64', '--node-version', pin.version], {
      encoding: 'utf8',
      env: { ...process.env, PATH: `${npm}:${process.env['PATH'] ?? ''}` },
    });
    oneLine(r, new RegExp(`${pin.package}@${pin.version.replace(/\./g, '\\.')}: integrity sha512-.*differs from the lock's .*refusing it`));
    const cache = join(root, '.cache');
    assert.equal(existsSync(join(cache, 'npm', `${pin.package}-${pin.version}.tgz`)), false, 'the tampered tarball was not cached');
    assert.equal(existsSync(join(cache, 'node', pin.version, 'arm64', 'node')), false, 'no node binary was installed');
  });
});

describe('build/rootfs.sh refuses a .deb whose SHA-256 differs from images/base/packages.lock', () => {
  const row = readFileSync(join(ROOT, 'images', 'base', 'packages.lock'), 'utf8')
    .split('\n')
    .find((l) => l.startsWith('amd64\t'));
  const [, pkg, version, , file] = (row ?? '').split('\t');

  it('a tampered file in the cache is not used: it is fetched again, and a tampered download is refused', () => {
    assert.ok(pkg && version && file, 'images/base/packages.lock pins nothing for amd64');
    const cache = join(tmp, 'debian');
    const debs = join(cache, 'debs', 'amd64');
    mkdirSync(debs, { recursive: true });
    writeFileSync(join(debs, file), 'tampered cache entry\n');
    // apt-get: `update` leaves the index rootfs.sh looks for; `download P=V` writes a file of
    // the pinned name whose bytes are not Debian's.
    const apt = fakeTool(
      'apt-get',
      `for a in "$@"; do last=$a; case $a in Dir::State::Lists=*) lists=\${a#Dir::State::Lists=};; esac; done
case " $* " in
  *" update "*) mkdir -p "$lists" && : > "$lists/fake_dists_bookworm_main_binary-amd64_Packages";;
  *" download "*) printf 'tampered download\\n' > "${file}";;
  *) exit 3;;
esac`,
    );
    const out = join(tmp, 'rootfs-amd64');
    const r = spawnSync('bash', [join(ROOT, 'build', 'rootfs.sh'), 'amd64', out], {
      encoding: 'utf8',
      env: { ...process.env, DEB_CACHE: cache, PATH: `${apt}:${process.env['PATH'] ?? ''}` },
    });
    oneLine(r, new RegExp(`${file.replace(/[.+]/g, '\\$&')} does not match the SHA-256 pinned in images/base/packages\\.lock`));
    assert.equal(existsSync(join(debs, file)), false, 'the tampered file was removed from the cache');
    assert.equal(existsSync(out), false, 'no rootfs was made');
    assert.deepEqual(readdirSync(tmp).filter((n) => n.startsWith('rootfs-amd64.tmp')), [], 'no half-made tree left behind');
  });
});
