# exechealthz: liveness-exec over HTTP. `make help` lists the targets.

# Image tag to build and push.
TAG ?= 1.0
# Architecture to build for: one of $(ALL_ARCH).
ARCH ?= amd64
# Every architecture a release covers.
ALL_ARCH := amd64 arm arm64 ppc64le
# Registry and repository prefix the images are pushed under.
PREFIX ?= staging-k8s.gcr.io
# Version string baked into the executable (--version).
VERSION ?= $(TAG)

SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := container
.DELETE_ON_ERROR:

SRC := $(shell find src -name '*.ts' 2>/dev/null)

## ---- npm and the bundle ----------------------------------------------------

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

bundle: dist/exechealthz.cjs ## Bundle src/ into one CommonJS file
dist/exechealthz.cjs: $(SRC) build/bundle.mjs node_modules/.package-lock.json
	node build/bundle.mjs --outfile $@ --version $(VERSION)

## ---- executables (build-%, all-build, server) ---------------------------

# Unknown or several arches fail here, before any work, with one line.
ifneq ($(words $(filter $(ALL_ARCH),$(ARCH))) $(words $(ARCH)),1 1)
$(error ARCH=$(ARCH) is not supported; use one of: $(ALL_ARCH))
endif

# Per-arch base rootfs from pinned Debian packages: the FROM-scratch base image and the
# QEMU sysroot of the arch tests (build/rootfs.sh).
ROOTFS_DIR := .cache/rootfs
ROOTFS_INPUTS := images/base/packages.lock images/base/packages.txt build/rootfs.sh build/debian.sh \
	$(wildcard images/base/rootfs/etc/*)

rootfs: rootfs-$(ARCH) ## Assemble .cache/rootfs/ARCH, the base rootfs, from pinned Debian packages
rootfs-%: $(ROOTFS_DIR)/%.stamp ;
all-rootfs: $(addprefix rootfs-,$(ALL_ARCH)) ## Base rootfs for every arch
$(ROOTFS_DIR)/%.stamp: $(ROOTFS_INPUTS)
	bash build/rootfs.sh $*
	@touch $@
# Stamps are real files that make must keep, not intermediates to clean up.
.SECONDARY: $(foreach a,$(ALL_ARCH),$(ROOTFS_DIR)/$(a).stamp)

rootfs-lock: ## Re-pin images/base/packages.lock to the versions Debian serves today
	bash build/rootfs-lock.sh

## ---- images (container-%, push-%, all-*, push-legacy, push-manifest) --------

## ---- supply chain (sbom, sign, verify) ----------------------------------------

# Private key `make sign` signs with (make one: cosign generate-key-pair).
COSIGN_KEY ?= cosign.key
# Public key `make verify` checks signatures against (default: the .pub beside COSIGN_KEY).
COSIGN_PUB ?= $(COSIGN_KEY:.key=.pub)
# Password of COSIGN_KEY; cosign reads it from the environment, so it is exported, not echoed.
COSIGN_PASSWORD ?=
export COSIGN_PASSWORD
# Directory bake exports its build cache to and imports it from (type=local); empty = none.
CACHE_DIR ?=
# Layer compression of the images: gzip (every client) or zstd (smaller; containerd >= 1.5).
COMPRESSION ?= gzip
# Where `make sbom` writes one CycloneDX 1.5 JSON per arch.
SBOM_DIR := dist/sbom

ifeq ($(filter $(COMPRESSION),gzip zstd),)
$(error COMPRESSION=$(COMPRESSION) is not supported; use gzip or zstd)
endif

sbom: $(foreach a,$(ALL_ARCH),$(SBOM_DIR)/exechealthz-$(a).cdx.json) ## SBOM of every arch image, checked against the CycloneDX 1.5 schema
	node build/sbom/validate.mjs $^
sbom-%: $(SBOM_DIR)/exechealthz-%.cdx.json ;
# The commit time, not now: the SBOM ships inside the image, whose digest must not change.
$(SBOM_DIR)/exechealthz-%.cdx.json: dist/exechealthz.cjs build/node.lock.json images/base/packages.lock \
		build/sbom.mjs build/sbom/locks.mjs package-lock.json build/arches.tsv
	SOURCE_DATE_EPOCH=$${SOURCE_DATE_EPOCH:-$$(git log -1 --format=%ct 2>/dev/null || echo 0)} \
		node build/sbom.mjs --arch $* --version $(VERSION) --out $@

sign: sbom ## Sign the pushed images (all-push, push-manifest) by digest and attach each SBOM: cosign
	node build/sign.mjs --prefix $(PREFIX) --tag $(TAG) --key $(COSIGN_KEY) --arches "$(ALL_ARCH)"

verify: ## Check every pushed arch image and the index: signature, SBOM vs locks, config; one line each
	node build/verify.mjs --prefix $(PREFIX) --tag $(TAG) --pub $(COSIGN_PUB) --version $(VERSION) --arches "$(ALL_ARCH)"

## ---- tests ---------------------------------------------------------------------

TEST_SRC := $(shell find test bench -name '*.ts' 2>/dev/null)
# Test files are TypeScript, compiled (and type-checked) with the sources by tsc.
out/.stamp: $(SRC) $(TEST_SRC) tsconfig.json node_modules/.package-lock.json
	npx tsc -p tsconfig.json
	@touch $@

test: test-unit test-integration test-arch test-e2e ## Run the whole test suite

test-unit: out/.stamp ## Unit tests: pure logic, fake clock and fake runner
	node --test out/test/unit/*.test.js

test-integration: out/.stamp dist/exechealthz.cjs ## Integration tests against the real bundled service
	node --test out/test/integration/*.test.js

test-arch: out/.stamp ## Every arch executable under QEMU user emulation
	node --test out/test/arch/*.test.js

test-e2e: out/.stamp ## Images on a real Docker engine and registry
	node --test out/test/e2e/*.test.js

## ---- housekeeping -------------------------------------------------------------

.PHONY: sbom sign verify bundle test test-unit test-integration test-arch test-e2e rootfs all-rootfs rootfs-lock
