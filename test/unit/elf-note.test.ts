// build/elf-note.mjs adds a SEA blob's note to an ELF file of either byte order and word size.
// readelf (binutils, which reads every byte order) is the judge of what the result says; a
// host executable with a note added must still run. Under QEMU, the arch suite runs the real
// big-endian executables made this way.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before, describe, it } from 'node:test';

interface ElfNote {
  addNote(file: Buffer, name: string, desc: Buffer): Buffer;
}
// The build scripts are ES modules; this suite compiles to CommonJS, whose require() cannot load them.
const importEsm = new Function('u', 'return import(u)') as (u: string) => Promise<ElfNote>;
let elfNote: ElfNote;
before(async () => {
  elfNote = await importEsm(pathToFileURL(resolve(__dirname, '../../../build/elf-note.mjs')).href);
});

const dir = mkdtempSync(join(tmpdir(), 'exechealthz-elf-note-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function readelf(file: string, ...args: string[]): string {
  const r = spawnSync('readelf', ['-W', ...args, file], { encoding: 'utf8' });
  assert.equal(r.status, 0, `readelf ${args.join(' ')}: ${r.stderr}`);
  assert.equal(r.stderr, '', `readelf ${args.join(' ')} warned`);
  return r.stdout;
}

/**
 * A minimal executable image: ELF header, PT_PHDR and one PT_LOAD over the whole file at
 * 0x10000, in the given byte order and word size (machine 22 and 62 are only labels here).
 */
function tinyElf(le: boolean, is64: boolean): Buffer {
  const ehsize = is64 ? 64 : 52;
  const phentsize = is64 ? 56 : 32;
  const size = 0x200;
  const b = Buffer.alloc(size);
  const u16 = (o: number, v: number): number => (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  const u32 = (o: number, v: number): number => (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  const word = (o: number, v: number): number => (is64 ? (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o)) : u32(o, v));
  b.write('\x7fELF', 0, 'latin1');
  b[4] = is64 ? 2 : 1;
  b[5] = le ? 1 : 2;
  b[6] = 1;
  u16(16, 2); // ET_EXEC
  u16(18, le ? 62 : 22);
  u32(20, 1);
  word(24, 0x10000 + ehsize); // e_entry
  word(is64 ? 32 : 28, ehsize); // e_phoff
  u16(is64 ? 52 : 40, ehsize);
  u16(is64 ? 54 : 42, phentsize);
  u16(is64 ? 56 : 44, 2);
  u16(is64 ? 58 : 46, is64 ? 64 : 40); // e_shentsize, no sections
  const phdr = (i: number, type: number, offset: number, filesz: number, align: number): void => {
    const o = ehsize + i * phentsize;
    u32(o, type);
    if (is64) {
      u32(o + 4, 4);
      word(o + 8, offset);
      word(o + 16, 0x10000 + offset);
      word(o + 24, 0x10000 + offset);
      word(o + 32, filesz);
      word(o + 40, filesz);
      word(o + 48, align);
    } else {
      word(o + 4, offset);
      word(o + 8, 0x10000 + offset);
      word(o + 12, 0x10000 + offset);
      word(o + 16, filesz);
      word(o + 20, filesz);
      u32(o + 24, 4);
      word(o + 28, align);
    }
  };
  phdr(0, 6, ehsize, 2 * phentsize, 8);
  phdr(1, 1, 0, size, 0x1000);
  return b;
}

describe('elf-note.mjs: a note in the file\'s own byte order and word size', () => {
  for (const [le, is64] of [[false, true], [true, true], [false, false], [true, false]] as const) {
    const what = `${is64 ? 64 : 32}-bit ${le ? 'little' : 'big'}-endian`;
    it(`${what}: readelf finds NODE_SEA_BLOB with its size in a new PT_NOTE, mapped by a new PT_LOAD; the original bytes are kept`, () => {
      const input = tinyElf(le, is64);
      const desc = Buffer.from('the blob, 23 bytes long');
      const out = elfNote.addNote(input, 'NODE_SEA_BLOB', desc);
      const file = join(dir, `${le ? 'le' : 'be'}${is64 ? 64 : 32}`);
      writeFileSync(file, out);
      assert.ok(out.subarray(0, input.length).subarray(is64 ? 64 : 52).equals(input.subarray(is64 ? 64 : 52)), 'bytes after the ELF header moved');
      const notes = readelf(file, '-n');
      assert.match(notes, /^\s+NODE_SEA_BLOB\s+0x00000017\s/m);
      const segments = readelf(file, '-l');
      assert.match(segments, /There are 4 program headers/);
      const table = [...segments.matchAll(/^\s+(PHDR|LOAD|NOTE)\s+(0x[0-9a-f]+)\s+(0x[0-9a-f]+)/gm)].map((m) => [m[1], Number(m[2]), Number(m[3])] as const);
      assert.deepEqual(table.map(([t]) => t), ['PHDR', 'LOAD', 'LOAD', 'NOTE']);
      for (const [type, offset, vaddr] of table) assert.equal(vaddr - offset, 0x10000, `${type}: address and offset keep the first segment's distance`);
      const [, phdrOffset] = table[0]!;
      const [, newLoad] = table[2]!;
      assert.equal(phdrOffset, newLoad, 'PT_PHDR is the start of the new segment');
      assert.equal(newLoad % 0x1000, 0, 'the new segment starts on a page');
      assert.equal(out.subarray(input.length, newLoad).every((x) => x === 0), true, 'only zeros between the old end and the new segment');
    });
  }

  it('a host executable with a note added still runs (exit 0)', () => {
    const input = readFileSync('/bin/true');
    assert.equal(input[4], 2, 'this check reads a 64-bit host executable');
    const file = join(dir, 'true');
    writeFileSync(file, elfNote.addNote(input, 'NODE_SEA_BLOB', Buffer.alloc(100_000, 7)));
    chmodSync(file, 0o755);
    const r = spawnSync(file, [], { encoding: 'utf8' });
    assert.equal(r.status, 0, `${r.stderr}${r.error ?? ''}`);
    // readelf reads notes through section headers when there are any, and the loader only
    // through program headers: it is shown a copy without them (e_shoff, e_shnum, e_shstrndx 0).
    const segmentsOnly = readFileSync(file);
    segmentsOnly.fill(0, 40, 48);
    segmentsOnly.fill(0, 60, 64);
    writeFileSync(`${file}.nosections`, segmentsOnly);
    assert.match(readelf(`${file}.nosections`, '-n'), /^\s+NODE_SEA_BLOB\s+0x000186a0\s/m);
  });

  it('refuses what is no ELF file, in one line', () => {
    assert.throws(() => elfNote.addNote(Buffer.from('#!/bin/sh\n'.padEnd(80)), 'X', Buffer.from('y')), /^Error: not an ELF file$/);
  });
});
