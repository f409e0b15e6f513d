#!/usr/bin/env bash
# debian-node.sh: the Debian side of build/node-fetch.mjs, for an arch whose Node is Debian's
# (nodejs: the launcher /usr/bin/node; libnode115: libnode.so.115, the runtime itself).
#   fetch ARCH             the .debs build/node.lock.json pins for ARCH into the shared .deb
#                          cache (SHA-256 checked); prints ROLE<TAB>PATH per package
#   pin DEBARCH SUITE PKG...  what SUITE serves today: PKG<TAB>VERSION<TAB>SHA256<TAB>FILENAME
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/build/debian.sh"

case "${1:-}" in
  fetch)
    arch="${2:-}"
    da="$(arch_field "$arch" debian 2>/dev/null)" || die "unknown ARCH '$arch'"
    DEB_SUITE="$(suite_for "$arch")"
    [ "$DEB_SUITE" != bookworm ] || die "build/node.lock.json does not take $arch's Node from Debian"
    node_debian "$arch" | while IFS=$'\t' read -r pkg ver sum file role; do
      printf '%s\t%s\n' "$role" "$(fetch_deb "$da" "$pkg" "$ver" "$sum" "$file" build/node.lock.json)"
    done
    ;;
  pin)
    da="${2:-}" DEB_SUITE="${3:-}"
    [ -n "$da" ] && [ -n "$DEB_SUITE" ] && [ $# -gt 3 ] || die "usage: debian-node.sh pin DEBARCH SUITE PACKAGE..."
    shift 3
    apt_update_arch "$da"
    for pkg in "$@"; do
      IFS=$'\t' read -r ver sum file <<<"$(pin_deb "$da" "$pkg")"
      [ -n "$ver" ] || exit 1
      printf '%s\t%s\t%s\t%s\n' "$pkg" "$ver" "$sum" "$file"
    done
    ;;
  *) die "usage: debian-node.sh fetch ARCH | pin DEBARCH SUITE PACKAGE..." ;;
esac
