#!/usr/bin/env bash
# cosign signs and verifies the images (make sign / make verify). Bookworm has no cosign;
# trixie has 2.5, a static Go binary that installs on bookworm. The trixie suite is added
# pinned low so nothing else on the machine moves to trixie. The files are the very ones
# provision-docker.sh writes (same names, same content): whichever part runs first adds
# them and the other finds them unchanged.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh

if ! command -v cosign >/dev/null 2>&1; then
  if [ ! -f /etc/apt/sources.list.d/exechealthz-trixie.sources ]; then
    # The machine's own mirror, read now: no archive host is written into the repo.
    mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ {for (i = 2; i <= NF; i++) if ($i == "bookworm") {print u; exit}}' \
      /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
    if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
      mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list)
    fi
    [ -n "$mirror" ] || die "no bookworm mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
    log "adding the trixie suite from $mirror, pinned at priority 100"
    printf '%s\n' "Types: deb
URIs: $mirror
Suites: trixie
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg" >/etc/apt/sources.list.d/exechealthz-trixie.sources
  fi
  if [ ! -f /etc/apt/preferences.d/exechealthz-trixie ]; then
    printf '%s\n' "Package: *
Pin: release n=trixie
Pin-Priority: 100" >/etc/apt/preferences.d/exechealthz-trixie
  fi
  # Lists fetched before trixie was added do not know cosign: refresh them once.
  apt-cache show cosign >/dev/null 2>&1 || { log "apt-get update (with trixie)"; apt-get update -qq >/dev/null || die "apt-get update failed"; _APT_UPDATED=1; }
  # Pinned low, trixie's cosign is still the only candidate, so a plain install takes it.
  apt_install cosign
fi
command -v cosign >/dev/null 2>&1 || die "cosign still missing after installing it from trixie"
# Debian's build reports GitVersion "devel", so its package version is checked; a cosign
# installed some other way must say v2 itself.
v=$(dpkg-query -W -f='${Version}' cosign 2>/dev/null || true)
[ -n "$v" ] || v=$(cosign version 2>/dev/null | awk '/^GitVersion:/ {sub(/^v/, "", $2); print $2}')
case "$v" in 2.*) ;; *) die "cosign 2.x expected, found '${v:-none}' (apt-get install cosign from trixie: bash hack/provision.sh)" ;; esac
