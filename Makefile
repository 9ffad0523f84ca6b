# Two commands do all the set-up from a fresh clone: `make demo` and `make test`.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# `airflow standalone` starts its components by name: they must be found on PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
# Prepares the local environment (embedded PostgreSQL unless AIRFLOW_CONN_SERVICETITAN_DB and
# AIRFLOW__DATABASE__SQL_ALCHEMY_CONN name servers) and exports it into the recipe's shell.
LOCAL_ENV := eval "$$($(BIN)/servicetitan dev env --profile local)"

.PHONY: help setup test lint typecheck unit demo run bench scale-out clean

help:
	@echo "make demo   run the main job end to end on embedded defaults and print what happened"
	@echo "make test   lint, type-check and run the whole test suite"
	@echo "make run    start Airflow (UI on http://localhost:8080) with this project loaded"
	@echo "make bench  run the benchmarks; figures printed and written to bench-results/*.json"
	@echo "make scale-out  the sync under CeleryExecutor (Redis, 2 workers) vs local, checked and timed"
	@echo "make unit   the pure tests only (no database), in under a minute"
	@echo "make setup  create .venv with the locked dependencies (done by the others)"

setup: $(STAMP)

$(STAMP): requirements.txt requirements-dev.txt pyproject.toml dev/servicetitan-sandbox/pyproject.toml dev/servicetitan-devtools/pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install --quiet --disable-pip-version-check uv==0.13.9
	$(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python -r requirements.txt -r requirements-dev.txt
	$(BIN)/uv pip install --quiet --python $(BIN)/python --no-deps -e . -e dev/servicetitan-sandbox -e dev/servicetitan-devtools
	@touch $@

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: setup
	$(BIN)/mypy

# The browser tests drive Debian's Chromium (never a downloaded browser): installed here when missing.
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null

# The suite as three pytest sessions side by side (pure, isolated stacks, the database tests): tests/run_groups.py.
test: lint typecheck $(CHROMIUM)
	$(BIN)/python -m tests.run_groups --durations=25

# The pure tests (tests/pure.py lists them): no PostgreSQL, no Airflow metadata database.
unit: setup
	$(BIN)/pytest -m pure

demo: setup
	@$(LOCAL_ENV) && $(BIN)/servicetitan dev import-settings airflow_settings.yaml >/dev/null && $(BIN)/servicetitan demo

# Airflow standalone with the demo's sandbox tenants, Slack receiver and credentials; Ctrl-C stops it all.
run: setup
	@exec $(BIN)/servicetitan dev run

bench: setup
	$(BIN)/python -m benchmarks

# Needs Redis on 127.0.0.1:6379 (uses db 7, flushed); all else it starts and stops itself.
scale-out: setup
	$(BIN)/python -m benchmarks.celery_scale_out

clean:
	-$(BIN)/servicetitan dev postgres stop
	rm -rf .airflow .local
