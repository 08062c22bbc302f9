# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.pgc-installed

.PHONY: setup system-deps node-deps demo test lint typecheck unit bench completions docs clean lab-down

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $@

system-deps:
	@sh scripts/system-deps.sh

## node-deps: Node >= 20.19 and the Node clients tests/clients runs for real, into .cache/ (git-ignored)
node-deps:
	@sh scripts/node-deps.sh

setup: system-deps $(STAMP)

## demo: a local PostgreSQL + PgBouncer (pgc lab), its .env, and the doctor on it
demo: setup
	$(BIN)/pgc lab up
	$(BIN)/pgc lab env --write .demo.env
	@# from an empty directory: this repository's own pyproject (psycopg) would set the client
	cd "$$(mktemp -d)" && $(CURDIR)/$(BIN)/pgc doctor --env-file $(CURDIR)/.demo.env --no-environment

## test: lint, types and the whole suite against real servers the suite starts itself
test: setup node-deps lint typecheck
	HYPOTHESIS_PROFILE=full $(BIN)/python -m pytest

lint: $(STAMP)
	$(BIN)/ruff check pgconnect_cli tests scripts
	$(BIN)/ruff format --check pgconnect_cli tests scripts

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	HYPOTHESIS_PROFILE=fast $(BIN)/python -m pytest -m "not live" -n auto

## bench: start-up, completion, doctor and memory budgets measured against their anchors (a table)
bench: setup
	$(BIN)/python scripts/bench.py

## completions: regenerate completions/ from the command tree
completions: $(STAMP)
	$(BIN)/python scripts/gen_completions.py

## docs: regenerate docs/findings.md (the catalogue) and docs/cli.md (every command's --help)
docs: $(STAMP)
	$(BIN)/python scripts/gen_docs.py
	$(BIN)/python scripts/gen_cli_docs.py

lab-down: $(STAMP)
	$(BIN)/pgc lab down

clean:
	-$(BIN)/pgc lab down
	rm -rf $(VENV) .cache .pytest_cache .mypy_cache .ruff_cache .hypothesis .demo.env
