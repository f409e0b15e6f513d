// Each executable is an ELF file for its arch's machine, word size and byte order (as the
// arch table says), and asks for a dynamic loader that its arch's base rootfs provides:
// the image built FROM that rootfs can start it.
import assert from 'node:assert/strict';
import { closeSync, existsSync, openSync, readFileSync, readSync, realpathSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, it } from 'node:test';
import { archSpec, arches, requireFile } from '../helpers/arches';

const PT_INTERP = 3;

function read(path: string, offset: number, length: number): Buffer {
  const buf = Buffer.alloc(length);
  const fd = openSync(path, 'r');
  try {
    assert.equal(readSync(fd, buf, 0, length, offset), length, `${path} is too short for its ELF header`);
  } finally {
    closeSync(fd);
  }
  return buf;
}

interface Elf {
  readonly cls: number;
  readonly data: number;
  readonly type: number;
  readonly machine: number;
  readonly interp: string | undefined;
}

function parseElf(path: string): Elf {
  const id = read(path, 0, 64);
  assert.equal(id.toString('latin1', 0, 4), '\x7fELF', `${path} is not an ELF file`);
  const cls = id[4] ?? 0;
  const data = id[5] ?? 0;
  const le = data === 1;
  const u16 = (b: Buffer, o: number): number => (le ? b.readUInt16LE(o) : b.readUInt16BE(o));
  const u32 = (b: Buffer, o: number): number => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));
  const u64 = (b: Buffer, o: number): number => Number(le ? b.readBigUInt64LE(o) : b.readBigUInt64BE(o));
  const phoff = cls === 2 ? u64(id, 32) : u32(id, 28);
  const phentsize = u16(id, cls === 2 ? 54 : 42);
  const phnum = u16(id, cls === 2 ? 56 : 44);
  let interp: string | undefined;
  const ph = read(path, phoff, phentsize * phnum);
  for (let i = 0; i < phnum; i++) {
    const o = i * phentsize;
    if (u32(ph, o) !== PT_INTERP) continue;
    const off = cls === 2 ? u64(ph, o + 8) : u32(ph, o + 4);
    const size = cls === 2 ? u64(ph, o + 32) : u32(ph, o + 16);
    interp = read(path, off, size).toString('latin1').replace(/\0+$/, '');
  }
  return { cls, data, type: u16(id, 16), machine: u16(id, 18), interp };
}

describe('build/arches.tsv agrees with the specs', () => {
  for (const a of arches()) {
    it(`${a.make}: ELF machine and class, OCI platform and Debian arch`, () => {
      const spec = archSpec(a.make);
      assert.deepEqual(
        { elfMachine: a.elfMachine, elfClass: a.elfClass, platform: a.platform, debian: a.debian },
        { elfMachine: spec.elfMachine, elfClass: spec.elfClass, platform: spec.platform, debian: spec.debian },
      );
    });
  }
});

describe('executables: ELF headers', () => {
  for (const a of arches()) {
    // Expected values from the ELF spec (test/helpers/arches.ts), not from build/arches.tsv,
    // the table the build checks its own output against.
    const spec = archSpec(a.make);
    it(`bin/${a.make}/exechealthz is a ${spec.elfClass}-bit ${spec.elfData === 'lsb' ? 'little' : 'big'}-endian ELF for ${spec.elfMachineName} (${spec.platform})`, () => {
      requireFile(a.executable, `make build-${a.make}`);
      assert.ok((statSync(a.executable).mode & 0o111) !== 0, `${a.executable} is not executable`);
      const elf = parseElf(a.executable);
      assert.equal(elf.cls, spec.elfClass === 64 ? 2 : 1, 'EI_CLASS (word size)');
      assert.equal(elf.data, spec.elfData === 'lsb' ? 1 : 2, 'EI_DATA (byte order)');
      assert.ok(elf.type === 2 || elf.type === 3, `e_type ${elf.type} is neither EXEC nor DYN`);
      assert.equal(elf.machine, spec.elfMachine, `e_machine (${spec.elfMachineName})`);
    });

    it(`bin/${a.make}/exechealthz is Node with the bundle injected (SEA fuse set), not bare Node`, () => {
      requireFile(a.executable, `make build-${a.make}`);
      const bytes = readFileSync(a.executable);
      // Split so that this file's compiled form never contains the fuse itself.
      const fuse = 'NODE_SEA' + '_FUSE_fce680ab2cc467b6e072b8b5df1996b2';
      assert.ok(bytes.includes(`${fuse}:1`), 'the SEA fuse is not flipped: no blob was injected');
      // A phrase of the service's /healthz answer that stock Node does not contain.
      assert.ok(bytes.includes('Result of last exec'), "the service's own code is not in the executable");
    });

    it(`bin/${a.make}/exechealthz's dynamic loader is in the ${a.make} base rootfs`, () => {
      requireFile(a.executable, `make build-${a.make}`);
      requireFile(a.rootfs, `make rootfs-${a.make}`);
      const { interp } = parseElf(a.executable);
      assert.ok(interp !== undefined && interp.startsWith('/'), `no PT_INTERP in ${a.executable}`);
      const inTree = join(a.rootfs, interp);
      assert.ok(existsSync(inTree), `${a.make} rootfs lacks the loader ${interp}`);
      // Every link on the way must stay inside the tree (qemu -L and image layers alike).
      const real = realpathSync(inTree);
      assert.ok(!relative(realpathSync(a.rootfs), real).startsWith('..'), `${interp} resolves outside the rootfs: ${real}`);
    });
  }
});
