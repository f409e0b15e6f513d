#!/usr/bin/env bash
# rootfs.sh ARCH [OUTDIR]: assembles the minimal runtime rootfs for one arch from the
# Debian packages pinned in images/base/packages.lock.json, plus the libnode of an arch whose
# Node is Debian's (build/node.lock.json), fetched by build/debian.mjs (default OUTDIR
# .cache/rootfs/ARCH).
# The same tree is the FROM-scratch base image and the QEMU sysroot for emulated runs, so
# it has no absolute symlinks (qemu -L would follow them out of the tree) and fixed mtimes
# (SOURCE_DATE_EPOCH) so image layers built from it are reproducible. Image scanners read
# what is inside the way they read distroless images: /etc/os-release from Debian's
# base-files, and per package var/lib/dpkg/status.d/PACKAGE (its control fields as dpkg
# records them) and PACKAGE.md5sums (the package's files that are still in the tree).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
die() { printf '%s: error: %s\n' "$(basename "$0")" "$*" >&2; exit 1; }
# table COLUMN [COLUMN=VALUE...]: build/arches.tsv by column name.
table() { node "$ROOT/build/arches.mjs" "$@"; }

arch="${1:-}"
allowed="$(table make | tr '\n' ' ')"
[ -n "$arch" ] || die "usage: rootfs.sh ARCH [OUTDIR] (ARCH one of: ${allowed% })"
triplet="$(table triplet make="$arch")"
[ -n "$triplet" ] || die "unknown ARCH '$arch' (allowed: ${allowed% })"
out="${2:-$ROOT/.cache/rootfs/$arch}"
# Without SOURCE_DATE_EPOCH, the last commit that changed what goes into the tree.
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct -- images/base/packages.lock.json images/base/rootfs build/rootfs.sh 2>/dev/null || true)}"
epoch="${epoch:-0}"

# fetch_debs ARCH: ROLE<TAB>PATH of every pinned .deb of ARCH's base in the cache, size and
# SHA-256 checked (role base, or library: a Debian Node's libnode, which goes into the base).
fetch_debs() {
  node "$ROOT/build/debian.mjs" fetch --arch "$1" --role base || exit 1
}

mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d "$out.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# An interrupt still runs the EXIT trap, so no half-made tree is left behind.
trap 'exit 130' INT TERM HUP

listing="$(fetch_debs "$arch")"
debs="$(cut -f2 <<<"$listing")"
# An arch whose Node is Debian's has its libnode among the base's packages.
debian_node=""
! grep -q '^library'$'\t' <<<"$listing" || debian_node=1
ctrl="$(mktemp -d)"
trap 'rm -rf "$tmp" "$ctrl"' EXIT
for deb in $debs; do
  pkg="$(dpkg-deb -f "$deb" Package)"
  mkdir "$ctrl/$pkg"
  dpkg-deb -e "$deb" "$ctrl/$pkg"
  if [ "$pkg" = base-files ]; then
    # Only the release identification and, from Debian 13 on (merged /usr), the /bin, /lib,
    # /sbin (/lib64) links into /usr that the loader paths go through; the rest of base-files
    # is a full system's skeleton.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" --wildcards --no-wildcards-match-slash \
      ./usr/lib/os-release ./etc/os-release $(dpkg-deb -c "$deb" | awk '/^l/ && $6 ~ /^\.\/(bin|lib|lib64|sbin)$/ { print $6 }')
  else
    dpkg-deb -x "$deb" "$tmp"
  fi
done
[ -f "$tmp/usr/lib/os-release" ] || die "base-files of $arch has no usr/lib/os-release"

# The applet list is the same on every arch; ask the busybox of this machine's arch (the
# table's host row), which runs natively.
host="$(table make qemu="$(uname -m)")" && [ -n "$host" ] || die "no row of build/arches.tsv has this machine's arch ($(uname -m)) in its qemu column"
host_bb="$(mktemp -d)"
trap 'rm -rf "$tmp" "$ctrl" "$host_bb"' EXIT
host_debs="$(fetch_debs "$host")"
dpkg-deb -x "$(cut -f2 <<<"$host_debs" | grep /busybox-static_)" "$host_bb"
applets="$("$host_bb/usr/bin/busybox" --list-full)"

