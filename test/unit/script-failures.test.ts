// Every build, bench and provisioning script fails in one shape: one line
// `<script file>: error: <message>` on stderr, a non-zero exit (2 where the script tells usage
// errors apart), never a stack trace, for bad input it checks and for errors it did not
// expect alike.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { describe, it } from 'node:test';
import { arches } from '../helpers/arches';

const ROOT = resolve(__dirname, '../../..');
const allowed = arches().map((a) => a.make).join(' ');

function failure(cmd: string, args: string[], cwd = ROOT): { status: number | null; stderr: string } {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', env: { ...process.env, COSIGN_PASSWORD: '' } });
  return { status: r.status, stderr: r.stderr };
}

describe('script failures', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'exechealthz-scripts-'));
  writeFileSync(join(scratch, 'map.json'), '{"sources":[]}');
  const node = process.execPath;
  // [what, command, args, the one stderr line, exit status, cwd]
  const cases: [string, string, string[], string, number, string?][] = [
    ['release: unknown command', node, ['build/release.mjs', 'bogus'], "release.mjs: error: unknown command 'bogus' (use one of: stage refs bake-arches legacy manifest)", 1],
    ['release manifest: a bad epoch', node, ['build/release.mjs', 'manifest', '--prefix', 'p', '--tag', 't', '--metadata', 'm', '--epoch', 'x'], 'release.mjs: error: SOURCE_DATE_EPOCH=x is not a number of seconds', 1],
    ['release: an unknown flag', node, ['build/release.mjs', 'refs', '--bad'], "release.mjs: error: Unknown option '--bad'", 1],
    ['sign: no key', node, ['build/sign.mjs', '--prefix', 'p', '--tag', 't'], 'sign.mjs: error: no key: set COSIGN_KEY=path/to/cosign.key (make one with: cosign generate-key-pair)', 1],
    ['verify: no prefix', node, ['build/verify.mjs'], 'verify.mjs: error: --prefix and --tag are required (make verify PREFIX=... TAG=...)', 2],
    ['sbom: an unknown arch', node, ['build/sbom.mjs', '--arch', 'mips', '--out', join(scratch, 'x.json')], `sbom.mjs: error: unknown arch 'mips' (allowed: ${allowed})`, 1],
    ['sbom validate: no file', node, ['build/sbom/validate.mjs'], 'validate.mjs: error: usage: node build/sbom/validate.mjs FILE...', 1],
    ['source-url: no fallback', node, ['build/source-url.mjs'], 'source-url.mjs: error: --fallback URL is required', 2],
    // Not a checked input: package-lock.json is read as it is, and is missing from this cwd.
    [
      'sbom: an error it did not expect',
      node,
      [join(ROOT, 'build/sbom.mjs'), '--arch', 'amd64', '--out', join(scratch, 'x.json'), '--bundle-map', join(scratch, 'map.json')],
      "sbom.mjs: error: ENOENT: no such file or directory, open 'package-lock.json'",
      1,
      scratch,
    ],
    ['bundle: an unknown flag', node, ['build/bundle.mjs', '--bogus'], "bundle.mjs: error: Unknown option '--bogus'", 1],
    ['executable: an unknown arch', node, ['build/executable.mjs', '--arch', 'mips', '--node', 'x'], `executable.mjs: error: unknown arch 'mips' (allowed: ${allowed})`, 1],
    ['node-fetch: no mode', node, ['build/node-fetch.mjs'], 'node-fetch.mjs: error: usage: node-fetch.mjs --arch ARCH | --pkg-host | --compare | --refresh [--node-version V] [--arch-version ARCH=V]', 1],
    ['bench: no executable', node, ['bench/bench.mjs', '--rounds', '1'], 'bench.mjs: error: usage: node bench/bench.mjs --exe EXECUTABLE --sea-node NODE_OF_EXECUTABLE --bundle dist/exechealthz.cjs [--exe-old EXE --sea-node-old NODE] [--node NODE] [--rounds N] [--seconds S] [--cpu-seconds S] [--only sea,sea-old,bundle]', 2],
    ['bench scale: no executable', node, ['bench/scale.mjs'], "scale.mjs: error: usage: node bench/scale.mjs --exe EXECUTABLE|BUNDLE.cjs [--node NODE] [--checks 1,10,100] [--seconds 10] [--rounds 2] [--period-ms 1000] [--flags '--quiet'] [--launcher SH]", 2],
    ['rootfs: no arch', 'bash', ['build/rootfs.sh'], `rootfs.sh: error: usage: rootfs.sh ARCH [OUTDIR] (ARCH one of: ${allowed})`, 1],
    ['debian: an unknown arch', node, ['build/debian.mjs', 'lock', '--arch', 'mips'], `debian.mjs: error: unknown arch 'mips' (allowed: ${allowed})`, 1],
    ['debian: no command', node, ['build/debian.mjs'], 'debian.mjs: error: usage: debian.mjs fetch --arch ARCH [--role base|node] | lock [--arch ARCH ...] | node-pins', 1],
    ['arches: an unknown column', node, ['build/arches.mjs', 'colour'], 'arches.mjs: error: build/arches.tsv: no column "colour"', 2],
    ['arches: an unknown condition column', node, ['build/arches.mjs', 'make', 'colour=red'], 'arches.mjs: error: build/arches.tsv: no column "colour" (in colour=red)', 2],
    ['arches: no column', node, ['build/arches.mjs'], 'arches.mjs: error: usage: arches.mjs COLUMN [COLUMN=VALUE...] | --json', 2],
  ];
  // The provisioning scripts change the machine, so their one failure path, hack/lib.sh's die,
  // is run as each of them would run it (its file name is $0).
  for (const f of readdirSync(join(ROOT, 'hack')).filter((n) => n.startsWith('provision'))) {
    cases.push([`${f}: die`, 'bash', ['-c', '. hack/lib.sh && die "apt-get install x failed"', join('hack', f)], `${basename(f)}: error: apt-get install x failed`, 1]);
  }
  for (const [what, cmd, args, line, status, cwd] of cases) {
    it(what, () => {
      const r = failure(cmd, args, cwd);
      assert.equal(r.stderr, `${line}\n`);
      assert.equal(r.status, status);
    });
  }
});
