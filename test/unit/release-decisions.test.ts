// build/release/oci.mjs, the pure part of push-legacy and push-manifest: what each does over
// what the multi-arch name holds, and the index annotations both ways of push-manifest share.
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { before, it } from 'node:test';

interface Held { kind: 'none' | 'index' | 'image'; digest?: string; raw?: unknown; platform?: string }
interface Decision { action: 'push' | 'leave' | 'refuse'; line: string }
interface Oci {
  legacyDecision(name: string, held: Held, digest: string, force: boolean, arch: string): Decision;
  manifestNote(name: string, held: Held, digest: string): string;
  indexAnnotations(v: { version: string; revision: string; source: string; epoch: string }): Record<string, string>;
  platformString(p: { os?: string; architecture?: string; variant?: string }): string;
}

// The build scripts are ES modules; this suite compiles to CommonJS, whose require() cannot load them.
const importEsm = new Function('u', 'return import(u)') as (u: string) => Promise<Oci>;
let oci: Oci;
before(async () => {
  oci = await importEsm(pathToFileURL(resolve(__dirname, '../../../build/release/oci.mjs')).href);
});

const NAME = 'reg.example/team/exechealthz:1.0';
const d = (c: string): string => `sha256:${c.repeat(64)}`;
const index = (...entries: [string, string][]): Held => ({
  kind: 'index',
  digest: d('f'),
  raw: {
    mediaType: 'application/vnd.oci.image.index.v1+json',
    manifests: entries.map(([digest, p]) => {
      const [os, architecture, variant] = p.split('/');
      return { digest, platform: variant ? { os, architecture, variant } : { os, architecture } };
    }),
  },
});

it('push-legacy pushes onto an empty name', () => {
  assert.deepEqual(oci.legacyDecision(NAME, { kind: 'none' }, d('a'), false, 'amd64'), { action: 'push', line: '' });
});

it('push-legacy leaves an index that lists its very image', () => {
  const r = oci.legacyDecision(NAME, index([d('a'), 'linux/amd64'], [d('b'), 'linux/arm64']), d('a'), false, 'amd64');
  assert.equal(r.action, 'leave');
  assert.match(r.line, /is already a multi-arch index sha256:ffff\S* of linux\/amd64, linux\/arm64 that contains this amd64 image sha256:aaaa/);
});

it('push-legacy refuses an index without its image, unless forced', () => {
  const held = index([d('c'), 'linux/amd64'], [d('b'), 'linux/arm64']);
  const r = oci.legacyDecision(NAME, held, d('a'), false, 'amd64');
  assert.equal(r.action, 'refuse');
  assert.match(r.line, /^refusing to replace reg\.example\/team\/exechealthz:1\.0: it holds a multi-arch index .* without this amd64 image .*; FORCE_LEGACY=true replaces it$/);
  assert.equal(oci.legacyDecision(NAME, held, d('a'), true, 'amd64').action, 'push');
});

it('push-legacy leaves its very image and refuses another single image, naming its platform', () => {
  assert.equal(oci.legacyDecision(NAME, { kind: 'image', digest: d('a'), platform: 'linux/amd64' }, d('a'), false, 'amd64').action, 'leave');
  const r = oci.legacyDecision(NAME, { kind: 'image', digest: d('b'), platform: 'linux/arm64' }, d('a'), false, 'amd64');
  assert.equal(r.action, 'refuse');
  assert.match(r.line, /it holds a single linux\/arm64 image sha256:bbbb/);
});

it('push-manifest says what it replaces, and nothing over an empty name', () => {
  assert.equal(oci.manifestNote(NAME, { kind: 'none' }, d('a')), '');
  assert.match(oci.manifestNote(NAME, { kind: 'image', digest: d('b'), platform: 'linux/amd64' }, d('a')), /^replacing a single linux\/amd64 image sha256:bbbb\S* at .* with the multi-arch index sha256:aaaa/);
  assert.match(oci.manifestNote(NAME, index([d('a'), 'linux/amd64']), d('f')), /already held this very index/);
});

it('index annotations: created is SOURCE_DATE_EPOCH in RFC 3339, one fixed set of keys', () => {
  const a = oci.indexAnnotations({ version: '1.0', revision: 'abc', source: 'https://example.org/x', epoch: '1700000000' });
  assert.deepEqual(Object.keys(a).sort(), ['created', 'licenses', 'revision', 'source', 'title', 'version'].map((k) => `org.opencontainers.image.${k}`));
  assert.equal(a['org.opencontainers.image.created'], '2023-11-14T22:13:20Z');
});

it("platforms compare as the arch table writes them (arm64's v8 variant is implied)", () => {
  assert.equal(oci.platformString({ os: 'linux', architecture: 'arm', variant: 'v7' }), 'linux/arm/v7');
  assert.equal(oci.platformString({ os: 'linux', architecture: 'arm64', variant: 'v8' }), 'linux/arm64');
  assert.equal(oci.platformString({ os: 'linux', architecture: 'ppc64le' }), 'linux/ppc64le');
});
