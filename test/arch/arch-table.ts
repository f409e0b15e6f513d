// The arch table (build/arches.tsv) and the paths the build gives each arch, for the arch
// tests. The table is the one place arch names live; the tests read it, never copy it.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT } from '../helpers/service';

export interface Arch {
  readonly make: string;
  readonly node: string;
  readonly pkg: string;
  readonly debian: string;
  readonly platform: string;
  readonly triplet: string;
  readonly qemu: string;
  readonly elfMachine: number;
  readonly elfClass: 32 | 64;
  /** bin/<arch>/exechealthz */
  readonly executable: string;
  /** .cache/rootfs/<arch>: the arch's base rootfs, used as QEMU sysroot. */
  readonly rootfs: string;
}

export function arches(): Arch[] {
  const lines = readFileSync(join(ROOT, 'build', 'arches.tsv'), 'utf8').split('\n');
  const header = lines.find((l) => /^#\s*make\t/.test(l));
  if (header === undefined) throw new Error('build/arches.tsv has no "# make<TAB>..." header');
  const cols = header.replace(/^#\s*/, '').split('\t');
  return lines
    .filter((l) => l.trim() !== '' && !l.startsWith('#'))
    .map((l) => {
      const f = Object.fromEntries(l.split('\t').map((v, i) => [cols[i], v.trim()])) as Record<string, string>;
      const get = (k: string): string => {
        const v = f[k];
        if (v === undefined || v === '') throw new Error(`build/arches.tsv: row ${l} has no ${k}`);
        return v;
      };
      const elfClass = Number(get('elf_class'));
      if (elfClass !== 32 && elfClass !== 64) throw new Error(`build/arches.tsv: bad elf_class in ${l}`);
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
        executable: join(ROOT, 'bin', get('make'), 'exechealthz'),
        rootfs: join(ROOT, '.cache', 'rootfs', get('make')),
      };
    });
}

/** The arch this machine runs natively (uname -m is the qemu column). */
export function isHost(a: Arch): boolean {
  const m: Record<string, string> = { x64: 'x86_64', arm64: 'aarch64', ppc64: 'ppc64le' };
  return (m[process.arch] ?? process.arch) === a.qemu;
}

/** Fails with what to run when a build output the test needs is missing. */
export function requireFile(path: string, how: string): void {
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`${how}\``);
}
