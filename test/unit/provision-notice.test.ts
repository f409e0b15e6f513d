// `make all`, `make test` and `make provision` run hack/provision.sh as root: before it
// installs or starts anything, its first line says what it will install and start.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/service';

describe('hack/provision.sh', () => {
  it('says first, in one line, what it installs and starts as root', () => {
    // A copy of the script and its parts, told to stop after the notice (it installs nothing).
    const dir = mkdtempSync(join(tmpdir(), 'provision-'));
    try {
      mkdirSync(join(dir, 'hack'));
      for (const f of readdirSync(join(ROOT, 'hack'))) copyFileSync(join(ROOT, 'hack', f), join(dir, 'hack', f));
      const r = spawnSync('bash', [join(dir, 'hack', 'provision.sh')], { encoding: 'utf8', timeout: 10_000, env: { ...process.env, PROVISION_NOTICE_ONLY: '1' } });
      assert.equal(r.status, 0, r.stderr);
      const first = r.stderr.split('\n')[0] ?? '';
      assert.match(first, /^\[provision\] as root, /, `first line: ${first}`);
      for (const what of [/docker\.io/, /docker-buildx/, /qemu-user-static/, /binfmt/, /registry on 127\.0\.0\.1:5000/, /dockerd/, /cosign/, /npm packages/]) {
        assert.match(first, what);
      }
      // Every package a part installs is named, whatever part it is in.
      for (const pkg of ['prometheus', 'gpgv', 'dpkg-dev', 'skopeo', 'python3-yaml']) assert.ok(first.includes(` ${pkg}`), `${pkg} not in: ${first}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
