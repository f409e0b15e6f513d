# Shared helpers for the provisioning scripts. Source it; do not run it.

log() { printf '[provision] %s\n' "$*" >&2; }
die() { printf '[provision] error: %s\n' "$*" >&2; exit 1; }

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
