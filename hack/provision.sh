#!/usr/bin/env bash
# Provisions this machine for building and testing exechealthz: npm packages, QEMU user
# emulation, a Docker engine with Buildx, a registry on 127.0.0.1:5000 and the test tools.
# Idempotent: on a machine that has everything it checks and returns in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh

# Said before anything runs, so nobody finds out afterwards what a make target did as root.
log "as root, installs what is missing and starts it: apt packages (qemu-user-static, binfmt-support; docker.io, docker-buildx, containerd and cosign from Debian 13 through a private source list; skopeo, docker-registry, curl, python3-yaml, prometheus for promtool), /etc/docker/daemon.json, dockerd, a registry on 127.0.0.1:5000, QEMU binfmt handlers; npm packages into node_modules/"
for part in hack/provision-*.sh; do
  log "${part#hack/}"
  bash "$part"
done
log "ready"
