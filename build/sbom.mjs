#!/usr/bin/env node
// Writes the CycloneDX 1.5 SBOM of one arch image from what actually went into it:
//  - npm packages: those whose files are in the bundle (its source map lists every input),
//    described by `npm sbom` from package-lock.json (version, purl, license, integrity);
//  - the Node.js runtime the executable was made from (build/node.lock.json): an npm package,
//    or Debian's nodejs (the launcher) and libnode (in the base);
//  - every Debian package of that arch's base (images/base/packages.lock.json, plus the libnode
//    package build/node.lock.json pins where the Node is Debian's).
// No wall-clock time and no random serial number: the document is a function of its inputs
// and SOURCE_DATE_EPOCH, so the image that carries it keeps a reproducible digest.
import { createHash } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { archRow, failer, parseFlags, reason } from './lib.mjs';
import { debianRelease, readBaseDebs, readNodeLock } from './debian/lock.mjs';

/** @typedef {import('./debian/lock.mjs').NodeDeb} NodeDeb */

/** @type {import('./lib.mjs').Fail} */
const fail = failer(1);

const values = parseFlags({
  arch: { type: 'string' },
  version: { type: 'string', default: process.env.VERSION || 'dev' },
  out: { type: 'string' },
  'bundle-map': { type: 'string', default: 'dist/exechealthz.cjs.map' },
  'node-lock': { type: 'string', default: 'build/node.lock.json' },
  'base-lock': { type: 'string', default: 'images/base/packages.lock.json' },
  'npm-sbom': { type: 'string' }, // a saved `npm sbom` output, instead of running npm
}, fail);
if (!values.arch) fail('--arch is required (one of the make names in build/arches.tsv)');
if (!values.out) fail('--out FILE is required');

const arch = archRow(values.arch, fail);
const epoch = process.env.SOURCE_DATE_EPOCH;
if (epoch !== undefined && !/^\d+$/.test(epoch)) fail(`SOURCE_DATE_EPOCH must be whole seconds, got '${epoch}'`);
const timestamp = new Date(Number(epoch ?? 0) * 1000).toISOString().replace('.000Z', 'Z');

