// Pure logic of build/release.mjs: the index annotations, what a registry tag holds in one
// phrase, and the decisions push-legacy and push-manifest take over what is already there.
// No I/O here: the callers fetch manifests and configs and hand them in.

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

/** "os/arch[/variant]" of an image config or a descriptor's platform; arm64's "v8" is implied. */
/** @param {Platform | undefined} p */
export function platformString(p) {
  if (!p || !p.os) return 'unknown';
  const variant = p.architecture === 'arm64' && p.variant === 'v8' ? undefined : p.variant;
  return [p.os, p.architecture, variant].filter(Boolean).join('/');
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
 * push-legacy over what `name` holds, given the digest of the amd64 image it would push.
 * -> { action: 'push' | 'leave' | 'refuse', line }
 */
/**
 * @param {string} name
 * @param {Held} held
 * @param {string} digest
 * @param {boolean} force
 * @returns {{ action: 'push' | 'leave' | 'refuse', line: string }}
 */
export function legacyDecision(name, held, digest, force) {
  if (held.kind === 'none') return { action: 'push', line: '' };
  if (held.kind === 'index') {
    const entry = (held.raw.manifests || []).find((m) => m.digest === digest);
    if (entry) {
      return {
        action: 'leave',
        line: `${name} is already ${describe(held)} that contains this amd64 image ${short(digest)}; left as is (amd64 clients get this image from it)`,
      };
    }
  }
  if (held.kind === 'image' && held.digest === digest) {
    return { action: 'leave', line: `${name} already is this amd64 image ${short(digest)}; nothing to push` };
  }
  const what = held.kind === 'index' ? `${describe(held)} without this amd64 image ${short(digest)}` : `${describe(held)}, not this amd64 image ${short(digest)}`;
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
