// What each supported arch must be according to the specs, written out here on purpose:
// the tests check the build's outputs (and build/arches.tsv, the table the build itself
// reads) against these, so a wrong row in that table is caught instead of copied.

export interface ArchSpec {
  /** ELF e_machine (System V ABI / elf.h): EM_X86_64 62, EM_ARM 40, EM_AARCH64 183, EM_PPC64 21. */
  readonly elfMachine: number;
  readonly elfMachineName: string;
  /** ELF EI_CLASS word size. */
  readonly elfClass: 32 | 64;
  /** OCI image-index platform (os/architecture[/variant]), Go's GOOS/GOARCH/GOARM naming. */
  readonly platform: string;
  /** Debian's architecture name (dpkg --print-architecture on such a machine). */
  readonly debian: string;
}

const SPEC: Readonly<Record<string, ArchSpec>> = {
  amd64: { elfMachine: 62, elfMachineName: 'EM_X86_64', elfClass: 64, platform: 'linux/amd64', debian: 'amd64' },
  arm: { elfMachine: 40, elfMachineName: 'EM_ARM', elfClass: 32, platform: 'linux/arm/v7', debian: 'armhf' },
  arm64: { elfMachine: 183, elfMachineName: 'EM_AARCH64', elfClass: 64, platform: 'linux/arm64', debian: 'arm64' },
  ppc64le: { elfMachine: 21, elfMachineName: 'EM_PPC64', elfClass: 64, platform: 'linux/ppc64le', debian: 'ppc64el' },
};

/** The spec values for a Makefile ARCH; an arch without an entry here fails the test that asks. */
export function archSpec(make: string): ArchSpec {
  const s = SPEC[make];
  if (s === undefined) throw new Error(`no spec values for ARCH=${make}: add its ELF, OCI and Debian names to test/helpers/spec.ts`);
  return s;
}
