# Helpers for fetching Debian packages of any arch without touching the host's dpkg/apt
# state. Source it from bash; needs $ROOT (repository root).

DEB_CACHE="${DEB_CACHE:-$ROOT/.cache/debian}"
PACKAGES_TXT="$ROOT/images/base/packages.txt"
PACKAGES_LOCK="$ROOT/images/base/packages.lock"

log() { printf '%s\n' "$*" >&2; }
die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# arch_field ARCH COLUMN: one field of build/arches.tsv (the one arch table).
arch_field() {
  awk -F'\t' -v a="$1" -v c="$2" '
    /^#/ { if ($1 ~ /^# *make$/) for (i = 1; i <= NF; i++) { h = $i; sub(/^# */, "", h); col[h] = i }; next }
    $1 == a { print $(col[c]); found = 1 }
    END { exit !found }' "$ROOT/build/arches.tsv"
}
all_arches() { awk -F'\t' '!/^#/ && NF { print $1 }' "$ROOT/build/arches.tsv"; }

# packages_for ARCH: the package names of packages.txt that apply to ARCH.
packages_for() {
  awk -F'\t' -v a="$1" '
    /^#/ || !NF { next }
    NF == 1 { print $1; next }
    { n = split($2, as, / +/); for (i = 1; i <= n; i++) if (as[i] == a) print $1 }' "$PACKAGES_TXT"
}

# apt_arch TOOL DEBARCH ARGS...: apt-get or apt-cache against a private state dir for one Debian arch. The
# sources are the host's own bookworm entries (the mirror is whatever this machine uses),
# copied so that suites another provisioning step adds (e.g. trixie) never leak in.
apt_arch() {
  local tool="$1" da="$2"; shift 2
  local d="$DEB_CACHE/apt/$da"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc/sources.list.d" "$d/etc/preferences.d"
  if [ ! -s "$d/etc/sources.list.d/debian.sources" ]; then
    [ -r /etc/apt/sources.list.d/debian.sources ] || die "no /etc/apt/sources.list.d/debian.sources to take Debian's mirror from"
    cp /etc/apt/sources.list.d/debian.sources "$d/etc/sources.list.d/debian.sources"
  fi
  "$tool" -q \
    -o APT::Architecture="$da" -o APT::Architectures="$da" \
    -o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" \
    -o Dir::State::status=/dev/null \
    -o Dir::Etc::SourceList=/dev/null -o Dir::Etc::SourceParts="$d/etc/sources.list.d" \
    -o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts="$d/etc/preferences.d" \
    "$@"
}

# apt_update_arch DEBARCH: refresh the private index. One index failing (a mirror mid-sync)
# is tolerated as long as the main suite's package list arrived: the others only add
# newer versions, and a pinned file that is missing is reported by name later.
apt_update_arch() {
  local da="$1" out
  if ! out=$(apt_arch apt-get "$da" update 2>&1); then
    log "warning: apt-get update ($da) reported errors; continuing with the indexes that arrived:"
    printf '%s\n' "$out" | grep -E '^(E|W):' | sed 's/^/  /' >&2 || true
  fi
  ls "$DEB_CACHE/apt/$da/lists/"*_bookworm_main_binary-"${da}"_Packages* >/dev/null 2>&1 \
    || die "no bookworm package index for $da could be fetched (is Debian's archive reachable?)"
}
