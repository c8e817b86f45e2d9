# chizai — developer entry points. GNU make.
#   make run    set everything up and serve on http://127.0.0.1:$(PORT)/
#   make test   install what the tests need, lint, types, layers, deploy check, the suite on SQLite and PostgreSQL

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.NOTPARALLEL:
.DEFAULT_GOAL := help

PYTHON := $(shell scripts/find-python.sh)
VENV = .venv
BIN = $(VENV)/bin
STAMP = $(VENV)/.installed
PORT ?= 8000
PYTEST_ARGS ?=

# Exit code 5 ("no tests collected") is a failure too; say so plainly.
define run_pytest
$(BIN)/pytest $(PYTEST_ARGS) || { rc=$$?; \
  if [ $$rc -eq 5 ]; then echo "make: pytest collected no tests — counted as a failure" >&2; fi; \
  exit $$rc; }
endef

.PHONY: help install run test test-sqlite test-postgres lint typecheck layers check-deploy bench bench-data bench-import bench-documents clean \
  prod-smoke bench-load bench-faults

help:
	@echo "make run            install, migrate, load plans and demo data, serve on 127.0.0.1:$(PORT)"
	@echo "make test           system packages, ruff, mypy, import-linter, check --deploy, pytest on SQLite and PostgreSQL side by side"
	@echo "make test-sqlite    pytest on SQLite only"
	@echo "make test-postgres  pytest on the throwaway PostgreSQL only"
	@echo "make lint           ruff check + ruff format --check"
	@echo "make typecheck      mypy with django-stubs (strict for chizai/lib and every actions.py)"
	@echo "make layers         import-linter: layers run one way, no import circles"
	@echo "make check-deploy   Django's deployment checks with production settings: must report nothing"
	@echo "make bench-data     build the national data set, SCALE=1 (3 KPIs a prefecture, 5,000 cases) or SCALE=10"
	@echo "make bench          pages through gunicorn at 1x and 10x on SQLite and PostgreSQL, ratio to raw SQL (benchmarks/)"
	@echo "make bench-import   import benchmark: dry run and apply of 10k and 100k actual rows (benchmarks/IMPORT.md)"
	@echo "make prod-smoke     PostgreSQL + 2 gunicorn + 2 workers on loopback, DEBUG off; a smoke journey; all stopped"
	@echo "make bench-load     200 signed-in users for 5 minutes on that shape (locust, headless, bounded)"
	@echo "make bench-faults   kill -9 a worker mid-import and a gunicorn mid-requests, restart PostgreSQL"
	@echo "make bench-documents the national compilation as PDF and Word at 10 fiscal years (benchmarks/DOCUMENTS.md)"
	@echo "make install        create $(VENV), pip install -e '.[dev]', vendor front-end assets"
	@echo "make clean          remove $(VENV), var/, node_modules/, chizai/static/vendor/, chizai.egg-info"

install:
	@scripts/system-deps.sh
	@if ! $(BIN)/python -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null; then \
	  if [ -z "$(PYTHON)" ]; then echo "make: no Python >= 3.12 (see scripts/find-python.sh)" >&2; exit 1; fi; \
	  echo "Creating $(VENV) with $(PYTHON)"; \
	  rm -rf $(VENV); \
	  "$(PYTHON)" -m venv $(VENV); \
	fi
	@if [ ! -f $(STAMP) ] || [ pyproject.toml -nt $(STAMP) ]; then \
	  echo "Installing chizai and its dev dependencies into $(VENV)"; \
	  $(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]' </dev/null; \
	  touch $(STAMP); \
	fi
	@scripts/vendor-assets.sh

