# The two commands of the README: `make serve` and `make check`. Each builds the virtualenv first.
PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve check venv lint typecheck test redis postgres browser plots bench-node clean

# The service's own dependencies only (no torch: it classifies on ONNX Runtime).
SERVE_STAMP := $(VENV)/.installed-serve

define make_venv
	@command -v $(PYTHON) >/dev/null 2>&1 || { echo "tipline needs Python 3.11: no '$(PYTHON)' on PATH (install it, or run make PYTHON=/path/to/python3.11)" >&2; exit 1; }
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' || { echo "tipline needs Python 3.11 exactly: '$(PYTHON)' is $$($(PYTHON) -V 2>&1)" >&2; exit 1; }
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
endef

# Tests, linters and the `train` extra (torch, transformers) for the training code's tests.
$(STAMP): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install -q -e '.[dev,train]'
	touch $(STAMP)

$(SERVE_STAMP): pyproject.toml
	$(make_venv)
	$(BIN)/python -m pip install -q -e .
	touch $(SERVE_STAMP)

venv: $(STAMP)

serve: $(SERVE_STAMP)
	$(BIN)/tipline serve

redis:
	@redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || scripts/start-redis.sh

# PostgreSQL on 127.0.0.1:5432 with a database `test` (the record's tests, docs/record.md).
postgres:
	@scripts/start-postgres.sh

browser:
	@scripts/install-browser.sh

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

test: $(STAMP) redis postgres browser
	scripts/run-tests.sh $(BIN)/python $(PYTEST_ARGS)

check: lint typecheck test

# The charts of docs/performance.md from the saved benchmark results (needs the bench extra).
plots: $(STAMP)
	$(BIN)/python -m pip install -q -e '.[dev,train,bench]'
	$(BIN)/python -m benchmarks.plot_png docs/performance benchmarks/results/chat-1proc.json \
		benchmarks/results/chat-1proc-redis.json benchmarks/results/chat-2proc.json

# The chat benchmark's Node.js load generator (`chat_bench --client node`): one package, ws.
bench-node:
	npm ci --prefix benchmarks/node --no-audit --no-fund

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache benchmarks/node/node_modules
