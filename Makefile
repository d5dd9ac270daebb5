# Two commands on a fresh machine: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
FLASK  := $(BIN)/flask --app inspect_app
PG_URL ?= postgresql+psycopg://postgres@127.0.0.1:5432/test
HOST   ?= 127.0.0.1
PORT   ?= 5000
# pytest-xdist workers: one per core (a SQLite file per test, a PostgreSQL database per worker).
PYTEST_WORKERS ?= auto

.PHONY: run test test-pg lint security install install-test translations i18n-extract system-deps serve clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

# The package and its runtime dependencies.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e .
	touch $@

# Plus what the tests need (pytest, ruff, playwright, hypothesis, bandit, pip-audit, and moto:
# its S3 server mode is started on loopback by the object-store tests themselves).
$(VENV)/.installed-test: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[test]'
	touch $(VENV)/.installed $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

# Debian packages the app and its tests use: a CJK font for PDFs and charts, HarfBuzz's subsetter
# (WeasyPrint embeds only the glyphs a PDF uses), Chromium for the browser tests, nginx for the
# buffering front of `make run`. Installed only when missing (needs root, as on the CI and developer machines).
system-deps:
	@missing=""; \
	command -v chromium >/dev/null 2>&1 || missing="$$missing chromium"; \
	fc-list 2>/dev/null | grep -qi "Noto Sans CJK" || missing="$$missing fonts-noto-cjk"; \
	command -v pdftotext >/dev/null 2>&1 || missing="$$missing poppler-utils"; \
	{ command -v nginx || test -x /usr/sbin/nginx; } >/dev/null 2>&1 || missing="$$missing nginx"; \
	ldconfig -p 2>/dev/null | grep -q libharfbuzz-subset || missing="$$missing libharfbuzz-subset0"; \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

translations: $(VENV)/.installed
	$(BIN)/pybabel compile -d inspect_app/translations

# After adding user-facing strings: extract them, merge into the catalogues, then translate.
i18n-extract: $(VENV)/.installed
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext --ignore-dirs='.* __pycache__' --no-location --sort-output --no-wrap -o $(VENV)/messages.pot .
	$(BIN)/pybabel update -i $(VENV)/messages.pot -d inspect_app/translations --ignore-obsolete --no-fuzzy-matching --no-wrap

# The production layout on one machine: nginx buffering in front of gunicorn (and a job worker
# when INSPECT_REDIS_URL is set), one command; inspect_app/serve.py says why.
run: install translations system-deps
	$(FLASK) db upgrade
	$(FLASK) demo load
	$(BIN)/python -m inspect_app.serve --host $(HOST) --port $(PORT)

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Security checks: bandit on the app's code (accepted findings carry `# nosec Bxxx` and a
# reason), pip-audit on the installed packages (.ci/audit_dependencies.py says loudly when the
# vulnerability data is out of reach instead of passing silently).
security: install-test
	$(BIN)/bandit -q -c pyproject.toml -r inspect_app .ci/audit_dependencies.py
	$(BIN)/python .ci/audit_dependencies.py

test: install-test translations system-deps lint security
	$(BIN)/pytest -n $(PYTEST_WORKERS)

# The same suite against PostgreSQL (lint already ran in `make test`).
test-pg: install-test translations system-deps
	INSPECT_TEST_DATABASE_URL=$(PG_URL) $(BIN)/pytest -n $(PYTEST_WORKERS)

clean:
	rm -rf $(VENV) instance .pytest_cache .ruff_cache

# Benchmarks at scale (never part of `make test`; see bench/README.md): 1x and 100x data on
# SQLite and PostgreSQL, gunicorn on loopback, results in bench/results.json and on stdout.
# `make bench BENCH_ARGS=--quick` measures 1x on SQLite only.
.PHONY: bench
$(VENV)/.installed-bench: pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q -e '.[bench]'
	touch $(VENV)/.installed $@

bench: $(VENV)/.installed-bench translations
	$(BIN)/python bench/run.py $(BENCH_ARGS)