run: export DEBUG := 1
run: install
	@mkdir -p var
	$(BIN)/chizai migrate --noinput
	$(BIN)/chizai setup_reference
	$(BIN)/chizai load_plan $(sort $(wildcard plans/*.yaml))
	$(BIN)/chizai load_demo
	@echo
	@echo "chizai is running at http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	@echo "  Excel/CSV import: http://127.0.0.1:$(PORT)/imports/   API docs: http://127.0.0.1:$(PORT)/api/docs/"
	@echo
	@# Imports and scheduled work run as tasks: one worker beside the dev server, stopped with it.
	@$(BIN)/chizai db_worker --worker-id "dev-$$(hostname)" --verbosity 0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null' EXIT; \
	  $(BIN)/chizai runserver 127.0.0.1:$(PORT)

test: install
	scripts/system-deps.sh chromium postgresql
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@$(MAKE) --no-print-directory typecheck layers check-deploy
	@# Both suites at once, one a core: SQLite's output is kept in var/test-sqlite.log and shown when it ends,
	@# PostgreSQL's (the longer run) as it goes. Either failing fails the target.
	@mkdir -p var; \
	$(MAKE) --no-print-directory test-sqlite >var/test-sqlite.log 2>&1 & sqlite=$$!; \
	trap 'kill $$sqlite 2>/dev/null || true' EXIT; \
	pg=0; $(MAKE) --no-print-directory test-postgres || pg=$$?; \
	lite=0; wait $$sqlite || lite=$$?; \
	cat var/test-sqlite.log; \
	echo "make test: SQLite suite exit $$lite, PostgreSQL suite exit $$pg"; \
	[ $$lite -eq 0 ] && [ $$pg -eq 0 ]

test-sqlite: install
	@scripts/system-deps.sh chromium
	@echo "== pytest on SQLite =="
	@unset DATABASE_URL; $(run_pytest)

# Statements end after 120 s (PGOPTIONS): a query the planner gets badly wrong fails its test with the query
# instead of running until CI's limit.
test-postgres: install
	@scripts/system-deps.sh chromium postgresql
	@echo "== pytest on PostgreSQL =="
	@trap 'scripts/pg-test-server.sh stop' EXIT; \
	scripts/pg-test-server.sh start; \
	export DATABASE_URL="$$(scripts/pg-test-server.sh url)"; \
	export PGOPTIONS="-c statement_timeout=120s"; \
	echo "DATABASE_URL=$$DATABASE_URL"; \
	$(run_pytest)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Static types (mypy + django-stubs; strict for chizai/lib and every actions.py) and the layers contract.
typecheck: export DEBUG := 1
typecheck: install
	$(BIN)/mypy

layers: install
	$(BIN)/lint-imports

# Production settings (DEBUG off, a random key, no DATABASE_URL → SQLite) must pass every deployment check.
check-deploy: install
	@echo "== chizai check --deploy with production settings =="
	@env -u DATABASE_URL DEBUG=0 ALLOWED_HOSTS=chizai.example.lg.jp \
	  SECRET_KEY="$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  $(BIN)/chizai check --deploy --fail-level WARNING

# The committed OpenAPI schema; a test fails until it matches the code (chizai/api/tests/test_schema.py).
.PHONY: openapi
openapi: export DEBUG := 1
openapi: install
	$(BIN)/chizai spectacular --file openapi.yaml --validate --fail-on-warn

SCALE ?= 1
bench-data: install
	$(BIN)/python benchmarks/national.py --scale $(SCALE)

bench: install
	@scripts/system-deps.sh postgresql
	benchmarks/run.sh

bench-import: install
	$(BIN)/python benchmarks/bench_import.py

# The production shape on this machine (scripts/prod-shape.sh): PostgreSQL, two gunicorn servers, two workers.
prod-smoke: install
	@scripts/system-deps.sh postgresql
	scripts/prod-smoke.sh

bench-load: install
	@scripts/system-deps.sh postgresql
	benchmarks/load.sh

bench-faults: install
	@scripts/system-deps.sh postgresql
	benchmarks/faults.sh

bench-documents: install
	$(BIN)/python benchmarks/bench_documents.py

clean:
	@if [ -d var/pgtest ]; then scripts/pg-test-server.sh destroy; fi
	rm -rf $(VENV) var node_modules chizai/static/vendor chizai.egg-info
