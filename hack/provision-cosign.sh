#!/usr/bin/env bash
# cosign signs and verifies the images (make sign / make verify). Bookworm has no cosign;
# trixie has 2.5, a static Go binary that installs on bookworm (it needs libc6 >= 2.34 only).
# Like provision-docker.sh, trixie is given to apt through private source and list dirs for
# this one install (same dir, same files), so the machine's own apt sources stay bookworm.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh

if ! command -v cosign >/dev/null 2>&1; then
  # The machine's own mirror, read now: no archive host is written into the repo.
  mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ {for (i = 2; i <= NF; i++) if ($i == "bookworm") {print u; exit}}' \
    /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || die "no bookworm mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  aptdir=/var/lib/exechealthz-apt
  mkdir -p "$aptdir/sources" "$aptdir/lists/partial" "$aptdir/cache" "$aptdir/preferences.d"
  cp /etc/apt/sources.list.d/debian.sources "$aptdir/sources/debian.sources" 2>/dev/null || true
  [ -f /etc/apt/sources.list ] && cp /etc/apt/sources.list "$aptdir/sources.list" || : >"$aptdir/sources.list"
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" >"$aptdir/sources/trixie.sources"
  # trixie at priority 100: only what is named with /trixie comes from it.
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >"$aptdir/preferences.d/trixie"
  aptopts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=$aptdir/sources"
    -o "Dir::Etc::PreferencesParts=$aptdir/preferences.d"
    -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache")
  log "apt-get update (bookworm + trixie, private lists in $aptdir)"
  apt-get "${aptopts[@]}" update -qq >/dev/null || die "apt-get update with trixie failed"
  log "installing cosign/trixie"
  DEBIAN_FRONTEND=noninteractive apt-get "${aptopts[@]}" install -y -qq --no-install-recommends cosign/trixie >/dev/null \
    || die "apt-get install cosign/trixie failed"
fi
command -v cosign >/dev/null 2>&1 || die "cosign still missing after installing it from trixie"
# Debian's build reports GitVersion "devel", so its package version is checked; a cosign
# installed some other way must say v2 itself.
v=$(dpkg-query -W -f='${Version}' cosign 2>/dev/null || true)
[ -n "$v" ] || v=$(cosign version 2>/dev/null | awk '/^GitVersion:/ {sub(/^v/, "", $2); print $2}')
case "$v" in 2.*) ;; *) die "cosign 2.x expected, found '${v:-none}' (apt-get install cosign from trixie: bash hack/provision.sh)" ;; esac