cd "$tmp"
# Debian's libnode reads these built-in modules from /usr/share/nodejs: kept through the trim.
builtins=""
if [ -n "$debian_node" ]; then
  builtins="$(grep -a -o 'NODE_SHARED_BUILTIN_[A-Z_]*_PATH=/usr/share/[^"]*' "usr/lib/$triplet/libnode.so.115" | sed 's/^[^=]*=\///' | sort -u)"
  [ -n "$builtins" ] || die "libnode.so.115 of $arch names no shared built-in module"
  for f in $builtins; do
    [ -f "$f" ] || die "/$f, a built-in module libnode.so.115 loads, is in no package of the $arch rootfs"
    # realpath: Debian ships some of them as links to the package's own copy.
    mkdir -p "$ctrl/.keep/$(dirname "$f")" && cp -L "$f" "$ctrl/.keep/$f"
  done
fi
# Trim: nothing in /usr/share is read at run time (docs, man pages, locales, gdb/lintian
# files); gconv modules, getconf and glibc's debugging/legacy libraries are unused by
# Node and busybox-static; the dynamic tini is replaced by the static one.
rm -rf usr/share usr/libexec etc/ld.so.conf.d "usr/lib/$triplet/gconv"
rm -f lib/"$triplet"/libmvec[.-]*
rm -f lib/"$triplet"/{libBrokenLocale,libanl,libc_malloc_debug,libmemusage,libnsl,libnss_compat,libnss_hesiod,libpcprofile,libthread_db}[.-]*
rm -f usr/lib/"$triplet"/{libBrokenLocale,libanl,libc_malloc_debug,libmemusage,libnsl,libnss_compat,libnss_hesiod,libpcprofile,libthread_db}[.-]*
find . -path "./usr/lib/$triplet/audit" -prune -exec rm -rf {} +
[ -z "$builtins" ] || cp -a "$ctrl/.keep/usr" .
# tini-static stays under its packaged name (its md5sums entry still matches) behind the link.
rm -f usr/bin/tini && ln -s tini-static usr/bin/tini

# Busybox applets as relative links, so they resolve inside the tree wherever it is mounted.
# (Debian 13's /bin and /sbin are links into /usr, which must exist first.)
mkdir -p usr/bin usr/sbin
while read -r path; do
  [ -e "$path" ] || [ -L "$path" ] && continue
  mkdir -p "$(dirname "$path")"
  ln -s "$(realpath -ms --relative-to="$(dirname "/$path")" /bin/busybox)" "$path"
done <<<"$applets"
rm -f linuxrc

# Absolute symlinks from the packages (the loader links some arches' libc6 ships, e.g.
# /lib64/ld64.so.2) are re-aimed relatively at the same path inside the tree.
find . -type l -lname '/*' | while read -r l; do
  target="$(readlink "$l")"
  ln -sfn "$(realpath -ms --relative-to="$(dirname "/${l#./}")" "$target")" "$l"
done

