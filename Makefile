# Planipref — `make help` lists the targets.
.DEFAULT_GOAL := help
SHELL := /bin/bash

CARGO ?= cargo
TARGET_DIR := $(or $(CARGO_TARGET_DIR),$(CURDIR)/target)
BIN := $(TARGET_DIR)/debug/planipref

.PHONY: help run build test test-quick lint fmt openapi fuzz browser bench load import-bench ci clean

help: ## List the targets
	@grep -hE '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

build: ## Build every crate and the planipref binary (debug)
	$(CARGO) build --workspace --bins

run: build ## Migrate, seed the demo and serve on 127.0.0.1:8080 (SQLite by default)
	$(BIN) migrate
	$(BIN) seed --demo
	$(BIN) serve

test: ## Run every test: SQLite always, PostgreSQL when reachable (required when PLANIPREF_TEST_POSTGRES_URL is set)
	@scripts/test.sh

test-quick: ## The edit loop's tests: domain and API (in-process) on SQLite only; make test is what CI runs
	@scripts/test-quick.sh

lint: ## rustfmt check, clippy with warnings denied, the domain crate's purity, no test helper in production crates, the API's shape (layers, no circle, short handlers and files), the OpenAPI document against the 3.1 specification
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings
	@scripts/check-domain-purity.sh
	@scripts/check-production-deps.sh
	@python3 scripts/check-api-shape.py
	@scripts/check-api-shape-selftest.sh
	@scripts/validate-openapi.sh

fmt: ## Format the code
	$(CARGO) fmt --all

fuzz: ## Schema-driven fuzzing of the running API against its document (schemathesis, pinned; 127.0.0.1, bounded, ~1 min)
	@scripts/fuzz.sh

browser: ## The example booking page (examples/booking-page): its client generated from the contract, tsc --strict, then a booking end to end in headless Chromium against the real server on another origin (CORS); screenshot in target/
	@scripts/browser-test.sh

openapi: build ## Write openapi/planipref.json from the code
	$(BIN) openapi --output openapi/planipref.json
	@echo "openapi/planipref.json written"

bench: ## Benchmark the slot engine (criterion); prints ns per emitted slot
	$(CARGO) bench -p planipref-domain --bench engine

load: ## Load-test orientation, first-slot, slots (national data) and the booking rush (SQLite, PostgreSQL; 127.0.0.1, bounded)
	@scripts/load.sh

import-bench: ## Time and memory of importing 50,000 coming appointments (release build; SQLite, and PostgreSQL with PLANIPREF_TEST_POSTGRES_URL set; bounded)
	@scripts/import-bench.sh

ci: lint test fuzz browser ## What CI runs: lint, test, fuzz, then the browser test

clean: ## Remove build output and the local demo database
	$(CARGO) clean
	rm -rf data
