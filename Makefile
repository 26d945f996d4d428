# Two commands for a fresh machine: `make demo` and `make test` (see README.md).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: setup demo test lint browser bench clean

$(BIN)/bulletin: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

setup: $(BIN)/bulletin

demo: setup
	$(BIN)/bulletin build issues/example.yaml
	$(BIN)/bulletin publish issues/example.yaml
	$(BIN)/bulletin send issues/example.yaml --list members --yes
	@echo "Open build/example/index.html in a browser, the web edition site/index.html, the sample emails in outbox/example/, or run: $(BIN)/bulletin preview issues/example.yaml"

# Debian packages the tests drive: Chromium (browser tests, PDF), SpamAssassin (spam score), poppler-utils (pdftotext).
browser:
	@if [ ! -x $(CHROMIUM) ] || ! command -v spamassassin >/dev/null || ! command -v pdftotext >/dev/null; then \
		$(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium spamassassin poppler-utils; fi

# Static checks: ruff (pyflakes, bugbear, import order) on the code and tests, mypy on src/ (pyproject.toml).
lint: setup
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/mypy

test: setup browser lint
	$(BIN)/python -m pytest -q -n auto

bench: setup
	$(BIN)/python benchmarks/build.py
	$(BIN)/python benchmarks/check.py
	$(BIN)/python benchmarks/dispatch.py
	$(BIN)/python benchmarks/schedule.py
	$(BIN)/python benchmarks/preview.py
	$(BIN)/python benchmarks/publish.py
	$(BIN)/python benchmarks/start.py

clean:
	rm -rf build outbox site .bulletin
