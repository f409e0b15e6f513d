// `make all`, `make test` and `make provision` run hack/provision.sh as root: before it
// installs or starts anything, its first line says what it will install and start.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/service';

describe('hack/provision.sh', () => {
  it('says first, in one line, what it installs and starts as root', () => {
    // A copy with no provision-*.sh parts: the script says its line, then fails at its first part.
    const dir = mkdtempSync(join(tmpdir(), 'provision-'));
    try {
      mkdirSync(join(dir, 'hack'));
      for (const f of ['provision.sh', 'lib.sh']) copyFileSync(join(ROOT, 'hack', f), join(dir, 'hack', f));
      const r = spawnSync('bash', [join(dir, 'hack', 'provision.sh')], { encoding: 'utf8', timeout: 10_000 });
      const first = r.stderr.split('\n')[0] ?? '';
      assert.match(first, /^\[provision\] as root, /, `first line: ${first}`);
      for (const what of [/docker\.io/, /docker-buildx/, /qemu-user-static/, /binfmt/, /registry on 127\.0\.0\.1:5000/, /dockerd/, /cosign/, /npm packages/]) {
        assert.match(first, what);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
