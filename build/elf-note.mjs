// Adds one ELF note (a named resource, e.g. a Node SEA blob) to an executable, in the file's
// own byte order and word size, and nothing else: no byte of the original file moves.
//
// Why not postject (which pkg and build/executable.mjs use elsewhere): its LIEF writes note
// headers and the program header table it relocates in little-endian order whatever the
// file's EI_DATA says, so on a big-endian ELF the result crashes in the dynamic loader before
// Node starts (readelf -n then shows namesz 0x11000000 for 0x11).
//
// What a reader needs (Node's SEA on Linux: postject_find_resource walks the main program's
// program headers from dl_iterate_phdr, looking for a PT_NOTE whose note name is the
// resource's) is a PT_NOTE in memory. So the file is extended, from a page boundary past
// both its end and its highest mapped address, with one new block: a copy of the program
// header table with two more entries (a PT_LOAD mapping the block read-only, and the
// PT_NOTE of the note), then the note. e_phoff and PT_PHDR point at the copy. The block's
// address keeps the same offset-to-address distance as the first PT_LOAD, which is how both
// the kernel and QEMU's loader compute AT_PHDR from e_phoff. Section headers stay where they
// are (nothing reads notes through them here).

const PT_LOAD = 1;
const PT_NOTE = 4;
const PT_PHDR = 6;
const PF_R = 4;

/**
 * The file with NAME's note holding DESC appended (a new Buffer; FILE is not changed).
 * Throws an Error with one line on a file it cannot extend.
 * @param {Buffer} file
 * @param {string} name
 * @param {Buffer} desc
 * @returns {Buffer}
 */
export function addNote(file, name, desc) {
  if (file.length < 64 || file.toString('latin1', 0, 4) !== '\x7fELF') throw new Error('not an ELF file');
  const cls = file[4];
  const data = file[5];
  if ((cls !== 1 && cls !== 2) || (data !== 1 && data !== 2)) throw new Error(`unknown ELF class ${cls} or byte order ${data}`);
  const is64 = cls === 2;
  const le = data === 1;
  const io = fields(le, is64);

  const phoff = io.word(file, is64 ? 32 : 28);
  const phentsize = io.u16(file, is64 ? 54 : 42);
  const phnum = io.u16(file, is64 ? 56 : 44);
  if (phentsize !== (is64 ? 56 : 32)) throw new Error(`program header entries of ${phentsize} bytes`);
  if (phoff + phnum * phentsize > file.length) throw new Error('program header table past the end of the file');
  /** @type {{ type: number, offset: number, vaddr: number, filesz: number, memsz: number, align: number, raw: Buffer }[]} */
  const phdrs = [];
  for (let i = 0; i < phnum; i++) phdrs.push(io.phdr(file.subarray(phoff + i * phentsize, phoff + (i + 1) * phentsize)));
  const loads = phdrs.filter((p) => p.type === PT_LOAD);
  const first = loads[0];
  if (first === undefined) throw new Error('no PT_LOAD segment');
  const page = Math.max(4096, ...loads.map((p) => p.align));
  // Offset to address distance of the first segment; the new block keeps it.
  const bias = first.vaddr - first.offset;
  if (bias % page !== 0) throw new Error('the first PT_LOAD is not page-aligned');
  const memEnd = Math.max(...loads.map((p) => p.vaddr + p.memsz));
  const start = roundUp(Math.max(file.length, memEnd - bias), page);

  // The note: namesz, descsz, type, then name and desc each padded to 4 bytes.
  const nameBytes = Buffer.from(`${name}\0`, 'latin1');
  const note = Buffer.alloc(12 + roundUp(nameBytes.length, 4) + roundUp(desc.length, 4));
  io.u32w(note, 0, nameBytes.length);
  io.u32w(note, 4, desc.length);
  io.u32w(note, 8, 0);
  nameBytes.copy(note, 12);
  desc.copy(note, 12 + roundUp(nameBytes.length, 4));

  const tableSize = (phnum + 2) * phentsize;
  const noteAt = start + roundUp(tableSize, 8);
  const blockSize = noteAt + note.length - start;
  const entries = [];
  const lastLoad = phdrs.lastIndexOf(loads[loads.length - 1] ?? first);
  for (const [i, p] of phdrs.entries()) {
    if (p.type === PT_PHDR) {
      entries.push(io.phdrRaw(p.raw, { type: PT_PHDR, flags: PF_R, offset: start, vaddr: bias + start, filesz: tableSize, memsz: tableSize, align: 8 }));
    } else {
      entries.push(Buffer.from(p.raw));
    }
    // PT_LOAD entries must stay in ascending address order: the new one, highest, goes last.
    if (i === lastLoad) {
      entries.push(io.phdrRaw(Buffer.alloc(phentsize), { type: PT_LOAD, flags: PF_R, offset: start, vaddr: bias + start, filesz: blockSize, memsz: blockSize, align: page }));
    }
  }
  entries.push(io.phdrRaw(Buffer.alloc(phentsize), { type: PT_NOTE, flags: PF_R, offset: noteAt, vaddr: bias + noteAt, filesz: note.length, memsz: note.length, align: 4 }));

  const out = Buffer.alloc(noteAt + note.length);
  file.copy(out, 0);
  Buffer.concat(entries).copy(out, start);
  note.copy(out, noteAt);
  io.wordw(out, is64 ? 32 : 28, start);
  io.u16w(out, is64 ? 56 : 44, phnum + 2);
  return out;
}

