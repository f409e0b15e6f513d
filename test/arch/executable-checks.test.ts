// pkg can exit 0 without writing a target, or write the wrong thing; build/executable.mjs
// must then fail and leave the previous executable exactly as it was. A stand-in for pkg
// (a script given as --pkg-host) plays each failure; the checks that catch it are real.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ROOT } from '../helpers/service';
import { arches, requireFile } from '../helpers/arches';
import { nodeBinary } from '../helpers/node-lock';

const dir = mkdtempSync(join(tmpdir(), 'exechealthz-checks-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const amd64 = arches().find((a) => a.make === 'amd64');
const arm64 = arches().find((a) => a.make === 'arm64');
const nodeOf = nodeBinary;

/** Runs executable.mjs for amd64 with a fake pkg whose action on its -o file is `action`. */
function buildWithFakePkg(name: string, action: string): { code: number | null; stderr: string; outDir: string } {
  const fake = join(dir, `${name}.sh`);
  writeFileSync(fake, `#!/bin/sh\nwhile [ $# -gt 0 ]; do [ "$1" = -o ] && out="$2"; shift; done\n${action}\n`);
  chmodSync(fake, 0o755);
  const outDir = join(dir, name);
  const out = join(outDir, 'exechealthz');
  spawnSync('mkdir', ['-p', outDir]);
  writeFileSync(out, 'previous build\n');
  const r = spawnSync('node', ['build/executable.mjs', '--arch', 'amd64', '--node', nodeOf('amd64'), '--pkg-host', fake, '--out', out], {
    cwd: ROOT,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { code: r.status, stderr: r.stderr, outDir };
}

function assertUntouched(outDir: string): void {
  assert.equal(readFileSync(join(outDir, 'exechealthz'), 'utf8'), 'previous build\n', 'the previous executable was changed');
  assert.deepEqual(readdirSync(outDir), ['exechealthz'], 'temporary files were left behind');
}

describe('executable.mjs: what pkg leaves is checked before it replaces anything', () => {
  it('pkg exits 0 but writes nothing: fails, previous executable kept', () => {
    requireFile(nodeOf('amd64'), 'make node-fetch');
    const r = buildWithFakePkg('nothing', 'exit 0');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /^executable\.mjs: error: pkg produced no executable for amd64 /m);
    assertUntouched(r.outDir);
  });

  it('pkg writes an executable for another arch: fails on the ELF header', () => {
    assert.ok(amd64 && arm64);
    requireFile(arm64.executable, 'make build-arm64');
    const r = buildWithFakePkg('wrong-arch', `cp '${arm64.executable}' "$out"`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, new RegExp(`wrong ELF header \\(class 64, machine ${arm64.elfMachine}; want 64, ${amd64.elfMachine}\\)`));
    assertUntouched(r.outDir);
  });

  it('pkg copies bare Node without injecting: fails, previous executable kept', () => {
    const r = buildWithFakePkg('bare', `cp '${nodeOf('amd64')}' "$out"`);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /no bigger than bare Node: nothing was injected/);
    assertUntouched(r.outDir);
  });

  it('pkg fails: its output is shown, then one line, previous executable kept', () => {
    const r = buildWithFakePkg('failing', 'echo "Error: something pkg says" >&2; exit 3');
    assert.equal(r.code, 1);
    assert.match(r.stderr, /Error: something pkg says\n.*executable\.mjs: error: .* exited 3 making amd64/s);
    assertUntouched(r.outDir);
  });
});
