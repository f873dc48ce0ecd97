# wareterm — the two commands a newcomer needs are `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo

.PHONY: run test check bench lint format clean lock i18n mo pot demo-ewaybill

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

# Translations: the .po files are the source (in the repository), the .mo files are built here
# (not committed): `make run` and `make test` compile the ones older than their .po first.
LOCALE := core/locale
POS := $(wildcard $(LOCALE)/*/LC_MESSAGES/wareterm.po)
MOS := $(POS:.po=.mo)
BABEL_KEYWORDS := --no-default-keywords -k _ -k ngettext:1,2 -k N_

$(LOCALE)/%/LC_MESSAGES/wareterm.mo: $(LOCALE)/%/LC_MESSAGES/wareterm.po $(STAMP)
	$(BIN)/pybabel compile --statistics -D wareterm -l $* -i $< -o $@

mo: $(MOS)

# The template: every msgid in the code (babel.cfg says which files); no header, so it changes
# only when the messages do.
pot: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --add-location=file --sort-output --omit-header \
		--project wareterm --copyright-holder wareterm -o $(LOCALE)/wareterm.pot .

# Refresh the catalogs from the code: the template, then each language (zh_CN made if missing),
# then the compiled catalogs. Translate the new msgids in the .po files and run it again.
i18n: pot
	$(BIN)/pybabel update -D wareterm -i $(LOCALE)/wareterm.pot -d $(LOCALE) -l zh_CN \
		--init-missing --ignore-pot-creation-date
	$(BIN)/pybabel compile --statistics -D wareterm -d $(LOCALE)

run: $(STAMP) mo
	$(BIN)/wareterm demo --dir $(DEMO_DIR) --start

# E-waybills in the demo: the 快递鸟 protocol stand-in (a test server, never part of the product)
# on EWAYBILL_PORT, the demo's carriers pointed at it with `wareterm carriers api`. Run it in a
# second terminal while `make run` is up; Ctrl-C stops it (the API is then down).
EWAYBILL_PORT ?= 8765
demo-ewaybill: $(STAMP) mo
	test -f $(DEMO_DIR)/demo.db || $(BIN)/wareterm demo --dir $(DEMO_DIR)
	$(BIN)/python -m tests.kdniao_server --port $(EWAYBILL_PORT) --configure $(DEMO_DIR)/demo.db

# The suite on every core (pytest-xdist, one worker a core). The tests marked `slow` (load, kill
# and bench tests) all go to one worker, one after another, first: two of them at once would
# time each other. A plain `pytest` runs it all in one process.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL := -n $(PYTEST_WORKERS) --dist loadgroup

test: $(STAMP) mo
	$(BIN)/pytest -q $(PYTEST_PARALLEL)

check: $(STAMP) mo
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy core data devices
	$(BIN)/pytest -q $(PYTEST_PARALLEL)

bench: $(STAMP)
	$(BIN)/python -m bench

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache .mypy_cache .ruff_cache *.egg-info
