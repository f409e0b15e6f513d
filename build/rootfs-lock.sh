#!/usr/bin/env bash
# rootfs-lock.sh [ARCH...]: re-pins images/base/packages.lock to the versions Debian's archive
# serves today, for every package of images/base/packages.txt and the given arches (default:
# every arch of build/arches.tsv; the rows of other arches are kept as they are). Each arch
# is pinned from its own suite (suite_for: trixie where the Node is Debian's libnode).
# Run it (`make rootfs-lock`) when a security update has replaced a pinned version.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/build/debian.sh"

allowed="$(all_arches | tr '\n' ' ')"
arches="${*:-$allowed}"
for arch in $arches; do
  arch_field "$arch" debian >/dev/null 2>&1 || die "unknown ARCH '$arch' (allowed: ${allowed% })"
done
tmp="$(mktemp "$PACKAGES_LOCK.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
{
  printf '# Debian packages of the base rootfs, pinned per arch, each from its arch'"'"'s suite. Written by\n'
  printf '# build/rootfs-lock.sh (`make rootfs-lock`); build/rootfs.sh refuses any downloaded file whose\n'
  printf '# SHA-256 differs. The Node packages of an arch whose Node is Debian'"'"'s are in build/node.lock.json.\n'
  printf '# arch\tpackage\tversion\tsha256\tfilename\tsuite\n'
} >"$tmp"
for arch in $(all_arches); do
  if [[ " $arches " != *" $arch "* ]]; then
    awk -F'\t' -v a="$arch" '!/^#/ && $1 == a' "$PACKAGES_LOCK" >>"$tmp"
    continue
  fi
  da="$(arch_field "$arch" debian)"
  DEB_SUITE="$(suite_for "$arch")"
  apt_update_arch "$da"
  for pkg in $(packages_for "$arch"); do
    IFS=$'\t' read -r ver sum file <<<"$(pin_deb "$da" "$pkg")"
    [ -n "$ver" ] || exit 1
    printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$arch" "$pkg" "$ver" "$sum" "$file" "$DEB_SUITE" >>"$tmp"
  done
  log "pinned $(packages_for "$arch" | wc -l) packages for $arch ($da, $DEB_SUITE)"
done
mv "$tmp" "$PACKAGES_LOCK"
trap - EXIT
log "wrote ${PACKAGES_LOCK#$ROOT/}"
