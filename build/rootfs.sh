#!/usr/bin/env bash
# rootfs.sh ARCH [OUTDIR]: assembles the minimal runtime rootfs for one arch from the
# Debian packages pinned in images/base/packages.lock (default OUTDIR .cache/rootfs/ARCH).
# The same tree is the FROM-scratch base image and the QEMU sysroot for emulated runs, so
# it has no absolute symlinks (qemu -L would follow them out of the tree) and fixed mtimes
# (SOURCE_DATE_EPOCH) so image layers built from it are reproducible. Image scanners read
# what is inside the way they read distroless images: /etc/os-release from Debian's
# base-files, and per package var/lib/dpkg/status.d/PACKAGE (its control fields as dpkg
# records them) and PACKAGE.md5sums (the package's files that are still in the tree).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
. "$ROOT/build/debian.sh"

arch="${1:-}"
allowed="$(all_arches | tr '\n' ' ')"
[ -n "$arch" ] || die "usage: rootfs.sh ARCH [OUTDIR] (ARCH one of: ${allowed% })"
da="$(arch_field "$arch" debian 2>/dev/null)" || die "unknown ARCH '$arch' (allowed: ${allowed% })"
triplet="$(arch_field "$arch" triplet)"
out="${2:-$ROOT/.cache/rootfs/$arch}"
# Without SOURCE_DATE_EPOCH, the last commit that changed what goes into the tree.
epoch="${SOURCE_DATE_EPOCH:-$(git -C "$ROOT" log -1 --format=%ct -- images/base/packages.lock images/base/rootfs build/rootfs.sh 2>/dev/null || true)}"
epoch="${epoch:-0}"

# fetch_debs ARCH: every pinned .deb of ARCH in the cache, SHA-256 checked; prints paths.
# apt-get update runs only when a file is missing, so a warm cache needs no network.
fetch_debs() {
  local a="$1" d dir="$DEB_CACHE/debs/$(arch_field "$1" debian)" updated=""
  mkdir -p "$dir"
  local rows
  rows="$(awk -F'\t' -v a="$a" '!/^#/ && $1 == a' "$PACKAGES_LOCK")"
  [ -n "$rows" ] || die "no packages pinned for $a in ${PACKAGES_LOCK#$ROOT/}; run: make rootfs-lock"
  while IFS=$'\t' read -r _ pkg ver sum file; do
    if [ ! -f "$dir/$file" ] || ! echo "$sum  $dir/$file" | sha256sum -c --status; then
      rm -f "$dir/$file"
      d="$(arch_field "$a" debian)"
      [ -n "$updated" ] || { apt_update_arch "$d"; updated=1; }
      (cd "$dir" && apt_arch apt-get "$d" download "$pkg=$ver" >/dev/null 2>"$dir/.err") \
        || die "pinned $pkg $ver ($d) cannot be downloaded: $(grep -m1 '^E:' "$dir/.err" || tail -n1 "$dir/.err"). Debian keeps only current versions: run \`make rootfs-lock\` to re-pin, then commit images/base/packages.lock"
      [ -f "$dir/$file" ] || die "apt-get download $pkg=$ver did not produce $file"
      echo "$sum  $dir/$file" | sha256sum -c --status \
        || { rm -f "$dir/$file"; die "$file does not match the SHA-256 pinned in ${PACKAGES_LOCK#$ROOT/}"; }
    fi
    printf '%s\n' "$dir/$file"
  done <<<"$rows"
}

mkdir -p "$(dirname "$out")"
tmp="$(mktemp -d "$out.tmp.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
# An interrupt still runs the EXIT trap, so no half-made tree is left behind.
trap 'exit 130' INT TERM HUP

debs="$(fetch_debs "$arch")"
ctrl="$(mktemp -d)"
trap 'rm -rf "$tmp" "$ctrl"' EXIT
for deb in $debs; do
  pkg="$(dpkg-deb -f "$deb" Package)"
  mkdir "$ctrl/$pkg"
  dpkg-deb -e "$deb" "$ctrl/$pkg"
  if [ "$pkg" = base-files ]; then
    # Only the release identification; the rest of base-files is a full system's skeleton.
    dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" ./usr/lib/os-release ./etc/os-release
  else
    dpkg-deb -x "$deb" "$tmp"
  fi
done
[ -f "$tmp/usr/lib/os-release" ] || die "base-files of $arch has no usr/lib/os-release"

# The applet list is the same on every arch; ask the x86_64 busybox, which runs natively.
host_bb="$(mktemp -d)"
trap 'rm -rf "$tmp" "$ctrl" "$host_bb"' EXIT
dpkg-deb -x "$(fetch_debs amd64 | grep /busybox-static_)" "$host_bb"
applets="$("$host_bb/bin/busybox" --list-full)"

cd "$tmp"
# Trim: nothing in /usr/share is read at run time (docs, man pages, locales, gdb/lintian
# files); gconv modules, getconf and glibc's debugging/legacy libraries are unused by
# Node and busybox-static; the dynamic tini is replaced by the static one.
rm -rf usr/share usr/libexec etc/ld.so.conf.d "usr/lib/$triplet/gconv"
rm -f lib/"$triplet"/libmvec[.-]*
rm -f lib/"$triplet"/{libBrokenLocale,libanl,libc_malloc_debug,libmemusage,libnsl,libnss_compat,libnss_hesiod,libpcprofile,libthread_db}[.-]*
rm -f usr/lib/"$triplet"/{libBrokenLocale,libanl,libc_malloc_debug,libmemusage,libnsl,libnss_compat,libnss_hesiod,libpcprofile,libthread_db}[.-]*
find . -path "./usr/lib/$triplet/audit" -prune -exec rm -rf {} +
# tini-static stays under its packaged name (its md5sums entry still matches) behind the link.
rm -f usr/bin/tini && ln -s tini-static usr/bin/tini

# Busybox applets as relative links, so they resolve inside the tree wherever it is mounted.
while read -r path; do
  [ -e "$path" ] || [ -L "$path" ] && continue
  mkdir -p "$(dirname "$path")"
  ln -s "$(realpath -ms --relative-to="$(dirname "/$path")" /bin/busybox)" "$path"
done <<<"$applets"
rm -f linuxrc

# Absolute symlinks from the packages (ppc64el's /lib64/ld64.so.2, amd64's
# /lib64/ld-linux-x86-64.so.2) are re-aimed relatively at the same path inside the tree.
find . -type l -lname '/*' | while read -r l; do
  target="$(readlink "$l")"
  ln -sfn "$(realpath -ms --relative-to="$(dirname "/${l#./}")" "$target")" "$l"
done

cp -a "$ROOT/images/base/rootfs/." .
mkdir -p tmp root && chmod 1777 tmp && chmod 700 root
chmod 644 etc/passwd etc/group etc/nsswitch.conf

# Everything the executables and probe commands need must be there.
for f in "lib/$triplet/libc.so.6" "usr/lib/$triplet/libstdc++.so.6" "lib/$triplet/libgcc_s.so.1" \
         bin/sh bin/ls usr/bin/nslookup usr/bin/wget bin/touch usr/bin/tini etc/passwd; do
  [ -e "$f" ] || die "rootfs for $arch lacks /$f"
done
[ "$arch" != arm ] || [ -e "usr/lib/$triplet/libatomic.so.1" ] || die "rootfs for arm lacks libatomic.so.1"

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
