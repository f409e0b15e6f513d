# Helpers for fetching Debian packages of any arch without touching the host's dpkg/apt
# state. Source it from bash; needs $ROOT (repository root).

DEB_CACHE="${DEB_CACHE:-$ROOT/.cache/debian}"
PACKAGES_TXT="$ROOT/images/base/packages.txt"
PACKAGES_LOCK="$ROOT/images/base/packages.lock"

log() { printf '%s\n' "$*" >&2; }
die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }

# arch_field, all_arches, host_arch: build/arches.tsv by column name.
. "$ROOT/build/arches.sh"

# packages_for ARCH: the package names of packages.txt that apply to ARCH ("debian-node" in
# the arches column: every arch whose Node is Debian's libnode, see suite_for; "ARCH/npm":
# ARCH while its Node comes from npm).
packages_for() {
  local dn=0
  [ "$(suite_for "$1")" = bookworm ] || dn=1
  awk -F'\t' -v a="$1" -v dn="$dn" '
    /^#/ || !NF { next }
    NF == 1 { print $1; next }
    { n = split($2, as, / +/); for (i = 1; i <= n; i++) if (as[i] == a || (as[i] == "debian-node" && dn) || (as[i] == a "/npm" && !dn)) print $1 }' "$PACKAGES_TXT"
}

# The Debian release apt_arch works on: bookworm (Debian 12) unless set, e.g. to the suite
# build/node.lock.json names for an arch whose Node comes from Debian (suite_for).
DEB_SUITE="${DEB_SUITE:-bookworm}"

# suite_for ARCH: the Debian release ARCH's base comes from. An arch whose Node is Debian's
# libnode needs that release's libc6 and libraries, so its whole base follows the suite
# build/node.lock.json pins the Node packages from; the others stay on bookworm.
suite_for() {
  node -e '
    const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).arches?.[process.argv[2]];
    console.log(e?.source === "debian" ? e.suite : "bookworm");' "$ROOT/build/node.lock.json" "$1" \
    || die "cannot read build/node.lock.json for $1"
}

# node_debian ARCH: "package<TAB>version<TAB>sha256<TAB>filename<TAB>role" of each Debian
# package build/node.lock.json pins for ARCH's Node (none for an npm-sourced arch).
node_debian() {
  node -e '
    const e = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")).arches?.[process.argv[2]];
    if (e?.source === "debian") for (const d of e.debs) console.log([d.package, d.version, d.sha256, d.filename, d.role].join("\t"));' \
    "$ROOT/build/node.lock.json" "$1" || die "cannot read build/node.lock.json for $1"
}

# apt_arch TOOL DEBARCH ARGS...: apt-get or apt-cache against a private state dir for one Debian
# arch and $DEB_SUITE. The sources are the host's own bookworm entries (the mirror is whatever
# this machine uses) with the suite names swapped, copied so that suites another provisioning
# step adds never leak in.
apt_arch() {
  local tool="$1" da="$2"; shift 2
  local d="$DEB_CACHE/apt/$da"
  [ "$DEB_SUITE" = bookworm ] || d="$DEB_CACHE/apt/$DEB_SUITE-$da"
  mkdir -p "$d/lists/partial" "$d/cache/archives/partial" "$d/etc/sources.list.d" "$d/etc/preferences.d"
  if [ ! -s "$d/etc/sources.list.d/debian.sources" ]; then
    [ -r /etc/apt/sources.list.d/debian.sources ] || die "no /etc/apt/sources.list.d/debian.sources to take Debian's mirror from"
    case "$DEB_SUITE" in
      stable | oldstable)
        # An alias's own index only (see older_suite): not its -updates or -security suites,
        # which carry the newer uploads it is asked for when those are not served.
        awk -v s="$DEB_SUITE" 'BEGIN { RS = ""; ORS = "\n\n" }
          $0 ~ /(^|\n)Suites:([^\n]* )?bookworm( |\n|$)/ {
            n = split($0, l, "\n"); out = ""
            for (i = 1; i <= n; i++) out = out (l[i] ~ /^Suites:/ ? "Suites: " s : l[i]) "\n"
            printf "%s\n", out }' /etc/apt/sources.list.d/debian.sources ;;
      *) sed "s/\bbookworm\b/$DEB_SUITE/g" /etc/apt/sources.list.d/debian.sources ;;
    esac > "$d/etc/sources.list.d/debian.sources"
    grep -q '^Suites:' "$d/etc/sources.list.d/debian.sources" || die "no bookworm entry in /etc/apt/sources.list.d/debian.sources to take Debian's mirror from"
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
  local d="$DEB_CACHE/apt/$da"
  [ "$DEB_SUITE" = bookworm ] || d="$DEB_CACHE/apt/$DEB_SUITE-$da"
  ls "$d/lists/"*_"${DEB_SUITE}"_main_binary-"${da}"_Packages* >/dev/null 2>&1 \
    || die "no $DEB_SUITE package index for $da could be fetched (is Debian's archive reachable?)"
}