/**
 * @param {number} n
 * @param {number} to
 */
const roundUp = (n, to) => Math.ceil(n / to) * to;

/**
 * Readers and writers of ELF fields in one byte order and word size.
 * @param {boolean} le
 * @param {boolean} is64
 */
function fields(le, is64) {
  /** @type {(b: Buffer, o: number) => number} */
  const u16 = (b, o) => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  /** @type {(b: Buffer, o: number) => number} */
  const u32 = (b, o) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  /** @type {(b: Buffer, o: number) => number} */
  const u64 = (b, o) => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  /** @type {(b: Buffer, o: number, v: number) => void} */
  const u16w = (b, o, v) => void (le ? b.writeUInt16LE(v, o) : b.writeUInt16BE(v, o));
  /** @type {(b: Buffer, o: number, v: number) => void} */
  const u32w = (b, o, v) => void (le ? b.writeUInt32LE(v, o) : b.writeUInt32BE(v, o));
  /** @type {(b: Buffer, o: number, v: number) => void} */
  const u64w = (b, o, v) => void (le ? b.writeBigUInt64LE(BigInt(v), o) : b.writeBigUInt64BE(BigInt(v), o));
  const word = is64 ? u64 : u32;
  const wordw = is64 ? u64w : u32w;
  // Elf64_Phdr: type, flags, offset, vaddr, paddr, filesz, memsz, align;
  // Elf32_Phdr: type, offset, vaddr, paddr, filesz, memsz, flags, align.
  const at = is64
    ? { type: 0, flags: 4, offset: 8, vaddr: 16, paddr: 24, filesz: 32, memsz: 40, align: 48 }
    : { type: 0, offset: 4, vaddr: 8, paddr: 12, filesz: 16, memsz: 20, flags: 24, align: 28 };
  return {
    u16, u16w, u32w, word, wordw,
    /** @param {Buffer} raw */
    phdr: (raw) => ({
      type: u32(raw, at.type), offset: word(raw, at.offset), vaddr: word(raw, at.vaddr),
      filesz: word(raw, at.filesz), memsz: word(raw, at.memsz), align: word(raw, at.align), raw,
    }),
    /**
     * A copy of RAW with these fields (paddr = vaddr).
     * @param {Buffer} raw
     * @param {{ type: number, flags: number, offset: number, vaddr: number, filesz: number, memsz: number, align: number }} p
     */
    phdrRaw: (raw, p) => {
      const b = Buffer.from(raw);
      u32w(b, at.type, p.type);
      u32w(b, at.flags, p.flags);
      wordw(b, at.offset, p.offset);
      wordw(b, at.vaddr, p.vaddr);
      wordw(b, at.paddr, p.vaddr);
      wordw(b, at.filesz, p.filesz);
      wordw(b, at.memsz, p.memsz);
      wordw(b, at.align, p.align);
      return b;
    },
  };
}
