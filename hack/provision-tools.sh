#!/usr/bin/env bash
# Test tools: promtool (Debian's prometheus package) checks that /metrics is valid
# Prometheus exposition text in the integration tests.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh
command -v promtool >/dev/null 2>&1 || apt_install prometheus
command -v promtool >/dev/null 2>&1 || die "promtool still missing after installing prometheus"
# The Debian side of the build (build/debian.mjs): gpgv checks the archive's signed index, xz
# unpacks it, dpkg-deb unpacks packages; its tests make a signed archive with gpg and
# dpkg-scanpackages (dpkg-dev).
apt_install gpgv gnupg xz-utils dpkg-dev binutils
