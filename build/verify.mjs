#!/usr/bin/env node
// `make verify`: checks a pushed release the way a platform team would before trusting it.
// For each arch image: the tag's current digest carries a valid cosign signature for the
// public key; its signed CycloneDX attestation names this arch, the Node version of
// build/node.lock.json and exactly the Debian packages (version + SHA-256) that
// images/base/packages.lock.json pins for it; the image config runs as 65532 with tini then
// exechealthz as entrypoint and the OCI labels set. For the index: a valid signature and
// exactly the per-arch digests above, one per platform. One verdict line per image;
// exit 1 if any fails.
import { existsSync } from 'node:fs';
import { failer, releaseFlags } from './lib.mjs';
import { readBaseDebs, readNodeLock } from './debian/lock.mjs';
import { cosignRegistryFlags, imageConfig, lastLine, requireTools, resolve, run } from './sbom/registry.mjs';

/** @type {import('./lib.mjs').Fail} */
const fail = failer(2);

/** @typedef {import('./lib.mjs').ArchRow} ArchRow */
/** @typedef {{ error?: string, note?: string }} Check An error, or a short note, or neither. */
/**
 * @typedef {{ name?: string, version?: string, purl?: string, cpe?: string,
 *   pedigree?: { ancestors?: { purl?: string }[] }, hashes?: { alg: string, content: string }[] }} BomComponent
 */
/**
 * @typedef {{ subject?: { digest?: { sha256?: string } }[], predicate?: { bomFormat?: string,
 *   metadata?: { component?: { properties?: { name: string, value: string }[] } }, components?: BomComponent[] } }} Statement
 */

const { values, prefix, tag, rows } = releaseFlags({
  pub: { type: 'string' },
  version: { type: 'string' },
  'node-lock': { type: 'string', default: 'build/node.lock.json' },
  'base-lock': { type: 'string', default: 'images/base/packages.lock.json' },
}, fail, 'verify');
const { pub } = values;
if (!pub) fail('no public key: set COSIGN_PUB=path/to/cosign.pub');
if (!existsSync(pub)) fail(`public key ${pub} does not exist (COSIGN_PUB; cosign generate-key-pair writes it beside the .key)`);
requireTools(fail, 'cosign', 'skopeo');
const version = values.version || tag;


/**
 * @param {string[]} args
 * @param {string} ref
 */
const cosign = (args, ref) => run('cosign', [...args, '--key', pub, '--insecure-ignore-tlog', ...cosignRegistryFlags(ref), ref]);

// ---- checks of one arch image; each returns an error string or a short note ---------------
/**
 * @param {string} byDigest
 * @returns {Check}
 */
function checkSignature(byDigest) {
  const r = cosign(['verify', '--output', 'json'], byDigest);
  if (!r.ok) return { error: `signature: ${/no signatures found|no matching signatures/i.test(r.err) ? 'no valid signature for this digest' : lastLine(r.err)}` };
  return {};
}

/**
 * @param {string} byDigest
 * @param {string} digest
 * @param {ArchRow} arch
 * @returns {Check}
 */
function checkSbom(byDigest, digest, arch) {
  const r = cosign(['verify-attestation', '--type', 'cyclonedx'], byDigest);
  if (!r.ok) return { error: `sbom: ${/no matching attestations|none of the attestations|no attestations/i.test(r.err) ? 'no signed CycloneDX attestation' : lastLine(r.err)}` };
  // One JSON envelope per line; the newest one is what `cosign download attestation` shows too.
  const envelopes = r.out.split('\n').filter((l) => l.trim());
  /** @type {Statement} */
  let stmt;
  try {
    stmt = JSON.parse(Buffer.from(JSON.parse(envelopes[envelopes.length - 1] ?? '').payload, 'base64').toString('utf8'));
  } catch {
    return { error: 'sbom: attestation payload is not an in-toto statement' };
  }
  if (!(stmt.subject || []).some((s) => `sha256:${s.digest?.sha256}` === digest)) return { error: 'sbom: attestation is for another digest' };
  const bom = stmt.predicate;
  if (bom?.bomFormat !== 'CycloneDX') return { error: 'sbom: predicate is not a CycloneDX document' };
  const props = Object.fromEntries((bom.metadata?.component?.properties || []).map((p) => [p.name, p.value]));
  if (props['exechealthz:arch'] !== arch.make) return { error: `sbom: describes arch '${props['exechealthz:arch']}', not ${arch.make}` };
  const comps = bom.components || [];
  const node = readNodeLock(values['node-lock'], arch, fail, values['base-lock']);
  const n = comps.find((c) => c.name === 'node');
  if (!n || n.version !== node.version || n.purl !== `pkg:generic/node@${node.version}` || !n.cpe?.startsWith(`cpe:2.3:a:nodejs:node.js:${node.version}:`) || !(n.pedigree?.ancestors || []).some((c) => String(c.purl).includes(`/${node.package}@`))) {
    return { error: `sbom: Node.js ${node.package}@${node.version} of the lock not named (found ${n ? `${n.purl}` : 'none'})` };
  }
  const pinned = readBaseDebs(values['base-lock'], values['node-lock'], arch, fail);
  const debs = comps.filter((c) => String(c.purl).startsWith('pkg:deb/'));
  for (const p of pinned) {
    const d = debs.find((c) => c.name === p.package);
    if (!d) return { error: `sbom: Debian package ${p.package} pinned for ${arch.make} is missing` };
    const sha = (d.hashes || []).find((h) => h.alg === 'SHA-256')?.content;
    if (d.version !== p.version || sha !== p.sha256) return { error: `sbom: ${p.package} is ${d.version} ${sha?.slice(0, 12)}, lock pins ${p.version} ${p.sha256.slice(0, 12)}` };
    if (!String(d.purl).includes(`arch=${arch.debian}`)) return { error: `sbom: ${p.package} is not the ${arch.debian} package (${d.purl})` };
  }
  const extra = debs.filter((d) => !pinned.some((p) => p.package === d.name));
  if (extra.length) return { error: `sbom: names Debian packages the lock does not pin: ${extra.map((d) => d.name).join(' ')}` };
  return { note: `sbom node ${node.version} + ${pinned.length} ${arch.debian} debs` };
}

