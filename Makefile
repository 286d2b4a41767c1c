# The README's two commands: `make run` and `make test`. Both create .venv when it is missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PYTEST_ARGS ?=
PRESET ?= small

.PHONY: run test lint format bench docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-run: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed-run

run: $(VENV)/.installed-run
	$(BIN)/smallcap run --sample

test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.installed-dev
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# dbt's docs site (lineage graph, every column with its units) for the current warehouse
docs: $(VENV)/.installed-run
	$(BIN)/smallcap docs

# writes benchmarks/results/$(PRESET).json and .md (presets: tiny, small, medium, large)
bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.run --preset $(PRESET)

clean:
	rm -rf $(VENV) warehouse/*.duckdb warehouse/*.wal warehouse/*.writer.lock warehouse/bi warehouse/cache
