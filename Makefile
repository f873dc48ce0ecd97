# wareterm — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo

.PHONY: run test check bench lint format clean lock

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Exact versions with hashes from requirements.lock; the project itself without its ranges.
$(STAMP): $(BIN)/python requirements.lock pyproject.toml
	$(BIN)/pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/pip install --quiet --no-deps --no-build-isolation -e .
	touch $(STAMP)

# Upgrade the lock on purpose: newest versions inside pyproject's ranges, with hashes.
lock: $(BIN)/python
	$(BIN)/pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --generate-hashes --universal \
		--python-version 3.11 --upgrade -o requirements.lock

run: $(STAMP)
	$(BIN)/wareterm demo --dir $(DEMO_DIR) --start

test: $(STAMP)
	$(BIN)/pytest -q

check: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core data devices
	$(BIN)/pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache *.egg-info
