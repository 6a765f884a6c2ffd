# Kabinet: `make run` and `make test` do all set-up on a fresh Debian machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
APT := $(shell command -v apt-get 2>/dev/null)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test test-fast lint bench messages check-migrations clean system-deps test-system-deps

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(STAMP): pyproject.toml | $(BIN)/python
	$(MAKE) system-deps
	$(BIN)/pip install -q -e .
	touch $@

# Debian packages the project needs: the MariaDB client headers (mysqlclient), gettext for translation
# catalogues, Pango and DejaVu fonts for WeasyPrint bills; for tests Chromium (browser tests), wrk
# (benchmarks), poppler-utils and zbar-tools (rasterise bills and decode their QR).
system-deps:
	@missing=""; \
	[ -e /usr/include/mariadb/mysql.h ] || [ -e /usr/include/mysql/mysql.h ] || missing="$$missing default-libmysqlclient-dev pkg-config"; \
	command -v msgfmt >/dev/null || missing="$$missing gettext"; \
	ls /usr/lib/*/libpangoft2-1.0.so.0 >/dev/null 2>&1 || missing="$$missing libpango-1.0-0 libpangoft2-1.0-0"; \
	[ -e /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || missing="$$missing fonts-dejavu-core"; \
	if [ -n "$$missing" ] && [ -n "$(APT)" ]; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

test-system-deps: system-deps
	@missing=""; \
	[ -x /usr/bin/chromium ] || missing="$$missing chromium"; \
	command -v wrk >/dev/null || missing="$$missing wrk"; \
	command -v pdftoppm >/dev/null || missing="$$missing poppler-utils"; \
	command -v zbarimg >/dev/null || missing="$$missing zbar-tools"; \
	if [ -n "$$missing" ] && [ -n "$(APT)" ]; then \
	  $(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq $$missing; fi

$(TEST_STAMP): pyproject.toml $(STAMP)
	$(MAKE) test-system-deps
	$(BIN)/pip install -q -e '.[test,mysql]'
	touch $@

# The embedded mode: SQLite, tasks on SQLite run by a worker beside the development server.
run: export KABINET_DEBUG ?= 1
run: $(STAMP)
	$(BIN)/kabinet migrate --noinput -v 0
	$(BIN)/kabinet demo
	@$(BIN)/kabinet run_huey -q >> var/tasks.log 2>&1 & worker=$$!; \
	trap "kill $$worker 2>/dev/null" EXIT INT TERM; \
	$(BIN)/kabinet runserver $(HOST):$(PORT)

test: $(TEST_STAMP)
	DJANGO_SETTINGS_MODULE=kabinet.settings_test $(BIN)/kabinet makemigrations --check --dry-run -v 0
	$(BIN)/ruff check kabinet tests benchmarks
	$(BIN)/pytest -n 2 $(PYTEST_ARGS)

lint: $(TEST_STAMP)
	$(BIN)/ruff check kabinet tests benchmarks
	$(BIN)/ruff format --check kabinet tests benchmarks

bench: $(TEST_STAMP)
	$(BIN)/python benchmarks/run.py $(BENCH_ARGS)

# Regenerate the translation catalogues (needs gettext) after changing UI strings.
messages: $(STAMP) system-deps
	cd kabinet && ../$(BIN)/kabinet makemessages -l ru -l en --no-obsolete --no-location
	cd kabinet && ../$(BIN)/kabinet makemessages -d djangojs -l ru -l en --no-obsolete --no-location
	cd kabinet && ../$(BIN)/kabinet compilemessages

clean:
	rm -rf $(VENV) *.egg-info .pytest_cache
