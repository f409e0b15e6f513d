#!/usr/bin/env bash
# A Docker engine with Buildx (Debian 13 packages, pinned low beside bookworm), skopeo, and
# Debian's docker-registry on 127.0.0.1:5000, each started in the background if not running.
# Idempotent: when everything is installed and answering it only checks, in about a second.
# Logs: /var/log/exechealthz-dockerd.log, /var/log/exechealthz-registry.log.
set -euo pipefail
cd "$(dirname "$0")/.."
. hack/lib.sh

# Where the registry keeps its own config and blobs (not Debian's /etc/docker/registry).
REGISTRY_DIR=${EXECHEALTHZ_REGISTRY_DIR:-/var/lib/exechealthz-registry}
REGISTRY_ADDR=127.0.0.1:5000
DOCKERD_LOG=/var/log/exechealthz-dockerd.log
REGISTRY_LOG=/var/log/exechealthz-registry.log

installed() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'; }

# write_if_changed FILE CONTENT: rewrites FILE only when CONTENT differs; returns 0 if written.
write_if_changed() {
  if [ -f "$1" ] && [ "$(cat "$1")" = "$2" ]; then return 1; fi
  mkdir -p "$(dirname "$1")"
  printf '%s\n' "$2" >"$1"
  log "wrote $1"
}

# ---- docker.io 26 and docker-buildx 0.13 from Debian 13 ------------------------------------
# Only docker.io, docker-buildx and containerd come from trixie; their other dependencies
# (runc, tini, iptables, libc6) stay bookworm's: `-t trixie` would upgrade libc6, libstdc++6,
# dpkg and base-files, and trixie's runc needs libc6 >= 2.38, hence runc/bookworm named.
if ! installed docker.io || ! installed docker-buildx; then
  trixie_install docker.io/trixie docker-buildx/trixie containerd/trixie runc/bookworm
fi
apt_install skopeo docker-registry curl
# The e2e tests parse examples/pod.yaml with PyYAML (no npm dependency for it).
python3 -c 'import yaml' 2>/dev/null || apt_install python3-yaml

# ---- dockerd: containerd image store, no bridge, no iptables -----------------------------
# The build cache is garbage-collected down to 10 GB: every e2e run bakes every arch several
# times (clean builds, two clones), and an unbounded cache filled the disk on the third
# whole-suite run in a row.
daemon_json='{
  "features": { "containerd-snapshotter": true },
  "builder": { "gc": { "enabled": true, "defaultKeepStorage": "10GB" } },
  "bridge": "none",
  "iptables": false,
  "ip6tables": false
}'
config_changed=0
write_if_changed /etc/docker/daemon.json "$daemon_json" && config_changed=1

dockerd_pid() { pgrep -x dockerd | head -n1 || true; }
if [ "$config_changed" = 1 ] && [ -n "$(dockerd_pid)" ]; then
  pid=$(dockerd_pid)
  log "daemon.json changed: stopping dockerd (pid $pid) to restart it"
  kill "$pid"
  for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
fi
if ! docker info >/dev/null 2>&1; then
  if [ -z "$(dockerd_pid)" ]; then
    log "starting dockerd (log: $DOCKERD_LOG)"
    # dockerd starts and supervises its own containerd when none is running.
    setsid -f dockerd >>"$DOCKERD_LOG" 2>&1 </dev/null
  fi
  for _ in $(seq 1 120); do docker info >/dev/null 2>&1 && break; sleep 0.5; done
  docker info >/dev/null 2>&1 || die "dockerd did not answer within 60 s; see $DOCKERD_LOG"
fi
docker info --format '{{.DriverStatus}}' | grep -q 'io.containerd.snapshotter' \
  || die "dockerd runs without the containerd image store; stop it and rerun bash hack/provision.sh"
docker buildx version >/dev/null 2>&1 || die "docker buildx is missing (package docker-buildx)"

# ---- registry on 127.0.0.1:5000 with delete enabled ----------------------------------------
mkdir -p "$REGISTRY_DIR/data"
write_if_changed "$REGISTRY_DIR/config.yml" "version: 0.1
log:
  level: warn
  accesslog:
    disabled: true
storage:
  filesystem:
    rootdirectory: $REGISTRY_DIR/data
  delete:
    enabled: true
http:
  addr: $REGISTRY_ADDR" || true
if ! curl -fsS -o /dev/null "http://$REGISTRY_ADDR/v2/" 2>/dev/null; then
  log "starting docker-registry on $REGISTRY_ADDR (log: $REGISTRY_LOG)"
  setsid -f docker-registry serve "$REGISTRY_DIR/config.yml" >>"$REGISTRY_LOG" 2>&1 </dev/null
  for _ in $(seq 1 50); do curl -fsS -o /dev/null "http://$REGISTRY_ADDR/v2/" 2>/dev/null && break; sleep 0.2; done
  curl -fsS -o /dev/null "http://$REGISTRY_ADDR/v2/" || die "registry did not answer on $REGISTRY_ADDR; see $REGISTRY_LOG"
fi
log "docker $(docker version --format '{{.Server.Version}}'), buildx and registry $REGISTRY_ADDR ready"
