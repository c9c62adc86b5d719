# Set-up is part of every target: a fresh machine needs only python3, pip and make.
#   make demo   - install, then run the main job (`merchantry demo`) on the embedded default
#   make test   - install, then run every check: ruff, mypy, import layers, the test suite
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test test-all lint typecheck layers pytest pytest-all bench bench-scale clean system

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/merchantry demo

test: lint typecheck layers pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests bench
	$(BIN)/ruff format --check src tests bench

typecheck: $(STAMP)
	$(BIN)/mypy

layers: $(STAMP)
	$(BIN)/lint-imports

system:
	./scripts/ensure-system-packages.sh

# The suite is spread over the cores (pytest-xdist; one file stays on one worker, so a file's
# fixtures are built once; the longest files go first: tests/conftest.py); TEST_WORKERS=0
# runs it in one process. `make test` leaves out tests marked `extended` (the same checks again
# over more rulebooks, seeds or a larger market, or a fault injected into a run CI covers);
# `make test-all` runs them too.
TEST_WORKERS ?= auto
pytest: $(STAMP) system
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=30 -m "not extended"

test-all: lint typecheck layers pytest-all

pytest-all: $(STAMP) system
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile --durations=30

bench: $(STAMP)
	$(BIN)/python -m bench

# The long run: the fee stage over the month, the close day by day, then the month closed at
# once, at 1 M, 10 M and 100 M orders (hours), appending to docs/img/scale-results.json and
# redrawing docs/img/scale.html. Disk is the limit: the 10 M month closed at once peaked at
# 16 GB (inputs, journal, spill); a size the free disk cannot hold by the largest run of the
# same stage and mode is not started (say where with SCALE_DIR=/big/disk).
SCALE_DIR ?=
bench-scale: $(STAMP)
	$(BIN)/python -m bench.scale --stage fees --orders 1000000 10000000 100000000 $(if $(SCALE_DIR),--keep $(SCALE_DIR))
	$(BIN)/python -m bench.scale --mode daily --layout paid --no-keys --prepare-memory 14GB --orders 1000000 10000000 100000000 $(if $(SCALE_DIR),--keep $(SCALE_DIR))
	$(BIN)/python -m bench.scale --orders 1000000 10000000 100000000 $(if $(SCALE_DIR),--keep $(SCALE_DIR))

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
