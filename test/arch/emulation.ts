// Running a foreign arch's executable under QEMU user emulation (binfmt_misc) with the
// arch's base rootfs as sysroot. A missing piece fails loudly with what to run.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isHost, requireFile, type Arch } from '../helpers/arches';

const INSTALL = 'install qemu-user-static and binfmt-support, then enable them: `bash hack/provision-qemu.sh`';

export function requireEmulation(a: Arch): void {
  const handler = `/proc/sys/fs/binfmt_misc/qemu-${a.qemu}`;
  if (!existsSync('/proc/sys/fs/binfmt_misc/status')) {
    throw new Error(`binfmt_misc is not mounted, so ${a.make} executables cannot run here: ${INSTALL}`);
  }
  if (!existsSync(handler)) throw new Error(`no binfmt handler ${handler} for ${a.make}: ${INSTALL}`);
  const state = readFileSync(handler, 'utf8');
  if (!state.startsWith('enabled')) throw new Error(`binfmt handler ${handler} is disabled: ${INSTALL}`);
  if (!/^flags: .*F/m.test(state) && !existsSync(`/usr/bin/qemu-${a.qemu}-static`)) {
    throw new Error(`binfmt handler ${handler} points at a missing interpreter: ${INSTALL}`);
  }
}

/**
 * Checks what the arch's executable needs and points startService at it; returns the
 * environment to start it with (binfmt's qemu reads the sysroot from QEMU_LD_PREFIX).
 */
export function useExecutable(a: Arch): NodeJS.ProcessEnv {
  requireFile(a.executable, `make build-${a.make}`);
  const env: NodeJS.ProcessEnv = { ...process.env, EXECHEALTHZ_BIN: a.executable };
  if (!isHost(a)) {
    requireEmulation(a);
    requireFile(join(a.rootfs, 'lib', a.triplet, 'libc.so.6'), `make rootfs-${a.make}`);
    env['QEMU_LD_PREFIX'] = a.rootfs;
  }
  process.env['EXECHEALTHZ_BIN'] = a.executable; // read by startService's serviceCommand()
  return env;
}
