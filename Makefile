# exechealthz: liveness-exec over HTTP. `make help` lists the targets.

# Image tag to build and push.
TAG ?= 1.0
# Reads build/arches.tsv, the one arch table, by column name: `$(ARCH_TABLE) COLUMN [COLUMN=VALUE...]`.
ARCH_TABLE := node build/arches.mjs
# Every architecture a release covers: the table's make column.
ALL_ARCH := $(shell $(ARCH_TABLE) make)
# The arch of this machine, as a Makefile ARCH: the row whose qemu column is `uname -m`.
HOST_ARCH := $(shell $(ARCH_TABLE) make qemu="$$(uname -m)")
# Architecture to build for: one of $(ALL_ARCH); default this machine's.
ARCH ?= $(HOST_ARCH)
# The arch also published under the old un-suffixed image name (legacy column "yes").
LEGACY_ARCH := $(shell $(ARCH_TABLE) make legacy=yes)
# The arches whose own Node makes their SEA blob under QEMU (blob column "self").
SELF_BLOB_ARCHES := $(shell $(ARCH_TABLE) make blob=self)
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
dist/exechealthz.cjs: $(SRC) build/bundle.mjs build/lib.mjs node_modules/.package-lock.json
	node build/bundle.mjs --outfile $@ --version $(VERSION)

## ---- executables (build-%, all-build, server) ---------------------------

# Unknown or several arches fail here, before any work, with one line.
ifeq ($(ALL_ARCH),)
$(error build/arches.tsv lists no arch)
endif
ifneq ($(words $(LEGACY_ARCH)),1)
$(error build/arches.tsv has $(words $(LEGACY_ARCH)) rows with legacy "yes", not one)
endif
ifneq ($(words $(filter $(ALL_ARCH),$(ARCH))) $(words $(ARCH)),1 1)
$(error ARCH=$(ARCH) is not supported; use one of: $(ALL_ARCH))
endif