# fetch_deb DEBARCH PACKAGE VERSION SHA256 FILENAME LOCK: the .deb pinned in LOCK in $DEB_CACHE/debs/DEBARCH,
# SHA-256 checked, downloaded (from $DEB_SUITE) only when missing; prints its path. The index
# is refreshed once per process, and only when a file has to be downloaded, so a warm cache
# needs no network.
fetch_deb() {
  local da="$1" pkg="$2" ver="$3" sum="$4" file="$5" lock="$6" dir="$DEB_CACHE/debs/$1"
  mkdir -p "$dir"
  if [ ! -f "$dir/$file" ] || ! echo "$sum  $dir/$file" | sha256sum -c --status; then
    rm -f "$dir/$file"
    case " ${DEB_UPDATED:-} " in *" $DEB_SUITE-$da "*) ;; *) apt_update_arch "$da"; DEB_UPDATED="${DEB_UPDATED:-} $DEB_SUITE-$da" ;; esac
    if ! (cd "$dir" && apt_arch apt-get "$da" download "$pkg=$ver" >/dev/null 2>"$dir/.err"); then
      # A version pinned from the older copy of the release's index (see pin_deb).
      local older
      older="$(older_suite "$da")" && (cd "$dir" && DEB_SUITE="$older" apt_arch apt-get "$da" download "$pkg=$ver" >/dev/null 2>"$dir/.err2") \
        || die "pinned $pkg $ver ($da, $DEB_SUITE) cannot be downloaded: $(grep -m1 '^E:' "$dir/.err" || tail -n1 "$dir/.err"). Debian keeps only current versions: re-pin (make rootfs-lock, or make node-lock for the Node packages) and commit the lock"
    fi
    [ -f "$dir/$file" ] || die "apt-get download $pkg=$ver did not produce $file"
    echo "$sum  $dir/$file" | sha256sum -c --status \
      || { rm -f "$dir/$file"; die "$file does not match the SHA-256 pinned in $lock"; }
  fi
  printf '%s\n' "$dir/$file"
}

# served URI: whether the archive serves the file at URI (a HEAD request; no download).
served() { curl -fsSI -o /dev/null --retry 2 "$1" 2>/dev/null; }

# older_suite DEBARCH: the name of the archive's alias (stable, oldstable) whose signed Release
# says Codename: $DEB_SUITE, with its private index refreshed; fails if there is none. A mirror
# can list a new upload in the suite's index before its pool serves the files for every arch
# (seen here: trixie's libc6, libnode115 and base-files answered 404 for two of the arches of
# build/arches.tsv while a third's were there), and its alias index may still be the previous
# point release's, whose versions the pool does serve. Same release, same signature chain, an
# older upload.
older_suite() {
  local da="$1" alias rel
  for alias in stable oldstable; do
    [ "$alias" != "$DEB_SUITE" ] || continue
    # Refreshed at most every ten minutes: a lock run asks once per package.
    if [ -z "$(find "$DEB_CACHE/apt/$alias-$da/.updated" -mmin -10 2>/dev/null)" ]; then
      # In a subshell: apt_update_arch stops the process when an alias has no index.
      (DEB_SUITE="$alias" apt_update_arch "$da") 2>/dev/null || continue
      touch "$DEB_CACHE/apt/$alias-$da/.updated"
    fi
    rel="$(ls "$DEB_CACHE/apt/$alias-$da/lists/"*_dists_"${alias}"_InRelease 2>/dev/null | head -n1)"
    [ -n "$rel" ] && [ "$(awk '/^Codename:/ { print $2; exit }' "$rel")" = "$DEB_SUITE" ] || continue
    printf '%s\n' "$alias"
    return 0
  done
  return 1
}

# candidate DEBARCH PACKAGE: version, URI, filename and SHA256:hex of the version the $DEB_SUITE
# index names for PACKAGE, split by \x1f (not a blank, so an empty field stays a field).
candidate() {
  local line uri file sum ver
  # --print-uris: 'URI' FILENAME SIZE SHA256:HEX for the candidate version.
  line="$(apt_arch apt-get "$1" download --print-uris "$2" 2>/dev/null | grep -E "^'" | head -n1)" || true
  read -r uri file _ sum <<<"$line"
  ver="$(apt_arch apt-cache "$1" show --no-all-versions "$2" 2>/dev/null | awk '/^Version:/ { print $2; exit }')" || true
  printf '%s\x1f%s\x1f%s\x1f%s\n' "$ver" "${uri//\'/}" "$file" "$sum"
}

# pin_deb DEBARCH PACKAGE: "version<TAB>sha256<TAB>filename" of the newest version of PACKAGE
# in $DEB_SUITE (index refreshed by the caller) whose file the archive serves, without
# downloading it: the suite index's own candidate, or, when the pool answers 404 for it, the
# candidate of the older copy of the same release's index (older_suite), with a warning.
pin_deb() {
  local da="$1" pkg="$2" ver uri file sum older over ouri ofile osum
  IFS=$'\x1f' read -r ver uri file sum <<<"$(candidate "$da" "$pkg")"
  [ -n "$uri" ] || die "$pkg is not in the $DEB_SUITE index for $da"
  [ -n "$ver" ] || die "no version found for $pkg ($da, $DEB_SUITE)"
  if ! served "$uri"; then
    older="$(older_suite "$da")" \
      || die "$pkg $ver is in the $DEB_SUITE index for $da but the archive does not serve $uri, and no older index of $DEB_SUITE is there to fall back on; try again when the mirror has synced"
    IFS=$'\x1f' read -r over ouri ofile osum <<<"$(DEB_SUITE="$older" candidate "$da" "$pkg")"
    [ -n "$over" ] && dpkg --compare-versions "$over" lt "$ver" && served "$ouri" \
      || die "$pkg $ver is in the $DEB_SUITE index for $da but the archive does not serve it, nor an older version from its $older index ($DEB_SUITE); try again when the mirror has synced"
    log "warning: the archive does not serve $pkg $ver ($da, $DEB_SUITE) yet; pinned $over from its older $older index of $DEB_SUITE"
    ver="$over" file="$ofile" sum="$osum"
  fi
  printf '%s\t%s\t%s\n' "$ver" "${sum#SHA256:}" "$file"
}
