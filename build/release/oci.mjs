// Pure logic of build/release.mjs: the index annotations, what a registry tag holds in one
// phrase, and the decisions push-legacy and push-manifest take over what is already there.
// No I/O here but one read of build/arches.tsv (its platform column, the spelling platforms
// are compared in): the callers fetch manifests and configs and hand them in.
import { archRows } from '../lib.mjs';

/** @typedef {{ os?: string, architecture?: string, variant?: string }} Platform */
/** @typedef {{ digest: string, platform?: Platform, mediaType?: string }} Descriptor */
/** @typedef {{ mediaType?: string, manifests?: Descriptor[] }} Manifest A manifest or an index, as the registry returned it. */
/**
 * What a registry tag holds.
 * @typedef {{ kind: 'none', digest?: undefined, raw?: undefined } | { kind: 'index', digest: string, raw: Manifest } | { kind: 'image', digest: string, raw: Manifest, platform?: string }} Held
 */

/** @type {ReadonlySet<string | undefined>} */
export const INDEX_MEDIA_TYPES = new Set([
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
]);

/**
 * The OCI annotations of the multi-arch index: the one place they are written, so an index
 * assembled after `make all-push` and one assembled from the registry are the same bytes.
 */
/** @param {{ version: string, revision: string, source: string, epoch: string }} release */
export function indexAnnotations({ version, revision, source, epoch }) {
  const created = new Date(Number(epoch) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    'org.opencontainers.image.title': 'exechealthz',
    'org.opencontainers.image.licenses': 'Apache-2.0',
    'org.opencontainers.image.version': version,
    'org.opencontainers.image.revision': revision,
    'org.opencontainers.image.created': created,
    'org.opencontainers.image.source': source,
  };
}

/** @type {Set<string> | undefined} */
let tablePlatforms;

/**
 * "os/arch[/variant]" of an image config or a descriptor's platform, as the platform column of
 * build/arches.tsv writes it: a variant that the table's platform for that os/arch leaves out
 * is the implied default one (the OCI image index spec's v8 of 64-bit ARM) and is dropped.
 * @param {Platform | undefined} p
 */
export function platformString(p) {
  if (!p || !p.os) return 'unknown';
  const full = [p.os, p.architecture, p.variant].filter(Boolean).join('/');
  const bare = [p.os, p.architecture].filter(Boolean).join('/');
  tablePlatforms ??= new Set(archRows().map((r) => r.platform));
  return p.variant && !tablePlatforms.has(full) && tablePlatforms.has(bare) ? bare : full;
}

/** @param {Manifest | undefined} raw */
export const isIndex = (raw) => INDEX_MEDIA_TYPES.has(raw?.mediaType) || Array.isArray(raw?.manifests);

/** Platforms an index lists, attestation entries (unknown/unknown) left out. */
/** @param {Manifest} raw */
export function indexPlatforms(raw) {
  return (raw.manifests || []).map((m) => platformString(m.platform)).filter((p) => p !== 'unknown/unknown');
}

/** @param {string | undefined} digest */
const short = (digest) => String(digest).slice(0, 19);

/**
 * What a tag holds, in a phrase: { kind: 'none' } | { kind: 'index', digest, raw } |
 * { kind: 'image', digest, raw, platform }.
 */
/** @param {Held} held */
export function describe(held) {
  if (held.kind === 'none') return 'nothing';
  if (held.kind === 'index') return `a multi-arch index ${short(held.digest)} of ${indexPlatforms(held.raw).join(', ') || 'no platform'}`;
  return `a single ${held.platform ?? 'unknown-platform'} image ${short(held.digest)}`;
}

/**
 * push-legacy over what `name` holds, given the digest of the image of `arch` (the table's
 * legacy row) it would push.
 * -> { action: 'push' | 'leave' | 'refuse', line }
 */
/**
 * @param {string} name
 * @param {Held} held
 * @param {string} digest
 * @param {boolean} force
 * @param {string} arch
 * @returns {{ action: 'push' | 'leave' | 'refuse', line: string }}
 */
export function legacyDecision(name, held, digest, force, arch) {
  if (held.kind === 'none') return { action: 'push', line: '' };
  if (held.kind === 'index') {
    const entry = (held.raw.manifests || []).find((m) => m.digest === digest);
    if (entry) {
      return {
        action: 'leave',
        line: `${name} is already ${describe(held)} that contains this ${arch} image ${short(digest)}; left as is (${arch} clients get this image from it)`,
      };
    }
  }
  if (held.kind === 'image' && held.digest === digest) {
    return { action: 'leave', line: `${name} already is this ${arch} image ${short(digest)}; nothing to push` };
  }
  const what = held.kind === 'index' ? `${describe(held)} without this ${arch} image ${short(digest)}` : `${describe(held)}, not this ${arch} image ${short(digest)}`;
  if (force) return { action: 'push', line: `FORCE_LEGACY=true: replacing ${what} at ${name}` };
  return { action: 'refuse', line: `refusing to replace ${name}: it holds ${what}; FORCE_LEGACY=true replaces it` };
}

/** The line push-manifest prints about what the index replaces (empty when nothing was there). */
/**
 * @param {string} name
 * @param {Held} held
 * @param {string} digest
 */
export function manifestNote(name, held, digest) {
  if (held.kind === 'none') return '';
  if (held.kind === 'index' && held.digest === digest) return `${name} already held this very index; pushed again, unchanged`;
  return `replacing ${describe(held)} at ${name} with the multi-arch index ${short(digest)}`;
}

/**
 * The images of a bake metadata file (`--metadata-file`), base images left out, in target
 * name order: [{ target, name, digest }].
 */
/** @param {Record<string, Record<string, unknown>>} meta */
export function metadataImages(meta) {
  return Object.keys(meta)
    .filter((t) => !t.startsWith('base-'))
    .sort()
    .map((t) => ({ target: t, name: String(meta[t]['image.name'] ?? ''), digest: String(meta[t]['containerimage.digest'] ?? '') }));
}
