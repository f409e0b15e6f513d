#!/usr/bin/env node
// Bundles src/main.ts into one CommonJS file: Node's single-executable format runs
// exactly one CJS script, so nothing may stay outside it. The source map keeps stack
// traces pointing at src/.
import { build } from 'esbuild';
import { parseFlags } from './lib.mjs';

const values = parseFlags({
  entry: { type: 'string', default: 'src/main.ts' },
  outfile: { type: 'string', default: 'dist/exechealthz.cjs' },
  version: { type: 'string', default: process.env.VERSION || 'dev' },
});

try {
  await build({
    entryPoints: [values.entry],
    outfile: values.outfile,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    sourcemap: 'linked',
    minifySyntax: true,
    legalComments: 'none',
    logLevel: 'warning',
    define: { __EXECHEALTHZ_VERSION__: JSON.stringify(values.version) },
  });
  console.log(`bundled ${values.outfile} (version ${values.version})`);
} catch {
  // esbuild already printed each error with its location.
  process.exit(1);
}
