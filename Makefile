# Decide: the two commands a fresh machine needs are `make run` and `make test`.
# Every tool runs from .venv/bin, so nothing has to be activated first.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
MAKEFLAGS += --no-print-directory

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.decide-installed

HOST ?= 127.0.0.1
PORT ?= 8000
WORKERS ?= 1

# Links in mails and the calendar-token URL follow the port served on, unless set.
DECIDE_PUBLIC_URL ?= http://127.0.0.1:$(PORT)

# The local database, mail folder and public URL of `make run`, `make migrate`
# and `make seed`.
RUN_ENV := DECIDE_DATABASE_URL=sqlite+aiosqlite:///var/decide.db \
	DECIDE_MAIL_BACKEND=file DECIDE_MAIL_DIR=var/mail \
	DECIDE_PUBLIC_URL=$(DECIDE_PUBLIC_URL)

# The PostgreSQL database that `make test` runs the database tests on a second time.
DECIDE_TEST_POSTGRES_URL ?= postgresql+asyncpg://postgres@127.0.0.1:5432/test

# CI=true (or 1, yes) turns every "skipped: service absent" into a failure.
IS_CI := $(filter 1 true yes,$(shell echo '$(CI)' | tr A-Z a-z))

.PHONY: help install run migrate seed openapi lint format test test-steps \
	check-migrations check-openapi check-typescript test-sqlite test-postgres lock clean distclean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) \
		| awk 'BEGIN {FS = ":.*## "} {printf "  make %-18s %s\n", $$1, $$2}'

$(VENV)/pyvenv.cfg:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "Decide needs Python 3.11 or newer: run make PYTHON=python3.11 ..."; \
		exit 1; }
	$(PYTHON) -m venv $(VENV)

# Reinstall only when the project or its pins change (or the venv is new).
$(STAMP): pyproject.toml constraints.txt $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet --disable-pip-version-check \
		-c constraints.txt -e '.[dev]'
	@touch $@

install: $(STAMP) ## create .venv and install the project with its dev tools

var:
	@mkdir -p var/mail

run: $(STAMP) | var ## migrate, load the demo data and serve on http://127.0.0.1:$(PORT)
	$(RUN_ENV) $(BIN)/decide migrate
	$(RUN_ENV) $(BIN)/decide seed-demo
	$(RUN_ENV) $(BIN)/decide search reindex
	@echo "Decide on http://$(HOST):$(PORT)  (docs: /api/v1/docs and /mobile/v1/docs; mail in var/mail)"
	$(RUN_ENV) exec $(BIN)/decide serve --host $(HOST) --port $(PORT) --workers $(WORKERS)

migrate: $(STAMP) | var ## apply the migrations to var/decide.db
	$(RUN_ENV) $(BIN)/decide migrate

seed: $(STAMP) | var ## load the demo data into var/decide.db (idempotent)
	$(RUN_ENV) $(BIN)/decide seed-demo

openapi: $(STAMP) ## regenerate openapi/api.json and openapi/mobile.json
	$(BIN)/decide openapi

lint: $(STAMP) ## ruff check, ruff format --check and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

format: $(STAMP) ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: ## lint, migration and OpenAPI checks, pytest on SQLite then on PostgreSQL
	@start=$$(date +%s); status=0; \
	$(MAKE) test-steps || status=$$?; \
	elapsed=$$(( $$(date +%s) - start )); \
	printf 'make test: wall time %dm%02ds (%ds), exit %d\n' \
		$$((elapsed / 60)) $$((elapsed % 60)) $$elapsed $$status; \
	exit $$status

test-steps: lint check-migrations check-openapi check-typescript test-sqlite test-postgres

# The models and the migrations agree: migrate a fresh database, then ask
# Alembic whether autogenerate would add anything.
check-migrations: $(STAMP)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	export DECIDE_ENV=test DECIDE_DATABASE_URL="sqlite+aiosqlite:///$$tmp/check.db"; \
	echo "alembic check on a fresh SQLite database"; \
	$(BIN)/decide migrate && $(BIN)/alembic check