# Debian's Node: libnode.so.115 holds the SEA fuse the launcher-made executable is checked
# against (the sentinel postject flips sits in the library, not in the 26 KB launcher), so
# the image's copy has it set; an executable without a blob then stops at start, which only
# /exechealthz is meant to be. Its md5sums line is rewritten below to the bytes shipped.
# Then every shared library outside glibc that libnode does not need (NEEDED closure) goes:
# ICU's io/test/tu, OpenSSL's engines; libicudata stays (libicuuc needs it; 31 MB of ICU data
# that Node's Intl reads).
patched=""
if [ -n "$debian_node" ]; then
  lib="usr/lib/$triplet/libnode.so.115"
  [ -f "$lib" ] || die "the Debian Node packages of $arch ship no /$lib"
  fuse="NODE_SEA""_FUSE_fce680ab2cc467b6e072b8b5df1996b2"
  [ "$(grep -c -a -o "$fuse:0" "$lib")" = 1 ] || die "/$lib does not hold exactly one unset SEA fuse"
  perl -0777 -pi -e "s/$fuse:0/$fuse:1/" "$lib"
  patched="$lib"
  needed() { readelf -d "$1" 2>/dev/null | awk '/\(NEEDED\)/ { gsub(/[][]/, "", $5); print $5 }'; }
  declare -A keep=()
  queue=(libnode.so.115)
  while [ ${#queue[@]} -gt 0 ]; do
    so="${queue[0]}"; queue=("${queue[@]:1}")
    [ -z "${keep[$so]:-}" ] || continue
    keep[$so]=1
    f="usr/lib/$triplet/$so"
    [ -e "$f" ] || die "$so, which libnode needs, is in no package of the $arch rootfs"
    for n in $(needed "$f"); do queue+=("$n"); done
  done
  glibc="$(dpkg-deb -c "$(printf '%s\n' $debs | grep /libc6_)" | awk '{ print $6 }' | sed 's|^\./||')"
  find "usr/lib/$triplet" -name '*.so*' \( -type f -o -type l \) | while read -r f; do
    grep -qxF "$f" <<<"$glibc" && continue
    # A link whose target went first reads as no SONAME and goes too.
    soname="$(readelf -d "$f" 2>/dev/null | awk '/\(SONAME\)/ { gsub(/[][]/, "", $5); print $5 }' || true)"
    [ -n "$soname" ] && [ -n "${keep[$soname]:-}" ] && continue
    rm -f "$f"
  done
  find "usr/lib/$triplet" -xtype l -delete
  rm -rf "usr/lib/$triplet/engines-3" "usr/lib/$triplet/ossl-modules" "usr/lib/$triplet/nodejs" "usr/lib/$triplet/node_modules"
  find "usr/lib/$triplet" -type d -empty -delete
fi

cp -a "$ROOT/images/base/rootfs/." .
mkdir -p tmp root && chmod 1777 tmp && chmod 700 root
chmod 644 etc/passwd etc/group etc/nsswitch.conf

# Everything the executables and probe commands need must be there.
for f in "lib/$triplet/libc.so.6" "usr/lib/$triplet/libstdc++.so.6" "lib/$triplet/libgcc_s.so.1" \
         bin/sh bin/ls usr/bin/nslookup usr/bin/wget bin/touch usr/bin/tini etc/passwd; do
  [ -e "$f" ] || die "rootfs for $arch lacks /$f"
done
# libatomic1 is in packages.txt only for the arches whose npm Node needs it (readelf -d):
# what it is there for must have survived the trim.
if grep -q '/libatomic1_' <<<"$debs"; then
  [ -e "usr/lib/$triplet/libatomic.so.1" ] || die "rootfs for $arch lacks libatomic.so.1"
fi

# The dpkg database of the distroless layout: one status paragraph per package, fields in
# the order dpkg writes them (Package, Status, then the control file's own), and the
# md5sums lines of the files the trim kept, so a scanner maps each file to its package.
mkdir -p var/lib/dpkg/status.d
for dir in "$ctrl"/*/; do
  pkg="$(basename "$dir")"
  awk -v status='install ok installed' 'NR == 1 && /^Package:/ { print; print "Status: " status; next } { print }' \
    "$dir/control" > "var/lib/dpkg/status.d/$pkg"
  [ "$(head -c 8 "var/lib/dpkg/status.d/$pkg")" = Package: ] || die "control file of $pkg does not start with Package:"
  : > "var/lib/dpkg/status.d/$pkg.md5sums"
  if [ -n "$patched" ] && grep -q "  $patched\$" "$dir/md5sums"; then
    sed -i "s|^[0-9a-f]*  $patched\$|$(md5sum < "$patched" | cut -d' ' -f1)  $patched|" "$dir/md5sums"
  fi
  while read -r sum path; do
    if [ -f "$path" ] && [ ! -L "$path" ] && [ "$(md5sum < "$path" | cut -d' ' -f1)" = "$sum" ]; then
      printf '%s  %s\n' "$sum" "$path" >> "var/lib/dpkg/status.d/$pkg.md5sums"
    fi
  done < "$dir/md5sums"
  [ -s "var/lib/dpkg/status.d/$pkg.md5sums" ] || die "no file of $pkg is left in the $arch rootfs"
done
chmod 644 var/lib/dpkg/status.d/*

find . -exec touch -h -d "@$epoch" {} +
cd "$ROOT"

# Swap in the new tree in one rename, so a failed run never leaves a half-made rootfs.
if [ -e "$out" ]; then mv "$out" "$tmp.old"; fi
mv "$tmp" "$out"
rm -rf "$tmp.old"
trap 'rm -rf "$host_bb" "$ctrl"' EXIT
printf 'rootfs %s: %s (%s, %s files)\n' "$arch" "${out#$ROOT/}" "$(du -sh "$out" | cut -f1)" "$(find "$out" | wc -l)"
