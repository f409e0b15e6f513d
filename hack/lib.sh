# Shared helpers for the provisioning scripts. Source it; do not run it.

log() { printf '[provision] %s\n' "$*" >&2; }
# Every script fails in one shape: "<script file>: error: <message>", one line, status 1.
die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# apt_install PKG...: installs only what is missing, running `apt-get update` at most
# once per provisioning run, so a machine that has everything costs no network.
apt_install() {
  local missing=() p
  for p in "$@"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ -z "${_APT_UPDATED:-}" ]; then
    log "apt-get update"
    apt-get update -qq >/dev/null || die "apt-get update failed"
    _APT_UPDATED=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# trixie_install PKG/SUITE...: installs packages Debian 12 lacks (Docker 26, Buildx, cosign)
# from Debian 13, pinned low. trixie is given to apt through private source, list and
# preference dirs for this install only, so the machine's own sources (and everyone's
# `apt-get update`) stay bookworm and only what is named with /trixie comes from it.
trixie_install() {
  local mirror aptdir=/var/lib/exechealthz-apt
  # The machine's own mirror, read now: no archive host is written into the repo.
  mirror=$(awk '/^URIs:/ {u=$2} /^Suites:/ {for (i = 2; i <= NF; i++) if ($i == "bookworm") {print u; exit}}' \
    /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  if [ -z "$mirror" ] && [ -f /etc/apt/sources.list ]; then
    mirror=$(awk '$1 == "deb" && $3 == "bookworm" {print $2; exit}' /etc/apt/sources.list)
  fi
  [ -n "$mirror" ] || die "no bookworm mirror found in /etc/apt/sources.list.d/debian.sources or /etc/apt/sources.list"
  mkdir -p "$aptdir/sources" "$aptdir/lists/partial" "$aptdir/cache" "$aptdir/preferences.d"
  cp /etc/apt/sources.list.d/debian.sources "$aptdir/sources/debian.sources" 2>/dev/null || true
  if [ -f /etc/apt/sources.list ]; then cp /etc/apt/sources.list "$aptdir/sources.list"; else : >"$aptdir/sources.list"; fi
  printf 'Types: deb\nURIs: %s\nSuites: trixie\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n' \
    "$mirror" >"$aptdir/sources/trixie.sources"
  printf 'Package: *\nPin: release n=trixie\nPin-Priority: 100\n' >"$aptdir/preferences.d/trixie"
  local aptopts=(-o "Dir::Etc::SourceList=$aptdir/sources.list" -o "Dir::Etc::SourceParts=$aptdir/sources"
    -o "Dir::Etc::PreferencesParts=$aptdir/preferences.d"
    -o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache")
  log "apt-get update (bookworm + trixie, private lists in $aptdir)"
  # One index failing (a mirror mid-sync) need not stop the install: the install says.
  apt-get "${aptopts[@]}" update -qq >/dev/null || log "warning: apt-get update (with trixie) reported errors; trying the install"
  log "installing $*"
  DEBIAN_FRONTEND=noninteractive apt-get "${aptopts[@]}" install -y -qq --no-install-recommends \
    -o Dpkg::Options::=--force-confold "$@" >/dev/null || die "apt-get install $* failed"
}
