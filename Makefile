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

.PHONY: bundle test test-unit test-integration test-arch test-e2e rootfs all-rootfs rootfs-lock
