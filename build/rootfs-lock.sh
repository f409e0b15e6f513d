#!/usr/bin/env bash
# Re-pins images/base/packages.lock to the versions Debian's archive serves today, for
# every arch in build/arches.tsv and every package in images/base/packages.txt.
# Run it (`make rootfs-lock`) when a security update has replaced a pinned version.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/build/debian.sh"

tmp="$(mktemp "$PACKAGES_LOCK.XXXXXX")"
trap 'rm -f "$tmp"' EXIT
{
  printf '# Debian 12 packages of the base rootfs, pinned per arch. Written by build/rootfs-lock.sh\n'
  printf '# (`make rootfs-lock`); build/rootfs.sh refuses any downloaded file whose SHA-256 differs.\n'
  printf '# arch\tpackage\tversion\tsha256\tfilename\n'
} >"$tmp"
for arch in $(all_arches); do
  da="$(arch_field "$arch" debian)"
  apt_update_arch "$da"
  for pkg in $(packages_for "$arch"); do
    # --print-uris: 'URI' FILENAME SIZE SHA256:HEX for the candidate version, no download.
    line="$(apt_arch apt-get "$da" download --print-uris "$pkg" 2>/dev/null | grep -E "^'" | head -n1)" \
      || die "$pkg is not in the bookworm index for $da"
    [ -n "$line" ] || die "$pkg is not in the bookworm index for $da"
    read -r _ file _ sum <<<"$line"
    ver="$(apt_arch apt-cache "$da" show --no-all-versions "$pkg" 2>/dev/null | awk '/^Version:/ { print $2; exit }')"
    [ -n "$ver" ] || die "no version found for $pkg ($da)"
    printf '%s\t%s\t%s\t%s\t%s\n' "$arch" "$pkg" "$ver" "${sum#SHA256:}" "$file" >>"$tmp"
  done
  log "pinned $(packages_for "$arch" | wc -l) packages for $arch ($da)"
done
mv "$tmp" "$PACKAGES_LOCK"
trap - EXIT
log "wrote ${PACKAGES_LOCK#$ROOT/}"
