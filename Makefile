# Track TUI — every command a developer or CI needs. `make run` and `make test` set up
# the local virtualenv (.venv) themselves, so both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST_ARGS ?=

.PHONY: setup run demo test lint test-fast check-wheel screenshots bench soak dev-server clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Track TUI needs Python 3.11 or newer (found " + sys.version.split()[0] + ")"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@touch $(STAMP)

setup: $(STAMP)

## Open the app on the local demo workspace (created on first run).
run: $(STAMP)
	$(BIN)/track

## Open a throwaway copy of the demo workspace, deleted on exit.
demo: $(STAMP)
	$(BIN)/track --demo

## The whole test-suite: unit, screen (Pilot), snapshot, database (real PostgreSQL), sync.
test: $(STAMP)
	$(BIN)/python -m pytest -n 2 $(PYTEST_ARGS)

## ruff and the import-linter layer contracts alone (`make test` runs them too, in tests/unit/test_lint.py).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports

## Build the wheel, install it into a fresh virtualenv and start it to the board (CI runs it).
check-wheel: $(STAMP)
	$(BIN)/python -m tests.support.check_wheel

## Regenerate the SVG screenshots of every screen into screenshots/.
screenshots: $(STAMP)
	$(BIN)/python -m track_tui.screenshots screenshots

## The sync engine's two stateful property tests (rounds by hand; engines with the live feed) at
## length: >= 1,000 rounds each (`make test` runs 200 of each).
soak: $(STAMP)
	TRACK_SOAK=1 $(BIN)/python -m pytest -q -p no:randomly tests/sync_engine/test_stateful.py $(PYTEST_ARGS)

## Print benchmark figures (not part of the test run).
bench: $(STAMP)
	$(BIN)/python -m bench

## Start the local Supabase-compatible test server by hand (for two-terminal trials). Prints
## NAME=value settings on stdout; DEV_SERVER_ARGS passes options, e.g. DEV_SERVER_ARGS="--deals 5000".
DEV_SERVER_ARGS ?=
dev-server: $(STAMP)
	@$(BIN)/python -m tests.fake_supabase $(DEV_SERVER_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
