#!/usr/bin/env node
// Validates CycloneDX 1.5 JSON documents against the official JSON schema, offline: the
// schema files come from the pinned devDependency @cyclonedx/cyclonedx-library, ajv checks.
// Usage: node build/sbom/validate.mjs FILE...   (one line per file; exit 1 if any is invalid)
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { failer, reason } from '../lib.mjs';

const require = createRequire(import.meta.url);
/** @type {import('../lib.mjs').Fail} */
const fail = failer();

/** @typedef {{ instancePath: string, message?: string }} AjvError */
/** @typedef {((doc: unknown) => boolean) & { errors?: AjvError[] | null }} Validator */
/** @typedef {{ addFormat(name: string, format: boolean): void, addSchema(schema: object): void, compile(schema: object): Validator }} AjvInstance */
/** @type {new (options: object) => AjvInstance} */
let Ajv;
/** @type {(ajv: AjvInstance) => void} */
let addFormats;
let schemaDir = '';
try {
  Ajv = require('ajv');
  addFormats = require('ajv-formats');
  schemaDir = join(dirname(require.resolve('@cyclonedx/cyclonedx-library/package.json')), 'res/schema');
} catch {
  fail('ajv, ajv-formats or @cyclonedx/cyclonedx-library is missing (run: npm ci)');
}
/** @param {string} name */
const load = (name) => JSON.parse(readFileSync(join(schemaDir, name), 'utf8'));

const ajv = new Ajv({ strict: false, allErrors: true });
addFormats(ajv);
// ajv-formats has no IRI or IDN formats; the schema uses them only for URLs and e-mail
// addresses of authors, which this SBOM does not carry, so they are accepted as strings.
ajv.addFormat('iri-reference', true);
ajv.addFormat('idn-email', true);
// The bom schema refers to its siblings by their file names; register them under those.
ajv.addSchema({ ...load('spdx.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/spdx.SNAPSHOT.schema.json' });
ajv.addSchema({ ...load('jsf-0.82.SNAPSHOT.schema.json'), $id: 'http://cyclonedx.org/schema/jsf-0.82.SNAPSHOT.schema.json' });
const validate = ajv.compile(load('bom-1.5.SNAPSHOT.schema.json'));

const files = process.argv.slice(2);
if (files.length === 0) fail('usage: node build/sbom/validate.mjs FILE...');
let bad = 0;
for (const f of files) {
  /** @type {{ specVersion?: unknown }} */
  let doc;
  try {
    doc = JSON.parse(readFileSync(f, 'utf8'));
  } catch (e) {
    console.log(`INVALID ${f}: ${reason(e)}`);
    bad++;
    continue;
  }
  if (doc.specVersion !== '1.5' || !validate(doc)) {
    const why = doc.specVersion !== '1.5'
      ? `specVersion is ${JSON.stringify(doc.specVersion)}, not "1.5"`
      : (validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    console.log(`INVALID ${f}: ${why}`);
    bad++;
  } else {
    console.log(`valid CycloneDX 1.5: ${f}`);
  }
}
process.exit(bad ? 1 : 0);
