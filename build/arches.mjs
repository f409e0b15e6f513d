#!/usr/bin/env node
// build/arches.tsv, the one arch table, for make, the shell scripts and the tests, read by the
// one parser (archRows in build/lib.mjs):
//   node build/arches.mjs COLUMN [COLUMN=VALUE...]   COLUMN of every row matching all pairs
//   node build/arches.mjs --json                     every row, keyed by column name
// A missing table, an unknown column or no column fails with one line and status 2.
import { archRows, failer } from './lib.mjs';

const fail = failer(2);
const [want, ...conds] = process.argv.slice(2);
if (!want) fail('usage: arches.mjs COLUMN [COLUMN=VALUE...] | --json');
const rows = archRows(fail);
if (want === '--json') {
  console.log(JSON.stringify(rows));
} else {
  const cols = Object.keys(rows[0] ?? {});
  const pairs = conds.map((c) => {
    const eq = c.indexOf('=');
    const key = c.slice(0, Math.max(eq, 0));
    if (eq < 1 || !cols.includes(key)) fail(`build/arches.tsv: no column "${eq < 1 ? c : key}" (in ${c})`);
    return [key, c.slice(eq + 1)];
  });
  if (!cols.includes(want)) fail(`build/arches.tsv: no column "${want}"`);
  for (const r of rows) if (pairs.every(([k = '', v]) => r[k] === v)) console.log(r[want]);
}
