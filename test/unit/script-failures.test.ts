// The release, signing and SBOM scripts fail in one shape: one line `name: message` on
// stderr, a non-zero exit, never a stack trace, for bad input they check and for errors
// they did not expect alike.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { describe, it } from 'node:test';

const ROOT = resolve(__dirname, '../../..');

function failure(args: string[], cwd = ROOT): { status: number | null; stderr: string } {
  const r = spawnSync(process.execPath, args, { cwd, encoding: 'utf8', env: { ...process.env, COSIGN_PASSWORD: '' } });
  return { status: r.status, stderr: r.stderr };
}

describe('script failures', () => {
  const scratch = mkdtempSync(join(tmpdir(), 'exechealthz-scripts-'));
  writeFileSync(join(scratch, 'map.json'), '{"sources":[]}');
  const cases: [string, string[], string, number, string?][] = [
    ['release: unknown command', ['build/release.mjs', 'bogus'], "release: unknown command 'bogus' (use one of: stage refs legacy manifest)", 1],
    ['push-manifest: a bad epoch', ['build/release.mjs', 'manifest', '--prefix', 'p', '--tag', 't', '--metadata', 'm', '--epoch', 'x'], 'push-manifest: SOURCE_DATE_EPOCH=x is not a number of seconds', 1],
    ['release: an unknown flag', ['build/release.mjs', 'refs', '--bad'], "release: Unknown option '--bad'", 1],
    ['sign: no key', ['build/sign.mjs', '--prefix', 'p', '--tag', 't'], 'sign: no key: set COSIGN_KEY=path/to/cosign.key (make one with: cosign generate-key-pair)', 1],
    ['verify: no prefix', ['build/verify.mjs'], 'verify: --prefix and --tag are required (make verify PREFIX=... TAG=...)', 2],
    ['sbom: an unknown arch', ['build/sbom.mjs', '--arch', 'mips', '--out', join(scratch, 'x.json')], "sbom: unknown arch 'mips' (allowed: amd64 arm arm64 ppc64le)", 1],
    ['sbom-validate: no file', ['build/sbom/validate.mjs'], 'sbom-validate: usage: node build/sbom/validate.mjs FILE...', 1],
    ['source-url: no fallback', ['build/source-url.mjs'], 'source-url: --fallback URL is required', 2],
    // Not a checked input: package-lock.json is read as it is, and is missing from this cwd.
    [
      'sbom: an error it did not expect',
      [join(ROOT, 'build/sbom.mjs'), '--arch', 'amd64', '--out', join(scratch, 'x.json'), '--bundle-map', join(scratch, 'map.json')],
      "sbom: ENOENT: no such file or directory, open 'package-lock.json'",
      1,
      scratch,
    ],
  ];
  for (const [what, args, line, status, cwd] of cases) {
    it(what, () => {
      const r = failure(args, cwd);
      assert.equal(r.stderr, `${line}\n`);
      assert.equal(r.status, status);
    });
  }
});
