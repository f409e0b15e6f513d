#!/usr/bin/env bash
# QEMU user emulation, so the executables (and images) of every arch of build/arches.tsv
# but this machine's run here: the arch tests, the SEA blob step of the arches whose own Node
# makes it (blob column "self") and the image tests need it.
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
# The qemu column names each arch's handler; this machine's own row (its `uname -m`) needs none.
qemus="$(node build/arches.mjs qemu)" || exit 2
for q in $qemus; do
  [ "$q" != "$(uname -m)" ] || continue
  command -v "qemu-$q-static" >/dev/null || die "qemu-user-static installed no qemu-$q-static (the qemu column of build/arches.tsv)"
  if [ ! -e "/proc/sys/fs/binfmt_misc/qemu-$q" ]; then
    update-binfmts --enable "qemu-$q" >/dev/null 2>&1 || update-binfmts --enable >/dev/null 2>&1 \
      || die "update-binfmts --enable qemu-$q failed"
  fi
  [ -e "/proc/sys/fs/binfmt_misc/qemu-$q" ] || die "binfmt handler qemu-$q is not registered"
done
