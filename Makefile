# Two commands for a new user: `make train` and `make test`. Both create .venv and install first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
SHARED_TFDS := $(abspath ../shared/datasets/imdb/tfds)
# The shared IMDB data dir, when this checkout sits beside ../shared and TFDS_DATA_DIR is not set already.
export TFDS_DATA_DIR ?= $(if $(wildcard $(SHARED_TFDS)),$(SHARED_TFDS),)

.PHONY: install train test test-fast bench lint format clean

install: $(VENV)/.installed

$(VENV)/.installed: setup.cfg pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

train: install
	$(BIN)/lstmcls train configs/imdb.yaml
	$(BIN)/lstmcls eval

# Test files run in parallel, one process per core (pytest-xdist); a file's tests share one process, so the
# fixtures a file trains once are trained once. Files are handed out in collection order, the longest first
# (tests/conftest.py), rather than xdist's order by number of tests.
PYTEST := $(BIN)/python -m pytest -q -n auto --dist loadfile --no-loadscope-reorder

# The whole suite: the unit tier and the integration tier (tests/integration, marked slow).
test: install
	$(PYTEST)

# The unit tier alone (a few minutes): what to run while working.
test-fast: install
	$(PYTEST) -m "not slow"

# IMDB benchmarks: every accuracy row over seeds 1-3, throughput, predict (several hours on 2 CPU cores; see
# scripts/bench.py). Results: one file per run in benchmarks/results/; docs/benchmarks.md is rendered from them.
bench: install
	$(BIN)/python scripts/bench.py $(BENCH)

lint: install
	$(BIN)/ruff check lstmcls tests scripts
	$(BIN)/ruff format --check lstmcls tests scripts

format: install
	$(BIN)/ruff format lstmcls tests scripts
	$(BIN)/ruff check --fix lstmcls tests scripts

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
	find . -name __pycache__ -prune -exec rm -rf {} +
