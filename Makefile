# Two entry points for a fresh machine: `make run` and `make test` (see README).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: run test setup setup-dev lint bench contact-sheet clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime-installed: requirements.txt | $(PY)
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: requirements-dev.txt requirements.txt $(VENV)/.runtime-installed
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.runtime-installed
	./scripts/install-system-packages.sh run

setup-dev: $(VENV)/.dev-installed
	./scripts/install-system-packages.sh test

## Start the dashboard on the local engine (the dashboard starts the engine itself).
run: setup
	$(PY) -m streamlit run app.py

## Install everything, including test tools and Chromium, then run the whole suite.
test: setup-dev
	$(PY) -m pytest $(PYTEST_ARGS)

lint: setup-dev
	$(PY) -m ruff check .

bench: setup-dev
	$(PY) bench/render.py
	$(PY) bench/engine.py
	$(PY) bench/dashboard.py
	$(PY) bench/load.py

## A PNG grid of 48 avatar covers and stills of the nine layouts, in artifacts/contact-sheet/.
contact-sheet: setup
	$(PY) scripts/contact_sheet.py artifacts/contact-sheet

clean:
	rm -rf $(VENV) .pytest_cache artifacts
