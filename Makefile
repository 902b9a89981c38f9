# The README's two commands. Everything else is a detail of these.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip

.PHONY: run test lint bench

$(VENV)/bin/activate:
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "Python 3.11 is required ($(PYTHON) not found)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip

$(VENV)/.installed: $(VENV)/bin/activate requirements.txt
	$(PIP) install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@

.env:
	printf 'DEBUG=1\nDEMO_DATA_ALLOWED=1\n' > .env

run: $(VENV)/.installed .env
	mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	$(PY) scripts/run_dev.py

test: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(PY) -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .

# Benchmarks B1-B7 on the local PostgreSQL (BENCH_DATABASE_URL); see docs/PERFORMANCE.md.
# `make bench BENCH_ARGS="--scale 0.01 --rounds 3"` for a quick run.
bench: $(VENV)/.installed-dev
	$(PY) bench/run.py $(BENCH_ARGS)
