# What README tells people to run. Every target installs what it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
DEB_PACKAGES := chromium poppler-utils libpango-1.0-0 libpangoft2-1.0-0 \
	libharfbuzz-subset0 libfontconfig1 fonts-dejavu-core

.PHONY: demo test lint pytest bench system-packages clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null \
		|| { echo "needs Python 3.11 (set PYTHON=/path/to/python3.11)"; exit 1; }
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	@touch $@

$(VENV)/.installed-test: pyproject.toml $(VENV)/.installed
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $@

## demo: install, migrate, seed personas, serve on http://localhost:$(PORT) with a task worker
demo: $(VENV)/.installed
	$(BIN)/dissent demo --port $(PORT)

## system-packages: Debian packages for browser tests (only as root, only if missing)
system-packages:
	@missing=""; for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		if [ "$$(id -u)" = "0" ]; then \
			echo "installing Debian packages:$$missing"; \
			apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
		else echo "missing Debian packages (run as root or install them):$$missing"; fi; \
	fi

## lint: ruff, import contracts, mypy, migrations up to date
lint: $(VENV)/.installed-test
	$(BIN)/ruff check dissent tests bench
	$(BIN)/lint-imports
	DISSENT_SECRET_KEY=lint-only-key-not-used-anywhere-0123456789 $(BIN)/mypy dissent
	DISSENT_SECRET_KEY=lint-only-key-not-used-anywhere-0123456789 DISSENT_DATA_DIR=$$(mktemp -d) \
		$(BIN)/python -m django makemigrations --check --dry-run --settings=dissent.settings >/dev/null \
		|| { echo "models changed without a migration: run makemigrations"; exit 1; }

pytest: $(VENV)/.installed-test system-packages
	$(BIN)/python -m pytest $(PYTEST_ARGS)

## test: install everything (Debian packages too, as root), lint, run the whole suite
test: system-packages lint pytest

## bench: the benchmarks of docs/performance.md (wrk from Debian as load driver when root)
bench: $(VENV)/.installed-test
	@command -v wrk >/dev/null || [ "$$(id -u)" != "0" ] || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends wrk >/dev/null; }
	$(BIN)/python bench/requests.py $(BENCH_ARGS)

clean:
	rm -rf $(VENV) var
