#!/usr/bin/env node
// The image steps of the Makefile: staging each arch's build contexts, printing what bake
// made, and the release steps that must look at the registry before they write to it.
//
//   stage    --arch A --epoch E --context-dir D --executable F --sbom F [--rootfs DIR]
//            A's build contexts under D/A (see stage() for why they look as they do)
//   refs     --metadata F --verb V        "V REF@DIGEST" per image of a bake metadata file
//   bake-arches
//            the ARCHES variable of docker-bake.hcl: every row of build/arches.tsv as JSON,
//            {"ARCH": {"platform": OCI platform, "node_version": the lock's Node, "legacy": bool}}
//   legacy   --prefix P --tag T --built F [--force true|false] [--builder B] [--metadata-file F2]
//            push the legacy arch's image (legacy column; F: bake metadata of its local build, whose digest is the one
//            a push makes) as P/exechealthz:T, unless that name is a multi-arch index or
//            another image: an index that contains this very image is left as is; anything
//            else is refused unless --force true (FORCE_LEGACY=true in make)
//   manifest --prefix P --tag T (--metadata F | --from-registry) --version V --revision R
//            --source S --epoch E [--arches "a b"] [--builder B]
//            push the multi-arch index P/exechealthz:T over each arch's P/exechealthz-ARCH:T,
//            by digest, after checking every platform against build/arches.tsv; F is the bake
//            metadata of `make all-push`, --from-registry resolves the tags instead (per-arch
//            jobs pushed them). Both assemble the index the same way: same bytes, same digest.
//
// legacy runs `docker buildx bake` itself for the push (with PUSH=true and the environment
// make gives it), so that nothing is pushed unless the check above allowed it.
import { createHash } from 'node:crypto';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { archRow, archRows, failer, legacyRow, parseFlags, ROOT } from './lib.mjs';
import { describe, indexAnnotations, indexPlatforms, isIndex, legacyDecision, manifestNote, metadataImages, platformString } from './release/oci.mjs';
import { readNodeLock } from './debian/lock.mjs';
import { isInsecure, lastLine, run } from './sbom/registry.mjs';

const command = process.argv[2] ?? '';
/** @type {import('./lib.mjs').Fail} */
const fail = failer(1);
process.argv.splice(2, 1);

/** @typedef {import('./release/oci.mjs').Held} Held */
/** @typedef {import('./release/oci.mjs').Manifest} Manifest */

/** @param {string} ref */
const skopeoFlags = (ref) => (isInsecure(ref) ? ['--tls-verify=false'] : []);
/** @param {string} text */
const sha256 = (text) => `sha256:${createHash('sha256').update(text, 'utf8').digest('hex')}`;
/** @param {string} ref */
const repoOf = (ref) => ref.replace(/(@sha256:[0-9a-f]{64}|:[^:/]+)$/, '');

/**
 * @param {string} file
 * @returns {Record<string, Record<string, unknown>>}
 */
function readMetadata(file) {
  if (!existsSync(file)) fail(`${file} is missing (the bake metadata of the build before it)`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    return fail(`${file} is not JSON: ${e instanceof Error ? e.message : String(e)}`);
  }
}

/**
 * What REF names in the registry now, or fails.
 * @param {string} ref
 * @returns {Held}
 */
function held(ref) {
  const r = run('skopeo', ['inspect', ...skopeoFlags(ref), '--raw', `docker://${ref}`]);
  if (!r.ok) {
    const why = lastLine(r.err);
    if (/manifest unknown|name unknown|not found/i.test(why)) return { kind: 'none' };
    return fail(`cannot inspect ${ref} in the registry, so nothing was pushed: ${why}`);
  }
  /** @type {Manifest} */
  let raw;
  try {
    raw = JSON.parse(r.out);
  } catch {
    return fail(`${ref}: the registry returned a manifest that is not JSON`);
  }
  return { kind: isIndex(raw) ? 'index' : 'image', digest: sha256(r.out), raw };
}

/**
 * os/arch/variant of the image config of REPO@DIGEST, or { error }.
 * @param {string} repo
 * @param {string} digest
 * @returns {{ error?: string, platform?: string, labels?: Record<string, string> }}
 */
