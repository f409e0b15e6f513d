// What a release engineer sees from the build targets: a bad ARCH stops at once with one
// line naming the allowed arches, the build scripts answer bad input the same way (no
// stack trace), and a second build with nothing changed has nothing to do.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { ROOT } from '../helpers/service';
import { arches, requireFile } from '../helpers/arches';

function run(cmd: string, args: string[]): { code: number | null; stdout: string; stderr: string } {
  // As typed in a fresh shell: no MAKEFLAGS (jobserver, overrides) from a `make test` above.
  const env = { ...process.env };
  for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES']) delete env[k];
  const r = spawnSync(cmd, args, { cwd: ROOT, encoding: 'utf8', timeout: 60_000, env });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

const allowed = arches().map((a) => a.make);

describe('build targets and scripts: bad input', () => {
  it('make build ARCH=mips fails with one line naming the allowed arches', () => {
    const r = run('make', ['--no-print-directory', 'build', 'ARCH=mips']);
    assert.notEqual(r.code, 0);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trimEnd().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0] ?? '', new RegExp(`ARCH=mips is not supported; use one of: ${allowed.join(' ')}`));
  });

  for (const [what, cmd, args] of [
    ['executable.mjs', 'node', ['build/executable.mjs', '--arch', 'mips', '--node', 'x']],
    ['node-fetch.mjs', 'node', ['build/node-fetch.mjs', '--arch', 'mips']],
    ['rootfs.sh', 'bash', ['build/rootfs.sh', 'mips']],
  ] as const) {
    it(`${what} with an unknown arch: exit 1, one line naming the allowed arches, nothing written`, () => {
      const r = run(cmd, [...args]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `${what}: error: unknown ${what === 'rootfs.sh' ? 'ARCH' : 'arch'} 'mips' (allowed: ${allowed.join(' ')})\n`);
    });
  }

  it('executable.mjs with an unknown option: one line, no stack trace', () => {
    const r = run('node', ['build/executable.mjs', '--bogus']);
    assert.equal(r.code, 1);
    assert.equal(r.stderr.trimEnd().split('\n').length, 1, r.stderr);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
  });
});

describe('build targets: real dependencies', () => {
  it('with nothing changed, every executable is up to date (make -q)', () => {
    for (const a of arches()) requireFile(a.executable, 'make all-build');
    const r = run('make', ['-q', ...arches().map((a) => `bin/${a.make}/exechealthz`)]);
    assert.equal(r.code, 0, `make would rebuild: ${run('make', ['-n', ...arches().map((a) => `bin/${a.make}/exechealthz`)]).stdout}`);
  });
});

describe('the arch table decides the arches', () => {
  it('a table with two legacy rows stops make at once, in one line, before any target', () => {
    const dir = mkdtempSync(join(tmpdir(), 'make-table-'));
    try {
      for (const f of ['Makefile', 'build/arches.mjs', 'build/lib.mjs']) cpSync(join(ROOT, f), join(dir, f));
      const table = readFileSync(join(ROOT, 'build/arches.tsv'), 'utf8').split('\n');
      // Every row says legacy "yes".
      writeFileSync(join(dir, 'build/arches.tsv'), table.map((l) => (l.startsWith('#') || l === '' ? l : l.replace(/\tno$/, '\tyes'))).join('\n'));
      const r = spawnSync('make', ['--no-print-directory', '-C', dir, 'help'], { encoding: 'utf8', timeout: 60_000 });
      assert.notEqual(r.status, 0);
      assert.equal(r.stdout, '');
      assert.match(r.stderr, new RegExp(`^Makefile:\\d+: \\*\\*\\* build/arches.tsv has ${arches().length} rows with legacy "yes", not one\\.  Stop\\.\n$`));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('make reads, it does not write, until a target needs it', () => {
  it('make help and make -n build write no file (no stamps made while make parses)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'make-parse-'));
    try {
      // The tracked files, as a fresh clone has them: no dist/, no .cache/.
      const tracked = spawnSync('git', ['ls-files', '-z'], { cwd: ROOT, encoding: 'utf8' }).stdout.split('\0').filter((f) => f !== '');
      assert.ok(tracked.includes('Makefile'), 'git ls-files lists the Makefile');
      for (const f of tracked) cpSync(join(ROOT, f), join(dir, f), { recursive: true });
      const listing = (): string[] => readdirSync(dir, { recursive: true, encoding: 'utf8' }).sort();
      const before = listing();
      for (const args of [['help'], ['-n', 'build'], ['-n', 'rootfs'], ['version']]) {
        const env = { ...process.env };
        for (const k of ['MAKEFLAGS', 'MFLAGS', 'MAKELEVEL', 'MAKEOVERRIDES']) delete env[k];
        const r = spawnSync('make', ['--no-print-directory', '-C', dir, ...args], { encoding: 'utf8', timeout: 60_000, env });
        assert.equal(r.status, 0, `make ${args.join(' ')}: ${r.stderr}`);
      }
      assert.deepEqual(listing(), before);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('image staging (build/release.mjs stage): bad input', () => {
  for (const [args, says] of [
    [['--arch', 'mips', '--epoch', '1', '--context-dir', 'x', '--executable', 'x', '--sbom', 'x'], `release.mjs: error: unknown arch 'mips' (allowed: ${allowed.join(' ')})`],
    [['--arch', 'arm64', '--epoch', 'yesterday', '--context-dir', 'x', '--executable', 'x', '--sbom', 'x'], 'release.mjs: error: SOURCE_DATE_EPOCH=yesterday is not a number of seconds'],
    [['--arch', 'arm64', '--epoch', '1', '--context-dir', '.cache/never', '--executable', 'bin/none/exechealthz', '--sbom', 'x'], 'release.mjs: error: bin/none/exechealthz is missing'],
  ] as const) {
    it(`stage ${args.slice(0, 4).join(' ')}: exit 1 with "${says}", nothing staged`, () => {
      const r = run('node', ['build/release.mjs', 'stage', ...args]);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `${says}\n`);
      assert.equal(existsSync(join(ROOT, '.cache/never')), false);
    });
  }
});

describe('image staging: BASEIMAGE and an arch whose Node is Debian\'s libnode', () => {
  const lock = JSON.parse(readFileSync(join(ROOT, 'build/node.lock.json'), 'utf8')) as { arches: Record<string, { source?: string }> };
  for (const [a] of Object.entries(lock.arches).filter(([, e]) => e.source === 'debian')) {
    it(`stage --arch ${a} without its rootfs (BASEIMAGE set): refused in one line, nothing staged`, () => {
      const r = run('node', ['build/release.mjs', 'stage', '--arch', a, '--epoch', '1', '--context-dir', '.cache/never', '--executable', 'x', '--sbom', 'x']);
      assert.equal(r.code, 1);
      assert.equal(r.stderr, `release.mjs: error: BASEIMAGE cannot be used for ${a}: its executable is a launcher for the libnode of its own base (build/node.lock.json, source debian)\n`);
      assert.equal(existsSync(join(ROOT, '.cache/never')), false);
    });
  }
});
