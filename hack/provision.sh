#!/usr/bin/env bash
# Provisions this machine for building and testing exechealthz: npm packages, QEMU user
# emulation, a Docker engine with Buildx, a registry on 127.0.0.1:5000 and the test tools.
# Idempotent: on a machine that has everything it checks and returns in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh

# Said before anything runs, so nobody finds out afterwards what a make target did as root.
# The package names are read from the parts' own install lines, so the list cannot drift.
pkgs="$(sed -nE 's/.*\b(apt_install|trixie_install) ([^#]*)$/\2/p' hack/provision-*.sh | tr -s ' \n' ' ')"
log "as root, installs what is missing and starts it: apt packages (${pkgs% }; NAME/trixie from Debian 13 through a private source list), /etc/docker/daemon.json, dockerd, a registry on 127.0.0.1:5000, QEMU binfmt handlers; npm packages into node_modules/"
# For its test: the notice alone.
[ -z "${PROVISION_NOTICE_ONLY:-}" ] || exit 0
for part in hack/provision-*.sh; do
  log "${part#hack/}"
  bash "$part"
done
log "ready"
