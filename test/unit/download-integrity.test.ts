// build/node-fetch.mjs refuses a Node tarball that is not the one build/node.lock.json pins
// (npm SRI). The "download" is a local stand-in for npm placed first on PATH that hands over a
// tampered file, so no network is touched and what is checked is the script's own refusal.
// The .deb side (size and SHA-256 from every source) is test/unit/debian-archive.test.ts.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
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
    cpSync(join(ROOT, 'build'), join(root, 'build'), { recursive: true });
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
