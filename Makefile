# The two commands: `make run` and `make test`. Everything else here is what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat requirements.lock | cksum | cut -d' ' -f1)

.PHONY: run test bench lint lock mutation system-deps system-deps-test system-deps-bench

run: $(STAMP) system-deps
	$(BIN)/python -m portal.serve all

test: $(STAMP) system-deps-test
	$(BIN)/python -m portal.testrun $(ARGS)

bench: $(STAMP) system-deps-bench
	$(BIN)/python -m benchmarks $(ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

# Mutation testing of the money, date, billing and voucher rules (slow; not part of `make test`).
mutation: $(STAMP)
	scripts/mutation.sh $(ARGS)

$(STAMP): requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -r requirements.lock
	rm -f $(VENV)/.installed-* && touch $@

system-deps:
	scripts/system-deps.sh

system-deps-test:
	scripts/system-deps.sh --with-browser

system-deps-bench:
	scripts/system-deps.sh --with-bench

# After changing pyproject.toml's pins: make lock
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev]' && $(BIN)/python -m pip freeze --exclude-editable > requirements.lock
