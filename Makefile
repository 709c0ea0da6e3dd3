# Two commands a user needs: `make demo` and `make test`. Both create the
# virtual environment on first use (Python 3.11+ and pip are all they need).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/evidence demo

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) evidence.duckdb evidence.duckdb.wal .pytest_cache
