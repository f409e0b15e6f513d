// Releases are repeatable: the same bundle gives a byte-identical executable wherever the
// checkout lives (the SEA blob would otherwise record the bundle's absolute path).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BUNDLE, ROOT } from '../helpers/service';
import { requireFile } from '../helpers/arches';
import { nodeBinary } from '../helpers/node-lock';

const dir = mkdtempSync(join(tmpdir(), 'exechealthz-repro-'));
after(() => rmSync(dir, { recursive: true, force: true }));

describe('executables are reproducible', () => {
  it('the same bundle in two different checkouts gives byte-identical amd64 executables', () => {
    requireFile(BUNDLE, 'make bundle');
    const node = nodeBinary('amd64');
    requireFile(node, 'make node-fetch');
    const digests = ['checkout-a/dist', 'elsewhere/b/dist'].map((sub) => {
      mkdirSync(join(dir, sub), { recursive: true });
      const bundle = join(dir, sub, 'exechealthz.cjs');
      copyFileSync(BUNDLE, bundle);
      const out = join(dir, sub, 'exechealthz');
      const r = spawnSync('node', ['build/executable.mjs', '--arch', 'amd64', '--bundle', bundle, '--node', node, '--out', out], {
        cwd: ROOT,
        encoding: 'utf8',
        timeout: 180_000,
      });
      assert.equal(r.status, 0, r.stderr);
      return createHash('sha256').update(readFileSync(out)).digest('hex');
    });
    assert.equal(digests[0], digests[1]);
  });
});
