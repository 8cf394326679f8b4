# Set-up on a fresh machine is part of every target: `make demo` and `make test` are all a newcomer needs.
VENV := .venv
PYTHON := $(VENV)/bin/python
SITESCAN := $(VENV)/bin/sitescan
INSTALLED := $(VENV)/.installed

.PHONY: setup browser demo test lint bench clean

setup: $(INSTALLED) browser

$(INSTALLED): pyproject.toml
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[test]'
	touch $@

browser: $(INSTALLED)
	@scripts/ensure-system-packages $(VENV)

demo: setup
	$(SITESCAN) demo

test: setup lint
	$(PYTHON) -m pytest

lint: $(INSTALLED)
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/ruff format --check src tests bench

bench: setup
	$(PYTHON) bench/crawl_speed.py --pages 20 --concurrency 1

clean:
	rm -rf $(VENV) sitescan-report demo-report build dist src/*.egg-info
