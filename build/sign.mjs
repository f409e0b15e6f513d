#!/usr/bin/env node
// Signs a pushed release by digest: each per-arch image gets a cosign signature and its SBOM
// as a signed CycloneDX attestation (in-toto, fetchable with `cosign verify-attestation
// --type cyclonedx` or `cosign download attestation`); the multi-arch index gets a signature.
// Signing the digest the tag names right now, not the tag, means a later re-push under the
// same tag is unsigned and `make verify` catches it. No transparency log: nothing outside
// this machine is reachable, and verify uses the public key instead.
// Usage: COSIGN_PASSWORD=... node build/sign.mjs --prefix P --tag T --key cosign.key [--arches "a b"]
import { existsSync } from 'node:fs';
import { failer, releaseFlags } from './lib.mjs';
import { cosignRegistryFlags, lastLine, requireTools, resolve, run } from './sbom/registry.mjs';

/** @type {import('./lib.mjs').Fail} */
const fail = failer(1);

const { values, prefix, tag, rows } = releaseFlags({
  key: { type: 'string' },
  'sbom-dir': { type: 'string', default: 'dist/sbom' },
}, fail, 'sign');
const { key } = values;
if (!key) fail('no key: set COSIGN_KEY=path/to/cosign.key (make one with: cosign generate-key-pair)');
if (!existsSync(key)) fail(`COSIGN_KEY ${key} does not exist (make one with: cosign generate-key-pair)`);
if (process.env.COSIGN_PASSWORD === undefined) fail('COSIGN_PASSWORD is not set (the password of COSIGN_KEY; empty is allowed)');
requireTools(fail, 'cosign', 'skopeo');


/**
 * @param {string[]} args
 * @param {string} ref
 */
const cosign = (args, ref) => run('cosign', [...args, '--key', key, '--tlog-upload=false', '-y', ...cosignRegistryFlags(ref), ref]);

/** @type {{ ref: string, sbom: string | null }[]} */
const targets = rows.map(({ make: a }) => ({ ref: `${prefix}/exechealthz-${a}:${tag}`, sbom: `${values['sbom-dir']}/exechealthz-${a}.cdx.json` }));
targets.push({ ref: `${prefix}/exechealthz:${tag}`, sbom: null });
for (const t of targets) if (t.sbom && !existsSync(t.sbom)) fail(`${t.sbom} is missing (run: make sbom)`);

let failed = 0;
for (const t of targets) {
  const start = Date.now();
  const res = resolve(t.ref);
  if (res.error) {
    console.log(`FAIL ${t.ref}: ${res.error}`);
    failed++;
    continue;
  }
  const byDigest = `${t.ref.replace(/:[^:/]+$/, '')}@${res.digest}`;
  const s = cosign(['sign'], byDigest);
  if (!s.ok) {
    console.log(`FAIL ${byDigest}: cosign sign: ${lastLine(s.err)}`);
    failed++;
    continue;
  }
  if (t.sbom) {
    // --replace keeps one SBOM attestation per digest when a release is signed again.
    const a = cosign(['attest', '--type', 'cyclonedx', '--predicate', t.sbom, '--replace'], byDigest);
    if (!a.ok) {
      console.log(`FAIL ${byDigest}: cosign attest: ${lastLine(a.err)}`);
      failed++;
      continue;
    }
  }
  console.log(`signed ${byDigest}${t.sbom ? ` + sbom ${t.sbom}` : ''} (${((Date.now() - start) / 1000).toFixed(1)} s)`);
}
process.exit(failed ? 1 : 0);
