# idrenew: every target bootstraps .venv itself; only Python 3.11+ is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
PORT ?= 8000

.PHONY: demo test test-fast lint e2e bench load frontend api-types bundle-check clean

$(STAMP): pyproject.toml constraints.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $(STAMP)

demo: $(STAMP)
	IDRENEW_IGNORE_BUSINESS_HOURS=1 IDRENEW_DEMO=1 $(BIN)/idrenew demo --port $(PORT)

test: $(STAMP)
	@bash tools/bundle-check.sh
	$(BIN)/python -m pytest -p no:cacheprovider $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check src tests bench tools
	$(BIN)/ruff format --check src tests bench tools
	$(BIN)/mypy

e2e: $(STAMP)
	@bash tools/install-debian-packages.sh
	$(BIN)/python -m pytest -p no:cacheprovider -m e2e tests/e2e

# Locust against the production topology (tests/ops/stack.py); report in var/load/report.md.
LOAD_USERS ?= 4
LOAD_TIME ?= 3m
load: $(STAMP)
	@bash tools/install-debian-packages.sh
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,load]"
	$(BIN)/python bench/load/run.py --users $(LOAD_USERS) --time $(LOAD_TIME)

bench: $(STAMP)
	@bash tools/install-debian-packages.sh bench
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev,bench]"
	$(BIN)/python bench/signin.py
	$(BIN)/python bench/face.py
	$(BIN)/python bench/ocr.py
	$(BIN)/python bench/sign.py
	$(BIN)/python bench/stp.py
	$(BIN)/python bench/backoffice.py
	$(BIN)/python bench/records.py
	$(BIN)/python bench/remind.py

frontend:
	cd frontend && npm ci --no-audit --no-fund && npm run build

# Re-export the OpenAPI schema and regenerate the H5's API types (frontend/src/api/).
api-types: $(STAMP)
	cd frontend && (test -x node_modules/.bin/openapi-typescript || npm ci --no-audit --no-fund) && npm run gen:api

clean:
	rm -rf $(VENV) var build
