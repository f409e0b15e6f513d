# The exechealthz images, built with `docker buildx bake`. The Makefile only passes the
# variables below (as environment variables) and target names; `make print` shows the result.
#
#   targets: exechealthz-ARCH (one per arch, matrix), base-ARCH (the runtime base it is
#            built FROM), legacy (the legacy arch under the backwards-compatible name)
#   groups:  default (exechealthz-$ARCH), all (every arch)
#
# The arches come from build/arches.tsv, the one arch table, through the ARCHES variable:
# bake cannot read a file, and a generated bake file would be one more output for make to
# keep fresh, while a variable is computed when bake runs (make passes
# ARCHES="$(node build/release.mjs bake-arches)"). So this file names no arch.

# Image tag.
variable "TAG" {
  default = "1.0"
}

# Registry and repository prefix: images are $PREFIX/exechealthz-ARCH:$TAG.
variable "PREFIX" {
  default = "staging-k8s.gcr.io"
}

# Every arch, as JSON keyed by Makefile ARCH: {"platform": OCI platform, "node_version":
# the Node.js its executable embeds (build/node.lock.json), "legacy": published under the
# old un-suffixed name too}. Written by `node build/release.mjs bake-arches`.
variable "ARCHES" {
  default = "{}"
}

# The arch the default group builds (a key of ARCHES); empty = the one whose platform is
# this machine's.
variable "ARCH" {
  default = ""
}

# Another base image to build on instead of base-ARCH (any reference, e.g. a distroless
# image with /bin/sh and tini); it must provide /usr/bin/tini for the entrypoint.
variable "BASEIMAGE" {
  default = ""
}

# Where the Makefile stages each arch's build contexts, DIR/ARCH/base-ARCH and
# DIR/ARCH/exechealthz-ARCH: the Dockerfiles of images/ and tar archives of the rootfs, the
# executable and the SBOM whose entries all carry SOURCE_DATE_EPOCH.
variable "CONTEXT_DIR" {
  default = ".cache/images"
}

# Seconds since the epoch for every timestamp in the image (the commit time, from make).
variable "SOURCE_DATE_EPOCH" {
  default = "0"
}

# Version string of the image (org.opencontainers.image.version).
variable "VERSION" {
  default = "${TAG}"
}

# Commit the image is built from (org.opencontainers.image.revision).
variable "REVISION" {
  default = ""
}

# Where the source lives (org.opencontainers.image.source).
variable "SOURCE" {
  default = ""
}

# "true" pushes the images to $PREFIX; otherwise they are loaded into the local engine.
variable "PUSH" {
  default = "false"
}

# Layer compression: gzip (every client) or zstd (smaller; containerd >= 1.5).
variable "COMPRESSION" {
  default = "gzip"
}

# Directory to import the build cache from and export it to (type=local, one subdirectory
# per target); empty = none. Needs the containerd image store or a BUILDER of its own.
variable "CACHE_DIR" {
  default = ""
}

# "true" rebuilds every layer, ignoring the build cache.
variable "NO_CACHE" {
  default = "false"
}

# "true" attaches a SLSA provenance attestation. Off by default: it records build times,
# so two builds of one commit would no longer give the same digest.
variable "PROVENANCE" {
  default = "false"
}

# ARCHES decoded.
function "arches" {
  params = []
  result = jsondecode(ARCHES)
}

# The one arch whose image is also published under the backwards-compatible name.
function "legacy_arch" {
  params = []
  result = [for a, r in arches() : a if r.legacy][0]
}

# The arch of the default group.
function "default_arch" {
  params = []
  result = ARCH != "" ? ARCH : [for a, r in arches() : a if r.platform == BAKE_LOCAL_PLATFORM][0]
}

# The per-arch metadata: which Node.js runtime is inside.
function "runtime" {
  params = [arch]
  result = {
    "exechealthz.node.version" = arches()[arch].node_version
  }
}

