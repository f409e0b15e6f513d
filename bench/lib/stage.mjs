// @ts-check
// The executables the bench runs, copied into its scratch dir, and the bare server made a
// single executable there with the build's own SEA step (build/sea.mjs).
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { makeSea } from '../../build/sea.mjs';

/**
 * A copy of an executable in `dir`, written like every other one the bench runs.
 * File-backed RSS depends on how a file's pages came into the page cache (large folios):
 * the very same executable idles at ~42 MB run from a copy and ~52-54 MB as pkg or postject
 * wrote it. Copying every binary alike keeps that out of the ratios.
 * @param {string} path @param {string} name @param {string} dir
 */
export function stage(path, name, dir) {
  const out = join(dir, name);
  copyFileSync(path, out);
  chmodSync(out, 0o755);
  return out;
}

/**
 * The bare server made a single executable the way the service's is (same Node, same SEA
 * step): shows what the format itself costs. Returns its staged path, or a reason it could
 * not be made (the row is then left out).
 * @param {string} node @param {string} bareFile CommonJS main @param {string} dir scratch dir
 * @returns {Promise<{ path: string } | { why: string }>}
 */
export async function makeBareSea(node, bareFile, dir) {
  const work = join(dir, 'bare-sea.d');
  const out = join(dir, 'bare-sea');
  try {
    mkdirSync(work, { recursive: true });
    await makeSea({
      node,
      main: bareFile,
      out,
      work,
      label: node,
      makeBlob: (args) => execFileSync(node, args, { stdio: 'ignore' }),
    });
    return { path: stage(out, 'bare-sea-run', dir) };
  } catch (err) {
    return { why: err instanceof Error ? err.message.split('\n')[0] : String(err) };
  }
}
