#!/usr/bin/env bash
# cosign signs and verifies the images (make sign / make verify). Bookworm has no cosign;
# trixie has 2.5, a static Go binary that installs on bookworm (it needs libc6 >= 2.34 only).
# Installed from trixie like Docker (hack/lib.sh trixie_install).
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh

command -v cosign >/dev/null 2>&1 || trixie_install cosign/trixie
command -v cosign >/dev/null 2>&1 || die "cosign still missing after installing it from trixie"
# Debian's build reports GitVersion "devel", so its package version is checked; a cosign
# installed some other way must say v2 itself.
v=$(dpkg-query -W -f='${Version}' cosign 2>/dev/null || true)
[ -n "$v" ] || v=$(cosign version 2>/dev/null | awk '/^GitVersion:/ {sub(/^v/, "", $2); print $2}')
case "$v" in 2.*) ;; *) die "cosign 2.x expected, found '${v:-none}' (apt-get install cosign from trixie: bash hack/provision.sh)" ;; esac
