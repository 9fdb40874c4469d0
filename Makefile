# The Makefile is the interface: `make serve` and `make test` set everything up themselves.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
SHARED := ../shared/data

# Source releases (O*NET, ESCO, crosswalks) are read from beside the project, never copied in.
ifeq ($(origin NSXKG_SOURCES), undefined)
ifneq ($(wildcard $(SHARED)),)
export NSXKG_SOURCES := $(abspath $(SHARED))
endif
endif

HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: serve test lint typecheck graph install clean browser-deps server-deps bench \
	bench-publish bench-frameworks editor

# Three stamps, so that a first `make serve` installs only what serving needs (about a minute
# less than with the test and benchmark tools, and no compiler-heavy extras); `make test` and
# `make bench` add their extras to the same .venv when first run.
$(BIN)/.installed: pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

$(BIN)/.installed-bench: $(BIN)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[bench]'
	touch $@

install: $(BIN)/.installed

# The /query page's editor: YASGUI (Zazuko's maintained fork) from the npm registry, at the
# versions editor/package-lock.json pins, copied into the package's static files (git-ignored)
# so the server sends every script and stylesheet itself. Node.js and npm come with Debian
# (installed when missing).
VENDOR := src/nsxkg/web/static/vendor
YASGUI := editor/node_modules/@zazuko/yasgui/build
$(VENDOR)/.installed: editor/package.json editor/package-lock.json
	@command -v npm >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm; }
	cd editor && npm ci --no-audit --no-fund --loglevel=error
	mkdir -p $(VENDOR)
	cp $(YASGUI)/yasgui.min.js $(YASGUI)/yasgui.min.css $(VENDOR)/
	touch $@

editor: $(VENDOR)/.installed

graph: $(BIN)/.installed
	$(BIN)/nsxkg build
	$(BIN)/nsxkg validate
	$(BIN)/nsxkg load

# The editor's npm install runs beside the graph's install and build (`-j2`): it waits on the
# network, they on the CPU.
serve:
	$(MAKE) --no-print-directory -j2 graph editor
	$(BIN)/nsxkg serve --host $(HOST) --port $(PORT)

lint: $(BIN)/.installed-test
	$(BIN)/ruff check src tests bench

typecheck: $(BIN)/.installed-test
	$(BIN)/mypy

# Debian's Chromium and ChromeDriver for the headless browser tests (tests/web/test_browser.py),
# installed only when missing; Playwright/Selenium cannot download browsers here.
browser-deps:
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ]; then \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver; \
	fi

# The servers the deployment tests start: HAProxy in front of nsxkg replicas
# (tests/test_load_balancer.py) and OpenLink Virtuoso as a publishing target
# (tests/test_virtuoso.py). Installed only when missing.
server-deps:
	@if ! command -v haproxy >/dev/null && [ ! -x /usr/sbin/haproxy ] || \
	    ! command -v virtuoso-t >/dev/null || ! command -v isql-vt >/dev/null; then \
	  DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq haproxy virtuoso-opensource; \
	fi

test: lint typecheck browser-deps server-deps editor
	$(BIN)/pytest

# The benchmark of issue 7: full build, then nsxkg, bare oxigraph and rdflib-endpoint on the same
# store and query mix; prints a table, writes bench/results/<timestamp>.json and latest.json.
# Quicker: make bench BENCH_DURATION=5 BENCH_ARGS="--skip-build --systems nsxkg,oxigraph"
BENCH_DURATION ?= 20
BENCH_ARGS ?=
# wrk (a C load generator) measures the linked-data tail: a Python client's own pauses on two
# cores would dominate it (bench/wrk.py). Installed only when missing.
bench: $(BIN)/.installed-bench
	@command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run --duration $(BENCH_DURATION) $(BENCH_ARGS)

# Frameworks at publisher scale (issue 12): a synthetic corpus of two releases for every O*NET
# occupation, built, validated and loaded with every source release, then served under wrk;
# writes "frameworks_scale" into bench/results/latest.json. About 15 minutes here.
bench-frameworks: $(BIN)/.installed
	@command -v wrk >/dev/null || { DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.frameworks --duration $(BENCH_DURATION) $(BENCH_ARGS)

# The time to publish the full build to other engines (Virtuoso and oxigraph serve, scratch
# servers on 127.0.0.1): bench/publish.py; reuses the build `make bench` left, or makes one.
BENCH_PUBLISH_ARGS ?=
bench-publish: $(BIN)/.installed-bench server-deps
	$(BIN)/python -m bench.publish $(BENCH_PUBLISH_ARGS)

clean:
	rm -rf build store .pytest_cache .mypy_cache .ruff_cache $(VENDOR) editor/node_modules
