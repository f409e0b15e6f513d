// @ts-check
// The one SEA step: a stock Node binary plus a CommonJS main script made a Single Executable
// Application the way pkg's simple --sea mode makes one (blob without snapshot or code cache,
// injected by postject; a big-endian ELF gets the same note from build/elf-note.mjs), so every
// executable made here behaves alike. The build uses it for
// the arches whose own Node makes the blob (executable.mjs), the benchmark for its bare server.
import { copyFileSync, existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { addNote } from './elf-note.mjs';
import { ROOT } from './lib.mjs';

// The SEA fuse postject flips from :0 to :1; written split so this file never contains it.
export const FUSE = 'NODE_SEA' + '_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Whether the file's SEA fuse is flipped, i.e. a blob was injected. @param {string} file */
export const fuseSet = (file) => readFileSync(file).includes(`${FUSE}:1`);

// ELF EI_DATA of a big-endian file.
const ELFDATA2MSB = 2;

/**
 * Writes OUT: NODE with the blob of MAIN injected. The blob is made in WORK by `makeBlob`,
 * which runs NODE (directly, or under QEMU for a foreign arch) with the arguments it is
 * given. Throws an Error with a one-line message naming `label` (e.g. "the ARCH Node").
 * @param {{ node: string, main: string, out: string, work: string, label: string,
 *   makeBlob: (args: string[]) => unknown, appendFuse?: boolean }} o
 *   appendFuse: for a Node without the fuse sentinel (Debian's launcher), which postject refuses.
 */
export async function makeSea({ node, main, out, work, label, makeBlob, appendFuse = false }) {
  const blob = join(work, 'sea-prep.blob');
  const config = join(work, 'sea-config.json');
  writeFileSync(config, JSON.stringify({
    main, output: blob, disableExperimentalSEAWarning: true, useSnapshot: false, useCodeCache: false,
  }));
  await makeBlob(['--experimental-sea-config', config]);
  if (!existsSync(blob) || statSync(blob).size === 0) throw new Error(`${label} made no SEA blob`);
  copyFileSync(node, out);
  if (appendFuse) writeFileSync(out, `${FUSE}:0`, { flag: 'a' });
  const copied = readFileSync(out);
  if (copied[5] === ELFDATA2MSB || appendFuse) {
    // postject writes a big-endian ELF's notes and program headers little-endian (the result
    // crashes in the loader), and its rewrite of Debian's small PIE launcher crashed one
    // arch's at start even before the blob was read (seen with 20.19.2+dfsg-1+deb13u2),
    // so such a file gets its note from build/elf-note.mjs, which moves no byte of it, and
    // its fuse flipped here, as postject would.
    let bytes;
    try {
      bytes = addNote(copied, 'NODE_SEA_BLOB', readFileSync(blob));
    } catch (e) {
      throw new Error(`cannot add the SEA blob note to ${label}: ${e instanceof Error ? e.message : String(e)}`);
    }
    const at = bytes.indexOf(`${FUSE}:0`);
    if (at < 0 || bytes.indexOf(`${FUSE}:0`, at + 1) >= 0) throw new Error(`${label} does not hold exactly one unset SEA fuse`);
    bytes.write('1', at + FUSE.length + 1, 'latin1');
    writeFileSync(out, bytes);
    return;
  }
  const { inject } = createRequire(join(ROOT, 'package.json'))('postject');
  // LIEF (inside postject) warns about note-section names it re-synthesises after growing
  // the section table; pkg hides the same benign line, so do we, and nothing else.
  const write = process.stderr.write.bind(process.stderr);
  process.stderr.write = (/** @type {string | Uint8Array} */ chunk, /** @type {never[]} */ ...rest) =>
    /^warning: Can't find string offset for section name '\.note/.test(String(chunk)) ? true : write(chunk, ...rest);
  try {
    await inject(out, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: FUSE, overwrite: true });
  } catch (e) {
    throw new Error(`postject could not inject the blob into ${label}: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
  } finally {
    process.stderr.write = write;
  }
}