function configPlatform(repo, digest) {
  const ref = `${repo}@${digest}`;
  const r = run('skopeo', ['inspect', ...skopeoFlags(ref), '--config', `docker://${ref}`]);
  if (!r.ok) return { error: `cannot read the config of ${ref}: ${lastLine(r.err)}` };
  try {
    const c = JSON.parse(r.out);
    return { platform: platformString(c), labels: c.config?.Labels || {} };
  } catch {
    return { error: `the config of ${ref} is not JSON` };
  }
}

/**
 * Adds the platform of a single image to what `held` found (for the one-line messages).
 * @param {string} ref
 * @param {Held} h
 * @returns {Held}
 */
function withPlatform(ref, h) {
  if (h.kind !== 'image') return h;
  const c = configPlatform(repoOf(ref), h.digest);
  return { ...h, platform: c.error ? undefined : c.platform };
}

/**
 * @param {string} builder
 * @param {string} metadataFile
 * @param {string} target
 */
function bakeArgs(builder, metadataFile, target) {
  return ['buildx', 'bake', '-f', 'docker-bake.hcl', ...(builder ? ['--builder', builder] : []), '--metadata-file', metadataFile, target];
}

// ---- stage -----------------------------------------------------------------------------------
// ARCH's build contexts, made afresh before each bake: DIR/ARCH/base-ARCH (Dockerfile,
// rootfs.tar) and DIR/ARCH/exechealthz-ARCH (Dockerfile, exechealthz.tar, sbom.tar).
// Everything enters the image through tar archives whose entries all carry the epoch, so
// layers are the same bytes on every build; the staged files themselves keep fresh mtimes:
// BuildKit re-sends a context file only when its size or mtime changed, so stamping them all
// with one time would let it reuse a stale copy. The directory names differ per arch because
// BuildKit keeps one transfer cache per directory basename.
function stage() {
  const v = parseFlags({
    arch: { type: 'string' }, epoch: { type: 'string' }, 'context-dir': { type: 'string' },
    rootfs: { type: 'string', default: '' }, executable: { type: 'string' }, sbom: { type: 'string' },
  }, fail);
  if (!v.arch || !v.epoch || !v['context-dir'] || !v.executable || !v.sbom) {
    fail('stage needs --arch, --epoch, --context-dir, --executable and --sbom (and --rootfs unless BASEIMAGE is set)');
  }
  const row = archRow(v.arch, fail);
  const a = row.make;
  if (!v.rootfs && readNodeLock(join(ROOT, 'build/node.lock.json'), row, fail).source === 'debian') {
    fail(`BASEIMAGE cannot be used for ${a}: its executable is a launcher for the libnode of its own base (build/node.lock.json, source debian)`);
  }
  if (!/^[0-9]+$/.test(v.epoch)) fail(`SOURCE_DATE_EPOCH=${v.epoch} is not a number of seconds`);
  for (const f of [v.executable, v.sbom, ...(v.rootfs ? [v.rootfs] : [])]) if (!existsSync(f)) fail(`${f} is missing`);
  const dir = join(v['context-dir'], a);
  const base = join(dir, `base-${a}`);
  const app = join(dir, `exechealthz-${a}`);
  const sbomRoot = join(dir, 'sbom');
  rmSync(dir, { recursive: true, force: true });
  for (const d of [base, app, join(sbomRoot, 'usr/share/sbom')]) mkdirSync(d, { recursive: true });
  /** @param {string[]} args */
  const tar = (args) => {
    const r = run('tar', ['--sort=name', `--mtime=@${v.epoch}`, '--owner=0', '--group=0', '--numeric-owner', ...args]);
    if (!r.ok) fail(`tar ${args.join(' ')}: ${lastLine(r.err)}`);
  };
  copyFileSync(join(ROOT, 'images/base/Dockerfile'), join(base, 'Dockerfile'));
  if (v.rootfs) tar(['-C', v.rootfs, '-cf', join(base, 'rootfs.tar'), '.']);
  copyFileSync(join(ROOT, 'images/exechealthz/Dockerfile'), join(app, 'Dockerfile'));
  tar(['--mode=0755', '-C', dirname(v.executable), '-cf', join(app, 'exechealthz.tar'), basename(v.executable)]);
  copyFileSync(v.sbom, join(sbomRoot, 'usr/share/sbom/exechealthz.cdx.json'));
  chmodSync(join(sbomRoot, 'usr'), 0o755);
  chmodSync(join(sbomRoot, 'usr/share'), 0o755);
  chmodSync(join(sbomRoot, 'usr/share/sbom'), 0o755);
  chmodSync(join(sbomRoot, 'usr/share/sbom/exechealthz.cdx.json'), 0o644);
  tar(['-C', sbomRoot, '-cf', join(app, 'sbom.tar'), 'usr']);
}

