// build/source-url.mjs as make runs it: which git remotes become the image's source label and
// which fall back to the default (a path, file://, a dotless ssh alias: nothing local is ever
// published, and no credentials).
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { it } from 'node:test';

const ROOT = resolve(__dirname, '../../..');
const FALLBACK = 'https://fallback.example/exec-healthz';

function label(remote: string): string {
  const r = spawnSync('node', ['build/source-url.mjs', '--remote', remote, '--fallback', FALLBACK], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stderr, '');
  return r.stdout.replace(/\n$/, '');
}

const cases: [string, string][] = [
  ['https://example.org/team/exechealthz', 'https://example.org/team/exechealthz'],
  ['https://example.org/team/exechealthz.git', 'https://example.org/team/exechealthz'],
  ['https://example.org/team/exechealthz.git/', 'https://example.org/team/exechealthz'],
  ['https://ci:s3cret@example.org/team/exechealthz.git', 'https://example.org/team/exechealthz'],
  ['http://git.example.org/exechealthz', 'http://git.example.org/exechealthz'],
  ['git@example.org:team/exechealthz.git', 'https://example.org/team/exechealthz'],
  ['example.org:team/exechealthz', 'https://example.org/team/exechealthz'],
  ['ssh://git@example.org:2222/team/exechealthz.git', 'https://example.org/team/exechealthz'],
  ['git://example.org/team/exechealthz.git', 'https://example.org/team/exechealthz'],
  ['HTTPS://Example.ORG/Team/Repo', 'https://example.org/Team/Repo'],
  ['/work/checkouts/exechealthz', FALLBACK],
  ['../exechealthz', FALLBACK],
  ['exechealthz', FALLBACK],
  ['file:///work/checkouts/exechealthz', FALLBACK],
  ['C:\\src\\exechealthz', FALLBACK],
  ['gitserver:team/exechealthz', FALLBACK],
  ['ftp://example.org/team/exechealthz', FALLBACK],
  ['https://example.org', FALLBACK],
  ['', FALLBACK],
];

for (const [remote, want] of cases) {
  it(`origin ${JSON.stringify(remote)} -> ${want === FALLBACK ? 'the fallback' : want}`, () => {
    assert.equal(label(remote), want);
  });
}

it('no --fallback is one line and exit 2', () => {
  const r = spawnSync('node', ['build/source-url.mjs', '--remote', 'x'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(r.status, 2);
  assert.equal(r.stderr, 'source-url.mjs: error: --fallback URL is required\n');
});
