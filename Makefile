# Two commands a user needs: `make demo` and `make test`. Both create the
# virtual environment on first use (Python 3.11+ and pip are all they need).
# `make test-fast` is the edit-run loop: no PostgreSQL, no browser, fewer examples.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PYTEST := $(BIN)/python -m pytest
# Extra pytest options, e.g. `make test PYTEST_ARGS="--durations=10"` or `PYTEST_ARGS="-k forest"`.
PYTEST_ARGS ?=

.PHONY: demo test test-fast clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/evidence demo

# The tests that set processes competing for one store (locks, concurrent writers) run alone first;
# then everything else on both cores (pytest-xdist), each worker building its stores once.
test: $(STAMP)
	$(PYTEST) -m serial $(PYTEST_ARGS)
	$(PYTEST) -n 2 -m "not serial" $(PYTEST_ARGS)

test-fast: $(STAMP)
	HYPOTHESIS_PROFILE=fast $(PYTEST) -n 2 -m "not postgresql and not browser and not slow and not serial" $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) evidence.duckdb evidence.duckdb.wal evidence-report.html .pytest_cache