# Per-arch base rootfs from pinned Debian packages: the FROM-scratch base image and the
# QEMU sysroot of the arch tests (build/rootfs.sh).
ROOTFS_DIR := .cache/rootfs
# mtime of every file in the rootfs: the last commit that changed what goes into it.
ROOTFS_EPOCH := $(or $(shell git log -1 --format=%ct -- images/base/packages.lock.json images/base/rootfs build/rootfs.sh 2>/dev/null),0)
ROOTFS_EPOCH_STAMP := $(ROOTFS_DIR)/epoch/$(ROOTFS_EPOCH)
# Debian's files are fetched by build/debian.mjs (build/debian/); build/node.lock.json pins the
# libnode of an arch whose Node is Debian's.
DEBIAN_TOOL := build/debian.mjs $(wildcard build/debian/*.mjs) build/lib.mjs
ROOTFS_INPUTS := images/base/packages.lock.json build/rootfs.sh $(DEBIAN_TOOL) build/arches.mjs build/arches.tsv build/node.lock.json \
	$(wildcard images/base/rootfs/etc/*) $(ROOTFS_EPOCH_STAMP)
# A stamp named by its value, alone in its folder: a new epoch (or a return to an old one)
# is a missing file, so the trees are re-stamped exactly then; make -q and -n stay truthful
# and nothing is written while make parses.
$(ROOTFS_EPOCH_STAMP):
	@rm -rf $(@D) && mkdir -p $(@D) && touch $@

rootfs: rootfs-$(ARCH) ## Assemble .cache/rootfs/ARCH, the base rootfs, from pinned Debian packages
rootfs-%: $(ROOTFS_DIR)/%.stamp ## Base rootfs of one arch (rootfs-ARCH)
	@echo "$(ROOTFS_DIR)/$*/: $$(du -sm $(ROOTFS_DIR)/$* | cut -f1) MiB"
all-rootfs: $(addprefix rootfs-,$(ALL_ARCH)) ## Base rootfs for every arch
$(ROOTFS_DIR)/%.stamp: $(ROOTFS_INPUTS)
	SOURCE_DATE_EPOCH=$(ROOTFS_EPOCH) bash build/rootfs.sh $*
	@touch $@
# Stamps are real files that make must keep, not intermediates to clean up.
.SECONDARY: $(foreach a,$(ALL_ARCH),$(ROOTFS_DIR)/$(a).stamp)

# Where Debian's files come from, besides the local cache: each empty = this machine's apt
# sources (no archive host is written into the project). Base URL(s) of the main archive.
DEBIAN_MIRROR ?=
# Base URL(s) of the security archive.
DEBIAN_SECURITY_MIRROR ?=
# Base URL of a snapshot archive, asked at the lock's timestamp: BASE/archive/ARCHIVE/TIME/POOL_PATH.
DEBIAN_SNAPSHOT ?=
# More base URLs, tried last, each as BASE/POOL_PATH.
DEBIAN_EXTRA_MIRRORS ?=
export DEBIAN_MIRROR DEBIAN_SECURITY_MIRROR DEBIAN_SNAPSHOT DEBIAN_EXTRA_MIRRORS
# For lock: the arches to re-pin (Makefile ARCH names); empty = every arch.
LOCK_ARCH ?=
lock: ## Re-pin every arch's Debian packages (base and Debian Node) to the newest served upload of the lock's release (LOCK_ARCH=ARCH for some)
	node build/debian.mjs lock $(foreach a,$(LOCK_ARCH),--arch '$(a)')

# Node.js per arch: build/node.lock.json pins each arch's version (with integrity) and is
# the only place it is written down; `make node-lock` moves it. Read once, through its one
# reader: "ARCH=VERSION=SOURCE ... compare=VERSION".
NODE_PINS := $(shell node build/debian.mjs node-pins)
# "ARCH=VERSION ..." per arch.
NODE_VERSIONS := $(foreach p,$(filter-out compare=%,$(NODE_PINS)),$(subst $(eval) ,=,$(wordlist 1,2,$(subst =, ,$(p)))))
# The Node version the lock pins for arch $(1).
node_version = $(patsubst $(1)=%,%,$(filter $(1)=%,$(NODE_VERSIONS)))
# For node-lock: the Node line or release (24, 24.22 or 24.22.3) every arch moves to; empty =
# each arch to the newest release of its own line.
NODE_VERSION ?=
# For node-lock: NODE_VERSION_<ARCH>, the line or release of one arch only (24, ...); wins over NODE_VERSION.
$(foreach a,$(ALL_ARCH),$(eval NODE_VERSION_$(a) ?=))
# For node-lock: NODE_SOURCE_<ARCH>, where one arch's Node comes from, npm or debian (Debian 13's
# libnode; its base rootfs then comes from Debian 13 too); empty = as the lock has it.
$(foreach a,$(ALL_ARCH),$(eval NODE_SOURCE_$(a) ?=))
# Verified Node binaries, .cache/node/<version>/<arch>/node, plus this machine's Node >= 22 that runs pkg.
NODE_CACHE := .cache/node
PKG_HOST_NODE := $(NODE_CACHE)/pkg-host/node
node_bin = $(NODE_CACHE)/$(call node_version,$(1))/$(1)/node
NODE_BINS := $(foreach a,$(ALL_ARCH),$(call node_bin,$(a)))
# One single-executable application per arch.
EXECUTABLES := $(foreach a,$(ALL_ARCH),bin/$(a)/exechealthz)

node-fetch: $(NODE_BINS) $(PKG_HOST_NODE) ## Fetch and verify the Node binaries (once; cached in .cache/)
# $* is VERSION/ARCH: the path changes with the arch's pin, so moving one arch rebuilds that arch only.
$(NODE_CACHE)/%/node: build/node-fetch.mjs $(DEBIAN_TOOL)
	node build/node-fetch.mjs --arch $(notdir $*) --node-version $(patsubst %/,%,$(dir $*))
	@touch $@
$(PKG_HOST_NODE): build/node.lock.json build/node-fetch.mjs build/lib.mjs
	node build/node-fetch.mjs --pkg-host
	@touch $@
.SECONDARY: $(NODE_BINS)

node-lock: ## Re-pin build/node.lock.json from npm: each arch to the newest of its line (NODE_VERSION[_ARCH]=24.22.3 to choose)
	node build/node-fetch.mjs --refresh $(if $(NODE_VERSION),--node-version '$(NODE_VERSION)') \
	  $(foreach a,$(ALL_ARCH),$(if $(NODE_VERSION_$(a)),--arch-version '$(a)=$(NODE_VERSION_$(a))')) \
	  $(foreach a,$(ALL_ARCH),$(if $(NODE_SOURCE_$(a)),--arch-source '$(a)=$(NODE_SOURCE_$(a))'))

build: build-$(ARCH) ## Build bin/ARCH/exechealthz
build-%: bin/%/exechealthz ## Build bin/%/exechealthz (build-ARCH)
	@echo "$<: $$(du -m $< | cut -f1) MiB"
all-build: $(addprefix build-,$(ALL_ARCH)) ## Build bin/<arch>/exechealthz for every arch
# Real outputs, never intermediates for make to delete.
.SECONDARY: $(EXECUTABLES)
# The arch's Node path depends on the arch (the stem), so the prerequisites expand twice.
.SECONDEXPANSION:
bin/%/exechealthz: dist/exechealthz.cjs $$(call node_bin,$$*) $(PKG_HOST_NODE) \
		build/executable.mjs build/sea.mjs build/elf-note.mjs build/lib.mjs node_modules/.package-lock.json
	node build/executable.mjs --arch $* --bundle $< --node $(word 2,$^) --out $@
# The SEA blob of a SELF_BLOB_ARCHES arch is made by its own Node, under QEMU with this sysroot;
# so is the blob of every arch whose Node is Debian's (its launcher needs that rootfs's libraries).
NODE_DEBIAN_ARCHES := $(foreach p,$(filter %=debian,$(NODE_PINS)),$(firstword $(subst =, ,$(p))))
$(foreach a,$(sort $(SELF_BLOB_ARCHES) $(NODE_DEBIAN_ARCHES)),$(eval bin/$(a)/exechealthz: $(ROOTFS_DIR)/$(a).stamp))

# VERSION is baked into the bundle, so `make build TAG=1.1` after TAG=1.0 must re-bundle
# and re-inject. A stamp named by its value, like the rootfs epoch's.
# A bad VERSION is reported below, after the image checks (a bad TAG is a bad tag first).
VERSION_VALID := $(shell printf '%s' '$(VERSION)' | grep -Eqx '[A-Za-z0-9_][A-Za-z0-9_.+-]{0,127}' && echo ok)
ifeq ($(VERSION_VALID),ok)
VERSION_STAMP := dist/version/$(VERSION)
$(VERSION_STAMP):
	@rm -rf $(@D) && mkdir -p $(@D) && touch $@
dist/exechealthz.cjs: $(VERSION_STAMP)
endif

server: exechealthz ## Copy this machine's executable to ./exechealthz
exechealthz: bin/$(HOST_ARCH)/exechealthz
	cp $< $@.tmp && mv $@.tmp $@
	@echo "$@: $$(du -h $@ | cut -f1)"

## ---- images (container-%, push-%, all-*, push-legacy, push-manifest) --------

# Name of a Buildx builder to build with (`docker buildx ls`); empty = the engine's own.
BUILDER ?=
# Another base image instead of the one built from .cache/rootfs/ARCH (needs /usr/bin/tini).
BASEIMAGE ?=
# Every timestamp in the images: the commit time, so two builds of one commit are identical.
SOURCE_DATE_EPOCH ?= $(shell git log -1 --format=%ct 2>/dev/null || echo 0)
# Commit recorded in the org.opencontainers.image.revision label.
REVISION ?= $(shell git rev-parse HEAD 2>/dev/null)
# Repository URL recorded in the org.opencontainers.image.source label: the origin remote when
# it is a URL (git@host:org/repo becomes https://host/org/repo, ".git" and credentials dropped),
# else the Go tool this rewrites. Never a local path (build/source-url.mjs).
SOURCE ?= $(shell node build/source-url.mjs --remote "$$(git config --get remote.origin.url 2>/dev/null)" \
	--fallback https://github.com/kubernetes/contrib/tree/master/exec-healthz)
# true = attach a provenance attestation (records build times: digests then differ per build).
PROVENANCE ?= false
# true = rebuild every layer, ignoring BuildKit's cache.
NO_CACHE ?= false
# Per-arch build contexts, staged before each build (see stage_ctx).
IMAGE_CTX := .cache/images
# true = push-legacy replaces whatever $(PREFIX)/exechealthz:$(TAG) holds (a multi-arch index
# without this LEGACY_ARCH image, or another image); false = it refuses with one line.
FORCE_LEGACY ?= false
# true = push-manifest assembles the index from the per-arch images already in the registry
# (one `make push ARCH=...` job per arch), building nothing; false = it runs all-push first.
FROM_REGISTRY ?= false

# Fail before anything is built or pushed, with one line, on bad image input.
IMAGE_GOALS := container container-% push push-% all-container all-push print
$(foreach v,FORCE_LEGACY FROM_REGISTRY,$(if $(filter $($(v)),true false),,$(error $(v)=$($(v)) is not true or false)))
ifneq ($(filter $(IMAGE_GOALS),$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
ifeq ($(strip $(TAG)),)
$(error TAG is empty; give a tag, e.g. TAG=1.0)
endif
ifneq ($(shell printf '%s' '$(TAG)' | grep -Eqx '[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}' && echo ok),ok)
$(error TAG=$(TAG) is not a valid image tag (letters, digits, _ . -; at most 128))
endif
ifneq ($(shell printf '%s' '$(PREFIX)' | grep -Eqx '[a-zA-Z0-9]([a-zA-Z0-9.-]*[a-zA-Z0-9])?(:[0-9]+)?(/[a-z0-9]+([._-]+[a-z0-9]+)*)*' && echo ok),ok)
$(error PREFIX=$(PREFIX) is not a valid registry/repository prefix (e.g. registry.example:5000/team))
endif
$(foreach a,$(patsubst container-%,%,$(filter container-%,$(MAKECMDGOALS))) $(filter-out legacy manifest,$(patsubst push-%,%,$(filter push-%,$(MAKECMDGOALS)))),\
  $(if $(filter $(a),$(ALL_ARCH)),,$(error unknown arch '$(a)'; use one of: $(ALL_ARCH))))
ifneq ($(filter push-legacy,$(MAKECMDGOALS)),)
ifneq ($(ARCH),$(LEGACY_ARCH))
$(error push-legacy publishes $(PREFIX)/exechealthz:$(TAG) for $(LEGACY_ARCH) only, not ARCH=$(ARCH); use push-manifest for a multi-arch image)
endif
endif
ifeq ($(BUILDER),)
ifneq ($(filter-out print,$(or $(MAKECMDGOALS),$(.DEFAULT_GOAL))),)
ifneq ($(shell docker info >/dev/null 2>&1 && echo ok),ok)
$(error the Docker engine is not answering (docker info); start it with: bash hack/provision.sh)
endif
endif
endif
endif

ifneq ($(VERSION_VALID),ok)
$(error $(if $(filter file,$(origin VERSION)),TAG=$(TAG) (the default VERSION),VERSION=$(VERSION)) is not a valid version (letters, digits, _ . + -; at most 128))
endif

# bake gets variables and target names only; docker-bake.hcl holds every build setting.
BAKE_ENV = TAG='$(TAG)' PREFIX='$(PREFIX)' ARCH='$(ARCH)' VERSION='$(VERSION)' BASEIMAGE='$(BASEIMAGE)' \
	SOURCE_DATE_EPOCH='$(SOURCE_DATE_EPOCH)' REVISION='$(REVISION)' SOURCE='$(SOURCE)' \
	PROVENANCE='$(PROVENANCE)' NO_CACHE='$(NO_CACHE)' CONTEXT_DIR='$(IMAGE_CTX)' \
	COMPRESSION='$(COMPRESSION)' CACHE_DIR='$(CACHE_DIR)' ARCHES="$$($(RELEASE) bake-arches)"
BAKE = $(BAKE_ENV) docker buildx bake -f docker-bake.hcl $(if $(BUILDER),--builder '$(BUILDER)')
# The release steps that look at the registry first (push-legacy, push-manifest).
RELEASE = node build/release.mjs
RELEASE_FLAGS = --prefix '$(PREFIX)' --tag '$(TAG)' $(if $(BUILDER),--builder '$(BUILDER)')
# Stages arch $(1)'s build contexts under $(IMAGE_CTX)/$(1), afresh (build/release.mjs stage).
stage_ctx = $(RELEASE) stage --arch $(1) --epoch '$(SOURCE_DATE_EPOCH)' --context-dir $(IMAGE_CTX) \
	--executable bin/$(1)/exechealthz --sbom dist/sbom/exechealthz-$(1).cdx.json \
	$(if $(BASEIMAGE),,--rootfs $(ROOTFS_DIR)/$(1))
# The real inputs of ARCH's image.
image_inputs = bin/$(1)/exechealthz dist/sbom/exechealthz-$(1).cdx.json images/base/Dockerfile \
	images/exechealthz/Dockerfile $(if $(BASEIMAGE),,$(ROOTFS_DIR)/$(1).stamp)
# The recipe of every image target: stages the contexts of arches $(1), bakes target $(2)
# with PUSH=$(3) (metadata in $(IMAGE_CTX)/$(4).json) and prints "$(5) REF@DIGEST" per image.
define bake_images
	$(foreach a,$(1),$(call stage_ctx,$(a)) &&) true
	PUSH=$(3) $(BAKE) --metadata-file $(IMAGE_CTX)/$(4).json $(2)
	@$(RELEASE) refs --metadata $(IMAGE_CTX)/$(4).json --verb $(5)
endef

container: container-$(ARCH) ## Build $(PREFIX)/exechealthz-$(ARCH):$(TAG) into the local engine
container-%: $(call image_inputs,%) ## One arch's image into the local engine (container-ARCH)
	$(call bake_images,$*,exechealthz-$*,false,container-$*,built)
all-container: $(foreach a,$(ALL_ARCH),$(call image_inputs,$(a))) ## Build the image of every arch into the local engine
	$(call bake_images,$(ALL_ARCH),all,false,container-all,built)

push: push-$(ARCH) ## Build and push $(PREFIX)/exechealthz-$(ARCH):$(TAG)
push-%: $(call image_inputs,%) ## Build and push one arch's image (push-ARCH)
	$(call bake_images,$*,exechealthz-$*,true,push-$*,pushed)
all-push: $(foreach a,$(ALL_ARCH),$(call image_inputs,$(a))) ## Build and push the image of every arch
	$(call bake_images,$(ALL_ARCH),all,true,push-all,pushed)

# The LEGACY_ARCH image is built (into the local engine) first, so its digest is known before
# anything is pushed: a multi-arch index already holding it is left alone, anything else at the
# name is refused unless FORCE_LEGACY=true. release.mjs runs the push itself (bake, PUSH=true).
push-legacy: $(call image_inputs,$(LEGACY_ARCH)) ## Push $(LEGACY_ARCH) as $(PREFIX)/exechealthz:$(TAG), never over a multi-arch index (FORCE_LEGACY=true)
	$(call stage_ctx,$(LEGACY_ARCH))
	PUSH=false $(BAKE) --metadata-file $(IMAGE_CTX)/legacy-built.json exechealthz-$(LEGACY_ARCH)
	$(BAKE_ENV) $(RELEASE) legacy $(RELEASE_FLAGS) --built $(IMAGE_CTX)/legacy-built.json \
	  --force '$(FORCE_LEGACY)' --metadata-file $(IMAGE_CTX)/push-legacy.json

# The index references the per-arch manifests by digest, and is pushed only after all of them;
# FROM_REGISTRY=true takes them from the registry (per-arch jobs pushed them) instead.
push-manifest: $(if $(filter true,$(FROM_REGISTRY)),,all-push) ## Push the multi-arch index $(PREFIX)/exechealthz:$(TAG) over every arch, last (FROM_REGISTRY=true: build nothing)
	$(RELEASE) manifest $(RELEASE_FLAGS) \
	  $(if $(filter true,$(FROM_REGISTRY)),--from-registry,--metadata $(IMAGE_CTX)/push-all.json) \
	  --arches '$(ALL_ARCH)' --version '$(VERSION)' --revision '$(REVISION)' --source '$(SOURCE)' --epoch '$(SOURCE_DATE_EPOCH)'

print: ## Show what `make container` would build (docker buildx bake --print), building nothing
	@$(BAKE) --print exechealthz-$(ARCH)

.PHONY: container all-container push all-push push-legacy push-manifest print

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
# Dated SOURCE_DATE_EPOCH (the images section's commit time), not now: the SBOM ships inside
# the image, whose digest must not change between two builds of one commit.
$(SBOM_DIR)/exechealthz-%.cdx.json: dist/exechealthz.cjs build/node.lock.json images/base/packages.lock.json \
		build/sbom.mjs build/debian/lock.mjs package-lock.json build/arches.tsv
	SOURCE_DATE_EPOCH='$(or $(SOURCE_DATE_EPOCH),0)' \
		node build/sbom.mjs --arch $* --version $(VERSION) --out $@

sign: sbom ## Sign the pushed images (all-push, push-manifest) by digest and attach each SBOM: cosign
	node build/sign.mjs --prefix $(PREFIX) --tag $(TAG) --key '$(COSIGN_KEY)' --arches "$(ALL_ARCH)"

verify: ## Check every pushed arch image and the index: signature, SBOM vs locks, config; one line each
	node build/verify.mjs --prefix $(PREFIX) --tag $(TAG) --pub '$(COSIGN_PUB)' --version $(VERSION) --arches "$(ALL_ARCH)"

## ---- tests ---------------------------------------------------------------------

TEST_SRC := $(shell find test bench -name '*.ts' -o -name '*.cjs' 2>/dev/null)
# Test files are TypeScript, compiled (and type-checked) with the sources by tsc; the helpers
# the benchmark shares are CommonJS with JSDoc types (test/helpers/*.cjs), checked and copied.
out/.stamp: $(SRC) $(TEST_SRC) tsconfig.json node_modules/.package-lock.json
	npx tsc -p tsconfig.json
	@touch $@

# Node's test runner with the TAP reporter named: test/run-suites.sh sums TAP's "# pass" lines,
# and the default reporter depends on Node's version and on whether stdout is a terminal.
NODE_TEST := node --test --test-reporter=tap

test: provision ## Run the whole test suite (provisions this machine first)
	bash test/run-suites.sh unit integration arch e2e

test-unit: out/.stamp out/.bench-stamp out/.scripts-stamp ## Unit tests: pure logic, fake clock and fake runner
	$(NODE_TEST) out/test/unit/*.test.js

# The benchmark is JavaScript with JSDoc types; type-checked (checkJs) like the sources.
out/.bench-stamp: $(shell find bench -name '*.mjs' -o -name '*.cjs') $(wildcard test/helpers/*.cjs) build/sea.mjs build/lib.mjs tsconfig.bench.json node_modules/.package-lock.json
	npx tsc -p tsconfig.bench.json
	@mkdir -p out && touch $@

# The release, signing and SBOM scripts: the same check, on the files tsconfig.scripts.json lists.
out/.scripts-stamp: $(wildcard build/*.mjs build/*/*.mjs) tsconfig.scripts.json tsconfig.bench.json node_modules/.package-lock.json
	npx tsc -p tsconfig.scripts.json
	@mkdir -p out && touch $@

# The integration suite drives the executable pods run, the bundle inside pkg's Node.
test-integration: out/.stamp bin/$(HOST_ARCH)/exechealthz ## Integration tests against the real executable (bundle + Node)
	EXECHEALTHZ_BIN=$(CURDIR)/bin/$(HOST_ARCH)/exechealthz $(NODE_TEST) out/test/integration/*.test.js

# The oldest Node an arch can embed (the lock's compare entry: an arch's pin, or its npm package's
# newest), as this machine's Node and the same bundle made an executable on it: the bench sets it
# beside the current line, the hostile suite proves the HTTP mitigations on it.
COMPARE_NODE_VERSION := $(patsubst compare=%,%,$(filter compare=%,$(NODE_PINS)))
COMPARE_NODE := $(NODE_CACHE)/$(COMPARE_NODE_VERSION)/$(HOST_ARCH)/node
COMPARE_EXE := bin/compare/node$(COMPARE_NODE_VERSION)/exechealthz

$(COMPARE_NODE): build/node-fetch.mjs build/lib.mjs
	node build/node-fetch.mjs --compare
	@touch $@
$(COMPARE_EXE): dist/exechealthz.cjs $(COMPARE_NODE) $(PKG_HOST_NODE) build/executable.mjs build/sea.mjs build/elf-note.mjs build/lib.mjs
	node build/executable.mjs --arch $(HOST_ARCH) --bundle $< --node $(COMPARE_NODE) --node-version $(COMPARE_NODE_VERSION) --out $@

test-arch: out/.stamp $(EXECUTABLES) all-rootfs sbom $(COMPARE_EXE) ## Every arch executable under QEMU user emulation, and the service on the oldest Node an arch can embed
	EXECHEALTHZ_COMPARE_BIN=$(CURDIR)/$(COMPARE_EXE) $(NODE_TEST) out/test/arch/*.test.js

test-e2e: out/.stamp ## Images on a real Docker engine and registry (one suite at a time: they share the engine)
	$(NODE_TEST) --test-concurrency=1 out/test/e2e/*.test.js

## ---- benchmarks ---------------------------------------------------------------

# Node the executable embeds: its bare node:http baseline runs on this very binary.
BENCH_NODE := $(call node_bin,$(HOST_ARCH))
# Extra bench/bench.mjs flags, e.g. BENCH_FLAGS='--rounds 1 --only sea,sea-old'.
BENCH_FLAGS ?=
bench: bin/$(HOST_ARCH)/exechealthz dist/exechealthz.cjs $(BENCH_NODE) $(COMPARE_EXE) $(COMPARE_NODE) ## Benchmark: the executable on each Node line vs a bare node:http server on the same Node, ratios (~12 min)
	@command -v wrk >/dev/null || { source hack/lib.sh && apt_install wrk; }
	node bench/bench.mjs --exe bin/$(HOST_ARCH)/exechealthz --sea-node $(BENCH_NODE) \
	  --exe-old $(COMPARE_EXE) --sea-node-old $(COMPARE_NODE) --bundle dist/exechealthz.cjs $(BENCH_FLAGS)

bench-scale: bin/$(HOST_ARCH)/exechealthz $(BENCH_NODE) ## Scale section alone: 1, 10, 100 checks vs a bare Node spawn loop, RssAnon and CPU per run (~3 min)
	node bench/scale.mjs --exe bin/$(HOST_ARCH)/exechealthz --node $(BENCH_NODE)

.PHONY: bench bench-scale

## ---- housekeeping -------------------------------------------------------------

provision: ## Install and start what builds and tests need (npm, QEMU, Docker, registry, tools); idempotent
	bash hack/provision.sh

all: provision all-build all-container ## The release job on a fresh machine: provision, then every arch's executable and image

clean: ## Remove build outputs; downloads stay in .cache/ (rm -rf .cache to drop them too)
	rm -rf bin dist out exechealthz exechealthz.tmp
	@echo "removed bin/ dist/ out/ ./exechealthz"

version: ## Print the version being built (VERSION, default TAG)
	@echo $(VERSION)

help: ## List the targets and the variables users set
	@echo "usage: make [TARGET] [ARCH=$(ARCH)] [TAG=$(TAG)] [PREFIX=$(PREFIX)]   (ARCH one of: $(ALL_ARCH))"
	@awk -F':.*## ' '/^[a-zA-Z0-9_.%\/-]+:.*## / { printf "  %-20s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

.PHONY: provision all sbom sign verify bundle test test-unit test-integration test-arch test-e2e rootfs all-rootfs lock node-fetch node-lock build all-build server clean version help