// ---- npm packages that went into the bundle ---------------------------------------------
/** @type {{ sources?: string[] }} */
let map;
try {
  map = JSON.parse(readFileSync(values['bundle-map'], 'utf8'));
} catch (e) {
  fail(`cannot read the bundle's source map ${values['bundle-map']} (run: make bundle): ${reason(e)}`);
}
// "../node_modules/@scope/name/lib/x.js" -> "node_modules/@scope/name"; nested copies keep
// their full path so two versions of one package stay apart.
const bundledDirs = new Set();
for (const src of map.sources || []) {
  const m = /((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)/.exec(src.replace(/\\/g, '/'));
  if (m) bundledDirs.add(m[1].replace(/\/$/, ''));
}
/** @type {{ packages?: Record<string, { version?: string, dev?: boolean } | undefined> }} */
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
/** @type {{ components?: { name?: string, version?: string, purl?: string, hashes?: unknown[], licenses?: unknown[] }[] }} */
let npmBom;
try {
  const text = values['npm-sbom']
    ? readFileSync(values['npm-sbom'], 'utf8')
    : execFileSync('npm', ['sbom', '--sbom-format', 'cyclonedx', '--sbom-type', 'application', '--package-lock-only'], {
        encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20,
      });
  npmBom = JSON.parse(text);
} catch (e) {
  // npm's own first line of stderr says more than reason() would (a failed spawn has none,
  // and then the message names the command).
  const err = /** @type {{ stderr?: string, message?: string }} */ (e);
  fail(`npm sbom failed (run: npm ci): ${String(err.stderr || err.message).split('\n')[0]}`);
}
const npmComponents = [];
for (const dir of [...bundledDirs].sort()) {
  const entry = lock.packages?.[dir];
  if (!entry) fail(`${dir} is in the bundle but not in package-lock.json`);
  // A devDependency inside the shipped bundle is a build mistake the SBOM must not hide.
  if (entry.dev) fail(`${dir} is bundled but package-lock.json marks it dev-only`);
  const name = dir.replace(/^.*node_modules\//, '');
  const c = (npmBom.components || []).find((x) => x.name === name && x.version === entry.version);
  if (!c) fail(`npm sbom does not list ${name}@${entry.version} (run: npm ci)`);
  npmComponents.push({
    type: 'library',
    'bom-ref': `pkg:npm/${name}@${entry.version}`,
    name,
    version: entry.version,
    scope: 'required',
    purl: c.purl,
    ...(c.hashes?.length ? { hashes: c.hashes } : {}),
    ...(c.licenses?.length ? { licenses: c.licenses } : {}),
  });
}

// ---- the Node.js runtime ------------------------------------------------------------------
const node = readNodeLock(values['node-lock'], arch, fail, values['base-lock']);
// Named the way vulnerability databases key Node.js advisories: the NVD CPE of Node.js and
// the generic purl scanners map to the Node.js runtime (Node.js has no purl type of its
// own; pkg:npm/node would be an unrelated npm package). The npm package the binary came
// from, with its integrity, is the component's pedigree.
/**
 * @param {{ package: string, version: string }} d
 * @param {string} release
 */
const debPurl = (d, release) =>
  `pkg:deb/debian/${d.package}@${encodeURIComponent(d.version)}?arch=${arch.debian}&distro=debian-${debianRelease(release, fail)}`;
const nodeFrom = node.source === 'debian'
  ? {
      description: `Node.js runtime from Debian ${node.release}: the single executable is the launcher of its ${node.package} package, the runtime its ${node.debs.filter((d) => d.role === 'library').map((d) => d.package).join(', ')} in the base`,
      // readNodeLock refused a Debian Node without a launcher.
      hashes: [{ alg: 'SHA-256', content: /** @type {NodeDeb} */ (node.debs.find((d) => d.role === 'launcher')).sha256 }],
      ancestors: node.debs.map((d) => ({
        type: d.role === 'launcher' ? 'application' : 'library',
        'bom-ref': `ancestor:${debPurl(d, node.release)}`,
        name: d.package,
        version: d.version,
        purl: debPurl(d, node.release),
        hashes: [{ alg: 'SHA-256', content: d.sha256 }],
      })),
      properties: node.debs.map((d) => ({ name: 'exechealthz:debian-package', value: `${d.package} ${d.version} ${d.role}` })),
    }
  : {
      description: `Node.js runtime (from the npm package ${node.package}) that the single executable embeds`,
      hashes: [integrityHash(node.integrity)],
      ancestors: [{
        type: 'application',
        'bom-ref': `pkg:npm/${node.package}@${node.version}`,
        name: node.package,
        version: node.version,
        purl: `pkg:npm/${node.package}@${node.version}`,
        hashes: [integrityHash(node.integrity)],
      }],
      properties: [
        { name: 'exechealthz:npm-package', value: node.package },
        { name: 'exechealthz:npm-integrity', value: node.integrity },
      ],
    };
const nodeComponent = {
  type: 'application',
  'bom-ref': `pkg:generic/node@${node.version}`,
  name: 'node',
  version: node.version,
  description: nodeFrom.description,
  cpe: `cpe:2.3:a:nodejs:node.js:${node.version}:*:*:*:*:*:*:*`,
  purl: `pkg:generic/node@${node.version}`,
  hashes: nodeFrom.hashes,
  licenses: [{ license: { id: 'MIT' } }],
  pedigree: { ancestors: nodeFrom.ancestors },
  properties: nodeFrom.properties,
};

// ---- the Debian base ----------------------------------------------------------------------
const debs = readBaseDebs(values['base-lock'], values['node-lock'], arch, fail);
const debComponents = debs.map((d) => {
  const purl = debPurl(d, d.release);
  return {
    type: 'library',
    'bom-ref': purl,
    name: d.package,
    version: d.version,
    purl,
    hashes: [{ alg: 'SHA-256', content: d.sha256 }],
    properties: [
      { name: 'exechealthz:debian-arch', value: d.arch },
      { name: 'exechealthz:debian-path', value: `${d.archive}/${d.path}` },
    ],
  };
});

// ---- the document -------------------------------------------------------------------------
const imageRef = `exechealthz-${arch.make}@${values.version}`;
const appComponent = {
  type: 'application',
  'bom-ref': `exechealthz@${values.version}`,
  name: 'exechealthz',
  version: values.version,
  description: 'Liveness-exec over HTTP: single executable of the bundled service',
  licenses: [{ license: { id: 'Apache-2.0' } }],
};
const components = [appComponent, nodeComponent, ...npmComponents, ...debComponents];
const bom = {
  $schema: 'http://cyclonedx.org/schema/bom-1.5.schema.json',
  bomFormat: 'CycloneDX',
  specVersion: '1.5',
  serialNumber: '',
  version: 1,
  metadata: {
    timestamp,
    lifecycles: [{ phase: 'build' }],
    tools: [{ vendor: 'exechealthz', name: 'build/sbom.mjs', version: values.version }],
    component: {
      type: 'container',
      'bom-ref': imageRef,
      name: `exechealthz-${arch.make}`,
      version: values.version,
      properties: [
        { name: 'exechealthz:arch', value: arch.make },
        { name: 'exechealthz:platform', value: arch.platform },
        { name: 'exechealthz:debian-arch', value: arch.debian },
        { name: 'exechealthz:node-version', value: node.version },
      ],
    },
  },
  components,
  dependencies: [
    { ref: imageRef, dependsOn: [appComponent['bom-ref'], ...debComponents.map((c) => c['bom-ref'])] },
    { ref: appComponent['bom-ref'], dependsOn: [nodeComponent['bom-ref'], ...npmComponents.map((c) => c['bom-ref'])] },
  ],
};
// The serial number is a UUID derived from the content, so equal inputs give equal bytes.
const h = createHash('sha256').update(JSON.stringify(bom)).digest('hex');
bom.serialNumber = `urn:uuid:${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16], 16) & 3) | 8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;

mkdirSync(dirname(values.out), { recursive: true });
writeFileSync(values.out, JSON.stringify(bom, null, 2) + '\n');
console.log(`sbom: ${values.out} (${arch.make}: node ${node.version}, ${npmComponents.length} npm, ${debComponents.length} debian packages)`);

/** @param {string} sri */
function integrityHash(sri) {
  const m = /^sha(256|384|512)-([A-Za-z0-9+/=]+)$/.exec(sri || '');
  if (!m) fail(`node lock: integrity '${sri}' is not an npm sha256/384/512 SRI string`);
  return { alg: `SHA-${m[1]}`, content: Buffer.from(m[2], 'base64').toString('hex') };
}