/**
 * @param {string} byDigest
 * @param {ArchRow} arch
 * @returns {Check}
 */
function checkConfig(byDigest, arch) {
  const c = imageConfig(byDigest, arch.platform);
  if (c.error !== undefined) return { error: `config: ${c.error}` };
  const cfg = c.config;
  const [os, cpu, variant] = arch.platform.split('/');
  const plat = [cfg.os, cfg.architecture, cfg.variant].filter(Boolean).join('/');
  if (cfg.os !== os || cfg.architecture !== cpu || (variant && cfg.variant !== variant)) return { error: `config: platform ${plat}, want ${arch.platform}` };
  const user = cfg.config?.User;
  if (user !== '65532' && user !== '65532:65532') return { error: `config: user '${user || 'root'}', want 65532:65532` };
  const ep = cfg.config?.Entrypoint || [];
  if (!/tini/.test(ep[0] || '') || !ep.some((e) => /exechealthz$/.test(e))) return { error: `config: entrypoint ${JSON.stringify(ep)}, want tini then exechealthz` };
  /** @type {Record<string, string>} */
  const labels = cfg.config?.Labels || {};
  for (const l of ['org.opencontainers.image.source', 'org.opencontainers.image.revision', 'org.opencontainers.image.created', 'org.opencontainers.image.title']) {
    if (!labels[l]) return { error: `config: label ${l} missing` };
  }
  const node = readNodeLock(values['node-lock'], arch, fail, values['base-lock']).version;
  if (labels['exechealthz.node.version'] !== node) return { error: `config: label exechealthz.node.version is '${labels['exechealthz.node.version']}', want ${node} (build/node.lock.json)` };
  if (labels['org.opencontainers.image.version'] !== version) return { error: `config: label org.opencontainers.image.version is '${labels['org.opencontainers.image.version']}', want '${version}'` };
  return {};
}

let failed = 0;
/**
 * @param {boolean} ok
 * @param {string} ref
 * @param {string} text
 */
const verdict = (ok, ref, text) => {
  if (!ok) failed++;
  console.log(`${ok ? 'OK  ' : 'FAIL'} ${ref}: ${text}`);
};

/** @type {Map<string, string>} */
const archDigests = new Map();
for (const arch of rows) {
  const ref = `${prefix}/exechealthz-${arch.make}:${tag}`;
  const res = resolve(ref);
  if (res.error !== undefined) {
    verdict(false, ref, res.error);
    continue;
  }
  // With PROVENANCE=true the tag names an index of the image plus its attestation; the
  // multi-arch index then lists the image manifest inside it.
  const [os, cpu, variant] = arch.platform.split('/');
  const inner = (res.raw.manifests || []).find((m) => m.platform?.os === os && m.platform?.architecture === cpu && (!variant || m.platform?.variant === variant));
  archDigests.set(arch.platform, inner ? inner.digest : res.digest);
  const byDigest = `${prefix}/exechealthz-${arch.make}@${res.digest}`;
  /** @type {string[]} */
  const notes = [];
  /** @type {string | undefined} */
  let error;
  for (const check of [() => checkSignature(byDigest), () => checkSbom(byDigest, res.digest, arch), () => checkConfig(byDigest, arch)]) {
    const r = check();
    if (r.error) { error = r.error; break; }
    if (r.note) notes.push(r.note);
  }
  verdict(!error, `${ref}@${res.digest.slice(0, 19)}`, error || `signed, ${notes.join(', ')}, user 65532, entrypoint and labels ok`);
}

// ---- the multi-arch index -------------------------------------------------------------------
{
  const ref = `${prefix}/exechealthz:${tag}`;
  const res = resolve(ref);
  /** @type {string | undefined} */
  let error;
  if (res.error) error = res.error;
  const byDigest = `${prefix}/exechealthz@${res.digest}`;
  if (!error) error = checkSignature(byDigest).error;
  if (!error) {
    const manifests = (res.raw?.manifests || []).filter((m) => m.platform && m.platform.os !== 'unknown');
    if (!res.raw?.manifests) error = 'index: the tag names a single image, not a multi-arch index';
    for (const arch of rows) {
      if (error) break;
      const [os, cpu, variant] = arch.platform.split('/');
      const m = manifests.find((x) => x.platform?.os === os && x.platform?.architecture === cpu && (!variant || x.platform?.variant === variant));
      if (!m) error = `index: no ${arch.platform} image`;
      else if (archDigests.has(arch.platform) && m.digest !== archDigests.get(arch.platform)) {
        error = `index: ${arch.platform} is ${m.digest.slice(0, 19)}, but exechealthz-${arch.make}:${tag} is ${archDigests.get(arch.platform)?.slice(0, 19)}`;
      }
    }
    if (!error && manifests.length !== rows.length) error = `index: ${manifests.length} platforms, want ${rows.length}`;
  }
  verdict(!error, res.digest ? `${ref}@${res.digest.slice(0, 19)}` : ref, error || `signed, ${rows.length} platforms, each the verified per-arch digest`);
}
process.exit(failed ? 1 : 0);
