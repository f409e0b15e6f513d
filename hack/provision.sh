#!/usr/bin/env bash
# Provisions this machine for building and testing exechealthz: npm packages, QEMU user
# emulation, a Docker engine with Buildx, a registry on 127.0.0.1:5000 and the test tools.
# Idempotent: on a machine that has everything it checks and returns in seconds.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh

for part in hack/provision-*.sh; do
  log "${part#hack/}"
  bash "$part"
done
log "ready"
