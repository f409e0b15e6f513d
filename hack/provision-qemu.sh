#!/usr/bin/env bash
# QEMU user emulation, so the arm, arm64 and ppc64le executables (and images) run on this
# x86_64 machine: the arch tests, the armv7 SEA blob step and the image tests need it.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh

apt_install qemu-user-static binfmt-support

# A container or a fresh boot may come without binfmt_misc mounted; without it the kernel
# cannot hand foreign ELF files to QEMU.
if [ ! -e /proc/sys/fs/binfmt_misc/register ]; then
  mount -t binfmt_misc binfmt_misc /proc/sys/fs/binfmt_misc || die "cannot mount binfmt_misc (needs root)"
fi

# Enable only when a handler is missing: update-binfmts re-registers everything otherwise.
for q in $(awk -F'\t' '!/^#/ && $7 != "x86_64" {print $7}' build/arches.tsv); do
  if [ ! -e "/proc/sys/fs/binfmt_misc/qemu-$q" ]; then
    update-binfmts --enable "qemu-$q" >/dev/null 2>&1 || update-binfmts --enable >/dev/null 2>&1 \
      || die "update-binfmts --enable qemu-$q failed"
  fi
  [ -e "/proc/sys/fs/binfmt_misc/qemu-$q" ] || die "binfmt handler qemu-$q is not registered"
done
