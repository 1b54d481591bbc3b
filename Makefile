# Monitor: `make run` for the demo, `make test` for the whole suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
# Tests run with a throwaway key; production sets MONITOR_SECRET_KEY itself.
TEST_ENV := MONITOR_SECRET_KEY=test-only-secret-key-not-for-any-deployment-0123456789

.PHONY: run test lint check install install-dev clean bench messages

# The venv's own pip is recent enough (editable installs from pyproject.toml need 21.3+);
# upgrading it would cost every fresh clone's first `make run` several seconds.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed
install-dev: $(VENV)/.installed-dev

## run: the demo on http://$(HOST):$(PORT) — SQLite, demo data and demo accounts.
# run_demo: migrate, collectstatic, load_demo, then the task worker (background work: scheduled
# backups) beside runserver, in one process that stops the worker with the server.
run: $(VENV)/.installed
	MONITOR_DEMO=1 $(BIN)/python manage.py run_demo $(HOST):$(PORT)

# The browser tests drive Debian's Chromium; Playwright never downloads a browser.
CHROMIUM ?= /usr/bin/chromium

$(CHROMIUM):
	@echo "The browser tests need Debian's Chromium: installing it with apt-get."
	if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium

# Generated documents: WeasyPrint draws PDFs with Pango (and needs fonts); the tests read the
# PDFs back as a person would, with poppler-utils (pdftoppm, pdftotext), and open the DOCX in
# LibreOffice (headless conversion to PDF).
DOC_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core poppler-utils libreoffice-writer-nogui
# The catalogs' completeness test runs makemessages, which needs GNU gettext (xgettext). The
# .mo files themselves are built in pure Python (manage.py compile_translations, polib).
SYSTEM_PACKAGES := $(DOC_PACKAGES) gettext

.PHONY: system-packages
system-packages:
	@missing=""; for p in $(SYSTEM_PACKAGES); do \
	  dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "Generated documents and the translation checks need:$$missing — installing with apt-get."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing; \
	fi

## test: the whole suite (SQLite; set DATABASE_URL for PostgreSQL).
# The browser tests run in a process of their own: Playwright's event loop makes Django hand
# out other database connections, which must not leak into the tests that follow.
test: $(VENV)/.installed-dev $(CHROMIUM) system-packages
	$(TEST_ENV) $(BIN)/python manage.py compile_translations
	$(TEST_ENV) $(BIN)/python -m pytest -n 2 -m "not browser and not slow" $(PYTEST_ARGS)
	$(TEST_ENV) $(BIN)/python -m pytest -p no:xdist -m browser $(PYTEST_ARGS)

## messages: update locale/ru and locale/tg from the code (needs GNU gettext), then compile.
messages: $(VENV)/.installed-dev
	$(TEST_ENV) $(BIN)/python manage.py makemessages --no-obsolete --no-location -l ru -l tg \
	  --ignore ".venv/*" --ignore "tests/*" --ignore "*/tests/*" --ignore "templates/cases/documents/*" \
	  --ignore "cases/documents/*" --ignore "staticfiles/*" --ignore "var/*"
	$(TEST_ENV) $(BIN)/python manage.py compile_translations

## lint: ruff, the layers contract (import-linter, pyproject.toml), Django's system checks,
## and no missing migration.
lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(TEST_ENV) $(BIN)/python manage.py check
	$(TEST_ENV) $(BIN)/python manage.py makemigrations --check --dry-run

## bench: the benchmark of record (tests/bench/run.py): PostgreSQL databases of 1k and 100k
## cases and 1M persons (seeded once, kept), every endpoint under gunicorn, a table and JSON.
## A quick run: make bench BENCH_SIZES=1000 BENCH_NAMES=0
BENCH_SIZES ?= 1000,100000
BENCH_NAMES ?= 1000000
bench: $(VENV)/.installed-dev
	BENCH_SIZES=$(BENCH_SIZES) BENCH_NAMES=$(BENCH_NAMES) $(BIN)/python tests/bench/run.py

clean:
	rm -rf $(VENV) var staticfiles .pytest_cache .ruff_cache
