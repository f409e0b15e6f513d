// The arch table (build/arches.tsv) for every test, through one typed reader, and the values
// the specs give each arch. The table is the one place the build names arches; tests read it,
// never copy it. The spec values below are written out on purpose: tests check the build's
// outputs and the table itself against them, so a wrong row is caught instead of copied.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { machine } from 'node:os';
import { join } from 'node:path';
import { ROOT } from './service';

export interface Arch {
  /** Makefile ARCH. */
  readonly make: string;
  /** npm's node-linux-NAME. */
  readonly node: string;
  /** @yao-pkg/pkg's arch name. */
  readonly pkg: string;
  readonly debian: string;
  /** OCI platform, e.g. linux/arm/v7. */
  readonly platform: string;
  /** GNU triplet, Debian's multiarch directory. */
  readonly triplet: string;
  /** qemu-NAME-static; also `uname -m` of a machine of this arch. */
  readonly qemu: string;
  readonly elfMachine: number;
  readonly elfClass: 32 | 64;
  /** Who makes the SEA blob: pkg (with a Node that runs here) or the arch's own Node under QEMU. */
  readonly blob: 'pkg' | 'self';
  /** Also published under the old un-suffixed image name. */
  readonly legacy: boolean;
  /** bin/<arch>/exechealthz */
  readonly executable: string;
  /** .cache/rootfs/<arch>: the arch's base rootfs, used as QEMU sysroot. */
  readonly rootfs: string;
}

/** The table's columns, in the order of its header line. */
export const TABLE_COLUMNS = ['make', 'node', 'pkg', 'debian', 'platform', 'triplet', 'qemu', 'elf_machine', 'elf_class', 'blob', 'legacy'] as const;

/** The rows of build/arches.tsv, as the build's one parser reads them (node build/arches.mjs --json). */
export function arches(): Arch[] {
  const r = spawnSync(process.execPath, [join(ROOT, 'build', 'arches.mjs'), '--json'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`node build/arches.mjs --json failed: ${r.stderr.trim()}`);
  const rows = JSON.parse(r.stdout) as Record<string, string>[];
  return rows.map((row) => {
    const get = (k: (typeof TABLE_COLUMNS)[number]): string => {
      const v = row[k];
      if (v === undefined || v === '') throw new Error(`build/arches.tsv: row ${JSON.stringify(row)} has no ${k}`);
      return v;
    };
    const elfClass = Number(get('elf_class'));
    if (elfClass !== 32 && elfClass !== 64) throw new Error(`build/arches.tsv: bad elf_class in ${JSON.stringify(row)}`);
    const blob = get('blob');
    if (blob !== 'pkg' && blob !== 'self') throw new Error(`build/arches.tsv: blob is ${blob}, not pkg or self`);
    const legacy = get('legacy');
    if (legacy !== 'yes' && legacy !== 'no') throw new Error(`build/arches.tsv: legacy is ${legacy}, not yes or no`);
    return {
      make: get('make'),
      node: get('node'),
      pkg: get('pkg'),
      debian: get('debian'),
      platform: get('platform'),
      triplet: get('triplet'),
      qemu: get('qemu'),
      elfMachine: Number(get('elf_machine')),
      elfClass,
      blob,
      legacy: legacy === 'yes',
      executable: join(ROOT, 'bin', get('make'), 'exechealthz'),
      rootfs: join(ROOT, '.cache', 'rootfs', get('make')),
    };
  });
}

/** The arch this machine runs natively: its `uname -m` is the qemu column (as for the build). */
export function isHost(a: Arch): boolean {
  return machine() === a.qemu;
}

/** The one arch also published under the old un-suffixed image name. */
export function legacyArch(): Arch {
  const rows = arches().filter((a) => a.legacy);
  if (rows.length !== 1) throw new Error(`build/arches.tsv has ${rows.length} rows with legacy "yes", not one`);
  return rows[0] as Arch;
}

/** Fails with what to run when a build output the test needs is missing. */
export function requireFile(path: string, how: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`${how}\``);
}

export interface ArchSpec {
  /** ELF e_machine (System V ABI / elf.h). */
  readonly elfMachine: number;
  readonly elfMachineName: string;
  /** ELF EI_CLASS word size. */
  readonly elfClass: 32 | 64;
  /** ELF EI_DATA byte order: lsb (little-endian) or msb (big-endian). */
  readonly elfData: 'lsb' | 'msb';
  /** OCI image-index platform (os/architecture[/variant]), Go's GOOS/GOARCH/GOARM naming. */
  readonly platform: string;
  /** Debian's architecture name (dpkg --print-architecture on such a machine). */
  readonly debian: string;
}

// Keyed by Makefile ARCH. Beyond the arches the table has today, the ones Kubernetes images
// also ship, so that adding such a row to the table needs no change here.
const SPEC: Readonly<Record<string, ArchSpec>> = {
  amd64: { elfMachine: 62, elfMachineName: 'EM_X86_64', elfClass: 64, elfData: 'lsb', platform: 'linux/amd64', debian: 'amd64' },
  arm: { elfMachine: 40, elfMachineName: 'EM_ARM', elfClass: 32, elfData: 'lsb', platform: 'linux/arm/v7', debian: 'armhf' },
  arm64: { elfMachine: 183, elfMachineName: 'EM_AARCH64', elfClass: 64, elfData: 'lsb', platform: 'linux/arm64', debian: 'arm64' },
  ppc64le: { elfMachine: 21, elfMachineName: 'EM_PPC64', elfClass: 64, elfData: 'lsb', platform: 'linux/ppc64le', debian: 'ppc64el' },
  s390x: { elfMachine: 22, elfMachineName: 'EM_S390', elfClass: 64, elfData: 'msb', platform: 'linux/s390x', debian: 's390x' },
};

/** The spec values for a Makefile ARCH; an arch without an entry here fails the test that asks. */
export function archSpec(make: string): ArchSpec {
  const s = SPEC[make];
  if (s === undefined) throw new Error(`no spec values for ARCH=${make}: add its ELF, OCI and Debian names to test/helpers/arches.ts`);
  return s;
}