check-openapi: $(STAMP)
	$(BIN)/decide openapi --check

# App developers generate a client from openapi/mobile.json: generate its types
# from the document the code produces now, and type-check a client written with
# openapi-fetch against them (clients/typescript, versions pinned by its lock).
# Fields with a default are optional in requests: --default-non-nullable false.
check-typescript: $(STAMP)
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	echo "TypeScript: openapi-typescript on a fresh mobile.json, then tsc"; \
	$(BIN)/decide openapi --folder "$$tmp" > /dev/null && \
	cd clients/typescript && \
	npm ci --no-audit --no-fund --loglevel=error && \
	npx --no-install openapi-typescript "$$tmp/mobile.json" \
		--default-non-nullable false -o src/mobile.d.ts && \
	npx --no-install tsc --noEmit -p .

# pytest exits 5 when it collected no test: that is a failure here too.
run_pytest = status=0; $(1) || status=$$?; \
	if [ $$status -eq 5 ]; then echo "FAIL: pytest collected no test ($(2))"; fi; \
	exit $$status

test-sqlite: $(STAMP)
	@echo "pytest: every test, database tests on SQLite"
	@$(call run_pytest,env -u DECIDE_TEST_DATABASE_URL $(BIN)/pytest,SQLite run)

test-postgres: $(STAMP)
	@url='$(DECIDE_TEST_POSTGRES_URL)'; \
	if ! reason=$$($(BIN)/python -c "$$PG_PROBE" "$$url" 2>&1); then \
		if [ -n '$(IS_CI)' ]; then \
			echo "FAIL: PostgreSQL unreachable at $$url with CI=true: $$reason"; \
			exit 1; \
		fi; \
		echo "SKIP: PostgreSQL tests: unreachable at $$url ($$reason)."; \
		echo "      The database tests ran on SQLite only. Start PostgreSQL or set"; \
		echo "      DECIDE_TEST_POSTGRES_URL, then run make test again."; \
		exit 0; \
	fi; \
	echo "pytest -m 'db or postgres' on PostgreSQL ($$url)"; \
	$(call run_pytest,DECIDE_TEST_DATABASE_URL="$$url" $(BIN)/pytest -m 'db or postgres',PostgreSQL run)

# Connects once to the URL given as argument; prints why when it cannot.
define PG_PROBE
import asyncio, sys
import asyncpg
from sqlalchemy.engine import make_url

url = make_url(sys.argv[1])

async def probe():
    conn = await asyncpg.connect(
        host=url.host or "127.0.0.1", port=url.port or 5432, user=url.username,
        password=url.password, database=url.database, timeout=5,
    )
    await conn.close()

try:
    asyncio.run(probe())
except Exception as exc:
    print(f"{type(exc).__name__}: {exc}")
    sys.exit(1)
endef
export PG_PROBE

# Re-resolves every dependency to its newest allowed version in a throwaway
# venv and pins the result; commit constraints.txt afterwards.
lock: ## re-resolve the dependencies and rewrite constraints.txt
	@tmp=$$(mktemp -d); trap 'rm -rf "$$tmp"' EXIT; \
	$(PYTHON) -m venv "$$tmp/venv"; \
	"$$tmp/venv/bin/python" -m pip install --quiet --disable-pip-version-check -e '.[dev,bench]'; \
	{ echo "# Pins of every dependency of decide[dev,bench]; regenerate with make lock."; \
	  "$$tmp/venv/bin/python" -m pip freeze --exclude-editable --exclude decide; \
	} > constraints.txt; \
	echo "constraints.txt: $$(grep -c '==' constraints.txt) pins"

clean: ## remove caches, build output and var/ (the local database and mail)
	rm -rf var build dist .pytest_cache .mypy_cache .ruff_cache *.egg-info
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -exec rm -rf {} +

distclean: clean ## clean, and remove .venv too
	rm -rf $(VENV)