// ---- refs ------------------------------------------------------------------------------------
function refs() {
  const v = parseFlags({ metadata: { type: 'string' }, verb: { type: 'string' } }, fail);
  if (!v.metadata || !v.verb) fail('refs needs --metadata FILE and --verb WORD');
  for (const i of metadataImages(readMetadata(v.metadata))) console.log(`${v.verb} ${i.name}@${i.digest}`);
}

// ---- legacy ----------------------------------------------------------------------------------
function legacy() {
  const v = parseFlags({
    prefix: { type: 'string' }, tag: { type: 'string' }, built: { type: 'string' },
    force: { type: 'string', default: 'false' }, builder: { type: 'string', default: '' },
    'metadata-file': { type: 'string', default: join('.cache', 'images', 'push-legacy.json') },
  }, fail);
  if (!v.prefix || !v.tag || !v.built) fail('legacy needs --prefix, --tag and --built');
  if (!['true', 'false'].includes(v.force)) fail(`FORCE_LEGACY=${v.force} is not true or false`);
  const name = `${v.prefix}/exechealthz:${v.tag}`;
  const arch = legacyRow(fail).make;
  const image = metadataImages(readMetadata(v.built)).find((i) => i.target === `exechealthz-${arch}`);
  if (!image || !/^sha256:[0-9a-f]{64}$/.test(image.digest)) fail(`${v.built} has no digest of the ${arch} image`);

  const decision = legacyDecision(name, withPlatform(name, held(name)), image.digest, v.force === 'true', arch);
  if (decision.action === 'refuse') fail(decision.line);
  if (decision.action === 'leave') {
    console.log(decision.line);
    return;
  }
  if (decision.line) console.log(decision.line);
  const r = run('docker', bakeArgs(v.builder, v['metadata-file'], 'legacy'), {
    cwd: ROOT, env: { ...process.env, PUSH: 'true' }, stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!r.ok) fail(`docker buildx bake legacy failed${r.err ? `: ${lastLine(r.err)}` : ''}`);
  const pushed = metadataImages(readMetadata(v['metadata-file']))[0];
  if (pushed?.digest !== image.digest) {
    fail(`pushed ${name}@${pushed?.digest}, but the build before the check made ${image.digest} (did the inputs change meanwhile?)`);
  }
  console.log(`pushed ${name}@${pushed.digest}`);
}

// ---- manifest --------------------------------------------------------------------------------
function manifest() {
  const v = parseFlags({
    prefix: { type: 'string' }, tag: { type: 'string' }, metadata: { type: 'string' },
    'from-registry': { type: 'boolean', default: false }, arches: { type: 'string' },
    version: { type: 'string' }, revision: { type: 'string', default: '' }, source: { type: 'string', default: '' },
    epoch: { type: 'string', default: '0' }, builder: { type: 'string', default: '' },
  }, fail);
  if (!v.prefix || !v.tag) fail('manifest needs --prefix and --tag');
  if (!v.metadata === !v['from-registry']) fail('manifest needs exactly one of --metadata FILE and --from-registry');
  if (!/^\d+$/.test(v.epoch)) fail(`SOURCE_DATE_EPOCH=${v.epoch} is not a number of seconds`);
  const name = `${v.prefix}/exechealthz:${v.tag}`;
  const rows = v.arches ? v.arches.split(/\s+/).filter(Boolean).map((a) => archRow(a, fail)) : archRows();
  const started = Date.now();

  // Each arch's image by digest: what `make all-push` just pushed, or what its tag names now.
  const built = v.metadata ? metadataImages(readMetadata(v.metadata)) : [];
  const problems = [];
  const otherRevision = [];
  const sources = [];
  for (const row of rows) {
    const tagged = `exechealthz-${row.make}:${v.tag}`;
    const repo = `${v.prefix}/exechealthz-${row.make}`;
    let digest;
    let raw;
    if (v.metadata) {
      digest = built.find((i) => i.target === `exechealthz-${row.make}`)?.digest;
      if (!digest) {
        problems.push(`${tagged} is not in ${v.metadata}`);
        continue;
      }
      raw = held(`${repo}@${digest}`).raw;
    } else {
      const h = held(`${repo}:${v.tag}`);
      if (h.kind === 'none') {
        problems.push(`${tagged} is missing (push it: make push ARCH=${row.make})`);
        continue;
      }
      ({ digest, raw } = h);
    }
    if (!raw) {
      problems.push(`${repo}@${digest} is not in the registry`);
      continue;
    }
    // With PROVENANCE=true an arch's tag is an index of the image and its attestation.
    let imageDigest = digest;
    if (isIndex(raw)) {
      const plats = indexPlatforms(raw);
      if (plats.length !== 1) {
        problems.push(`${tagged} is an index of ${plats.join(', ') || 'nothing'}, want one ${row.platform} image`);
        continue;
      }
      imageDigest = raw.manifests?.find((m) => platformString(m.platform) === plats[0])?.digest ?? digest;
    }
    const c = configPlatform(repo, imageDigest);
    if (c.error) {
      problems.push(c.error);
      continue;
    }
    if (c.platform !== row.platform) {
      problems.push(`${tagged} is ${c.platform}, want ${row.platform}`);
      continue;
    }
    const rev = c.labels?.['org.opencontainers.image.revision'];
    if (v.revision && rev && rev !== v.revision) {
      otherRevision.push(`${tagged} (${rev.slice(0, 12)})`);
      continue;
    }
    sources.push(`${repo}@${digest}`);
  }
  // An index labelled with one commit must not list images built from another.
  if (otherRevision.length) {
    problems.push(`${otherRevision.join(', ')} built from another revision than this index's ${v.revision.slice(0, 12)} (run on the commit the images were built from, or set REVISION)`);
  }
  if (problems.length) fail(`cannot assemble ${name}: ${problems.join('; ')}`);

  // The index bytes imagetools will push (its --dry-run prints them, plus a newline), so the
  // digest is known before the push and checked after it.
  const annotations = indexAnnotations({ version: v.version || v.tag, revision: v.revision, source: v.source, epoch: v.epoch });
  const create = ['buildx', 'imagetools', 'create', ...(v.builder ? ['--builder', v.builder] : []), '-t', name,
    ...Object.entries(annotations).flatMap(([k, val]) => ['--annotation', `index:${k}=${val}`]), ...sources];
  const dry = run('docker', [...create.slice(0, 3), '--dry-run', ...create.slice(3)]);
  if (!dry.ok) fail(`docker buildx imagetools create --dry-run failed: ${lastLine(dry.err)}`);
  const index = dry.out.replace(/\n$/, '');
  const digest = sha256(index);

  const note = manifestNote(name, withPlatform(name, held(name)), digest);
  if (note) console.log(note);
  const push = run('docker', create);
  if (!push.ok) fail(`docker buildx imagetools create failed: ${lastLine(push.err)}`);
  const now = held(name);
  if (now.digest !== digest) fail(`the registry holds ${describe(now)} at ${name}, not the index ${digest} just pushed`);
  console.log(`index of ${rows.length} platforms ${v['from-registry'] ? 'from the registry' : 'from this build'} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  console.log(`pushed ${name}@${digest}`);
}

// ---- bake-arches -----------------------------------------------------------------------------
// What docker-bake.hcl needs of each arch, from the table and the Node lock (bake cannot read
// files itself): the Makefile passes it as the ARCHES variable.
function bakeArches() {
  parseFlags({}, fail);
  const lock = join(ROOT, 'build/node.lock.json');
  const legacy = legacyRow(fail).make;
  /** @type {Record<string, { platform: string, node_version: string, legacy: boolean }>} */
  const arches = {};
  for (const row of archRows()) {
    arches[row.make] = { platform: row.platform, node_version: readNodeLock(lock, row, fail).version, legacy: row.make === legacy };
  }
  console.log(JSON.stringify(arches));
}

/** @type {Record<string, () => void>} */
const commands = { stage, refs, 'bake-arches': bakeArches, legacy, manifest };
const chosen = commands[command];
if (!chosen) fail(`unknown command '${command}' (use one of: ${Object.keys(commands).join(' ')})`);
chosen();
