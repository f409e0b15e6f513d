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

.PHONY: bundle test test-unit test-integration test-arch test-e2e
