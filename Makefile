# Blazz: `make run` and `make test` do all the set-up on a fresh machine (Python 3.11, Node 20,
# npm, make, root's apt). Each install step is a stamp file, redone only when its inputs change.

SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
export PUPPETEER_SKIP_DOWNLOAD := 1
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD := 1
CHROMIUM ?= /usr/bin/chromium

FRONTEND_SOURCES := $(shell find frontend -path frontend/node_modules -prune -o -path frontend/dist -prune -o -type f -print 2>/dev/null)

.PHONY: run test install chromium chromium-for-webjs ffmpeg messages test-python test-bridge test-frontend test-e2e bench clean-data help

help:
	@echo "make run    start Blazz (embedded PostgreSQL/Redis unless DATABASE_URL/REDIS_URL are set)"
	@echo "make test   run every suite: pytest, bridge (node:test), frontend (vitest), end-to-end (Playwright)"
	@echo "make bench  run the benchmarks in bench/ (one JSON line each)"

run: install chromium-for-webjs
	@$(PY) -m blazz.dev.devrun

install: $(VENV)/.installed bridge/node_modules/.installed frontend/node_modules/.installed frontend/dist/index.html .env ffmpeg

$(VENV)/.installed: requirements.txt
	@command -v $(PYTHON) >/dev/null || { echo "Python 3.11 is needed ($(PYTHON) not found)"; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

bridge/node_modules/.installed: bridge/package.json bridge/package-lock.json
	cd bridge && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/node_modules/.installed: frontend/package.json frontend/package-lock.json
	cd frontend && npm ci --no-audit --no-fund --loglevel=error
	touch $@

frontend/dist/index.html: frontend/node_modules/.installed $(FRONTEND_SOURCES)
	cd frontend && npm run build --silent

.env: | $(VENV)/.installed
	$(PY) -m blazz.dev.envfile .env

chromium:
	@test -x $(CHROMIUM) || { \
	  echo "installing Debian's chromium for the end-to-end tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium >/dev/null || { \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y chromium >/dev/null; }; }

# `make run` needs Chromium only for webjs numbers: it tries to install it and goes on without it.
chromium-for-webjs:
	@test -x $(CHROMIUM) || $(MAKE) --no-print-directory chromium || \
	  echo "Chromium could not be installed: the sandbox engine works; a webjs number needs \`apt-get install -y chromium\`."
# Voice notes: the worker transcodes the browser's WebM/Opus recordings to OGG/Opus and measures
# every voice note's waveform with Debian's ffmpeg.
ffmpeg:
	@command -v ffmpeg >/dev/null || { \
	  echo "installing Debian's ffmpeg for voice notes"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y ffmpeg >/dev/null || { \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get update >/dev/null && \
	    DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y ffmpeg >/dev/null; }; }

# The server's Indonesian catalogue: refresh locale/id/LC_MESSAGES/django.po from the code, then
# compile django.mo (both in git, so running Blazz needs no gettext tools).
messages: $(VENV)/.installed
	$(PY) manage.py makemessages -l id --no-location --ignore=.venv --ignore=node_modules --ignore=frontend --ignore=bridge --ignore=.data
	$(PY) manage.py compilemessages -l id --ignore=.venv

# Every suite runs against its own embedded servers under .data/test (unless DATABASE_URL and
# REDIS_URL are set), so a running `make run` is never touched.
test: install chromium
	@$(PY) -m blazz.dev.devservers run --data-dir .data/test --fsync off -- $(MAKE) --no-print-directory test-python test-bridge test-frontend test-e2e

test-python: install
	$(PY) -m pytest

test-bridge: bridge/node_modules/.installed
	cd bridge && PYTHON=$(CURDIR)/$(PY) npm test

test-frontend: frontend/node_modules/.installed
	cd frontend && npm run test:unit

test-e2e: install chromium
	cd frontend && npm run test:e2e

bench: install chromium
	@$(PY) -m blazz.dev.devservers run --data-dir .data/bench --fsync off -- bash bench/run_all.sh

clean-data:
	rm -rf .data/test .data/bench