# cache-from and cache-to of target NAME under CACHE_DIR.
function "cache_from" {
  params = [name]
  result = CACHE_DIR == "" ? [] : ["type=local,src=${CACHE_DIR}/${name}"]
}
function "cache_to" {
  params = [name]
  result = CACHE_DIR == "" ? [] : ["type=local,dest=${CACHE_DIR}/${name},mode=max"]
}

# RFC 3339 form of SOURCE_DATE_EPOCH for org.opencontainers.image.created.
function "created" {
  params = [epoch]
  result = formatdate("YYYY-MM-DD'T'hh:mm:ss'Z'", timeadd("1970-01-01T00:00:00Z", "${epoch}s"))
}

# The OCI metadata, as labels on the image config and as annotations on the manifest.
function "oci" {
  params = []
  result = {
    "org.opencontainers.image.title"       = "exechealthz"
    "org.opencontainers.image.description" = "Liveness-exec over HTTP: runs probe commands and serves their last result on /healthz"
    "org.opencontainers.image.licenses"    = "Apache-2.0"
    "org.opencontainers.image.source"      = SOURCE
    "org.opencontainers.image.revision"    = REVISION
    "org.opencontainers.image.version"     = VERSION
    "org.opencontainers.image.created"     = created(SOURCE_DATE_EPOCH)
  }
}

# Settings every target shares.
target "_common" {
  args = {
    SOURCE_DATE_EPOCH = SOURCE_DATE_EPOCH
  }
  no-cache = NO_CACHE == "true"
  attest   = [PROVENANCE == "true" ? "type=provenance,mode=max" : "type=provenance,disabled=true"]
}

# The runtime base per arch: FROM scratch plus the rootfs directory.
target "base" {
  name     = "base-${arch}"
  matrix   = { arch = keys(arches()) }
  inherits = ["_common"]
  # images/base/Dockerfile and rootfs.tar, staged by make.
  context  = "${CONTEXT_DIR}/${arch}/base-${arch}"
  platforms  = [arches()[arch].platform]
  cache-from = cache_from("base-${arch}")
  cache-to   = cache_to("base-${arch}")
}

# exechealthz per arch: $PREFIX/exechealthz-ARCH:$TAG.
target "exechealthz" {
  name     = "exechealthz-${arch}"
  matrix   = { arch = keys(arches()) }
  inherits = ["_common"]
  # images/exechealthz/Dockerfile, exechealthz.tar (the arch's executable) and sbom.tar (its
  # SBOM at usr/share/sbom/exechealthz.cdx.json, from make sbom), staged by make.
  context  = "${CONTEXT_DIR}/${arch}/exechealthz-${arch}"
  contexts = {
    base = BASEIMAGE != "" ? "docker-image://${BASEIMAGE}" : "target:base-${arch}"
  }
  platforms   = [arches()[arch].platform]
  cache-from  = cache_from("exechealthz-${arch}")
  cache-to    = cache_to("exechealthz-${arch}")
  tags        = ["${PREFIX}/exechealthz-${arch}:${TAG}"]
  labels      = merge(oci(), runtime(arch))
  # OCI media types either way, so the loaded and the pushed image have one digest.
  output = ["${PUSH == "true" ? "type=image,push=true" : "type=docker"},oci-mediatypes=true,compression=${COMPRESSION},force-compression=true"]
  annotations = [for k, v in merge(oci(), runtime(arch)) : "manifest:${k}=${v}"]
}

# The backwards-compatible name $PREFIX/exechealthz:$TAG for the legacy arch (same image, same
# digest).
target "legacy" {
  inherits = ["exechealthz-${legacy_arch()}"]
  tags     = ["${PREFIX}/exechealthz:${TAG}"]
}

group "default" {
  targets = ["exechealthz-${default_arch()}"]
}

group "all" {
  targets = [for arch in keys(arches()) : "exechealthz-${arch}"]
}
