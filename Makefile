# oncorwe: `make demo` runs the reference study on its synthetic twin; `make test` runs every
# test but the few that take long (`make check-slow` runs those) and the comparisons
# on a PostgreSQL server or a Spark session (`make check-engines`); CI runs all three.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
OUT ?= demo-output
# the extras `make test` installs; CI adds the engines' (spark, postgres)
EXTRAS ?= dev

.PHONY: demo test check-slow check-engines lint format clean reference

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[$(EXTRAS)]"
	touch $@ $(VENV)/.installed

demo: $(VENV)/.installed
	$(BIN)/oncorwe demo --out $(OUT)

# tests run in parallel, one test file per worker (its module fixtures are built once). The
# package is compiled to bytecode once, before the workers start, and the tests write their
# bytecode too (also where PYTHONDONTWRITEBYTECODE is set): every worker and every command the
# tests start in a process of its own then loads compiled modules instead of compiling them again.
PYTEST := PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n auto --dist loadfile
COMPILE := $(BIN)/python -m compileall -q src

test: $(VENV)/.installed-dev
	$(COMPILE)
	$(PYTEST) -m "not slow and not engines"

check-slow: $(VENV)/.installed-dev
	$(COMPILE)
	$(PYTEST) -m slow

# the tests marked `engines` (the seed twin's results and derivations on PostgreSQL and Spark),
# then the same results.json on DuckDB, PostgreSQL and Spark at 15,000 patients
# (benchmarks/engines.py; PostgreSQL at ONCORWE_POSTGRES_URL or a throwaway server, Spark in
# local mode)
check-engines: $(VENV)/.installed-dev
	$(COMPILE)
	$(PYTEST) -m engines
	$(BIN)/python benchmarks/engines.py --patients 15000

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

format: $(VENV)/.installed-dev
	$(BIN)/ruff format src tests benchmarks
	$(BIN)/ruff check --fix src tests benchmarks

reference: $(VENV)/.installed-dev
	Rscript tests/reference/make_reference.R tests/reference/fixtures

clean:
	rm -rf $(VENV) $(OUT) build dist src/*.egg-info
