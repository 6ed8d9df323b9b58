# evhub — the two commands a newcomer runs are `make run` and `make test`.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP_RUN := $(VENV)/.stamp-run
STAMP_DEV := $(VENV)/.stamp-dev
CHROMIUM := /usr/bin/chromium
# nomenclature-iamc validates the IAMC definitions from its own environment: it pins
# pandas < 3, evhub uses pandas 3 (tests/test_definitions.py runs it)
NOMENCLATURE := .venv-nomenclature
STAMP_NOMENCLATURE := $(NOMENCLATURE)/.stamp

.PHONY: run test bench lint dashboard docs clean

$(BIN)/python:
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP_RUN): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dashboard]"
	touch $@

$(STAMP_DEV): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --group dev -e ".[iamc,dashboard,excel]"
	touch $@ $(STAMP_RUN)

## run: install evhub, run the four shipped Türkiye scenarios (and 500-member ensembles) into results/
## (--force: replacing whatever run results/ held) and write the report results/report.html
run: $(STAMP_RUN)
	$(BIN)/evhub run --samples 500 --seed 1 --out results --force
	$(BIN)/evhub report results

## dashboard: start the dashboard on http://127.0.0.1:8501
dashboard: $(STAMP_RUN)
	$(BIN)/evhub dashboard

$(STAMP_NOMENCLATURE):
	$(PY) -m venv $(NOMENCLATURE)
	$(NOMENCLATURE)/bin/python -m pip install --quiet "nomenclature-iamc==0.32.1"
	touch $@

# Debian's chromium for the browser tests (Playwright uses it; nothing is downloaded at test time).
# As root or with CI=true a missing chromium is installed, or `make test` fails; otherwise it is
# left alone, and tests/browser skips its tests and says so in one line.
$(CHROMIUM):
	sh scripts/install-chromium.sh

ifeq ($(CI),true)
TEST_CHROMIUM := $(CHROMIUM)
else ifeq ($(shell id -u),0)
TEST_CHROMIUM := $(CHROMIUM)
else
TEST_CHROMIUM :=
endif

## test: install the dev extras (and, as root or with CI=true, chromium with apt-get if missing;
## nomenclature-iamc in its own .venv-nomenclature), run `make lint`, then the whole suite in
## two processes (pytest-xdist; each test file runs in one of them, with its fixtures)
test: lint $(STAMP_DEV) $(STAMP_NOMENCLATURE) | $(TEST_CHROMIUM)
	$(BIN)/python -m pytest -q -p no:cacheprovider -n 2 --dist loadfile

## bench: evhub against flodym, side by side in one run
bench: $(STAMP_DEV)
	$(BIN)/python benchmarks/run.py

## docs: build the docs site into site/ (open site/index.html), in strict mode: a broken link or
## reference fails. The generated pages are written by `python scripts/generate_docs.py`.
docs: $(STAMP_DEV)
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

## lint: ruff and mypy (also run by `make test`, and before each commit by .pre-commit-config.yaml)
lint: $(STAMP_DEV)
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/ruff format --check src tests benchmarks scripts
	$(BIN)/mypy

clean:
	rm -rf $(VENV) $(NOMENCLATURE) results site
