# elearn: `make run` serves a demo on http://127.0.0.1:5000; `make test` runs every check.
VENV ?= .venv
PYTHON ?= python3
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app app
HOST ?= 127.0.0.1
PORT ?= 5000

.DEFAULT_GOAL := help
.PHONY: help run serve test lint pytest e2e browser nginx bench css db-check clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -e .
	touch $@

$(BIN)/.installed-test: $(BIN)/.installed pyproject.toml
	$(BIN)/pip install --quiet --disable-pip-version-check -e '.[test]'
	touch $@

# Flask's own names for `flask run --host/--port`: elearn's links follow them in development
# (the demo's printed sign-in address too), unless ELEARN_BASE_URL is set.
SERVED := FLASK_RUN_HOST=$(HOST) FLASK_RUN_PORT=$(PORT)

# $(call with_consumer,server command): the server and the task consumer side by side;
# Ctrl-C stops both (the consumer finishes the tasks under way), as does the server
# stopping on its own. elearn/tasks.py says what the consumer does.
with_consumer = $(SERVED) $(FLASK) tasks consume & consumer=$$!; \
	$(1) & server=$$!; \
	trap 'kill -TERM $$server 2>/dev/null; kill -INT $$consumer 2>/dev/null' INT TERM; \
	wait $$server; kill -INT $$consumer 2>/dev/null; wait $$consumer

run: $(BIN)/.installed ## Set everything up, load the demo and serve it with its task consumer
	$(FLASK) db upgrade
	$(SERVED) $(FLASK) demo
	@$(call with_consumer,$(SERVED) $(FLASK) run)

serve: $(BIN)/.installed ## Serve with gunicorn (2 workers) and the task consumer, as in production
	$(FLASK) db upgrade
	@$(call with_consumer,$(SERVED) $(BIN)/gunicorn --workers 2 --bind $(HOST):$(PORT) \
		--logger-class elearn.web.request_log.AccessLog --access-logfile - app:app)

lint: $(BIN)/.installed-test ## ruff (check and format), bandit and the dependency audit
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/bandit --quiet --severity-level medium -c pyproject.toml -r elearn tools
	$(BIN)/python tools/audit_dependencies.py

browser: ## Install Debian's Chromium for the browser tests, if missing (needs root)
	@[ -x /usr/bin/chromium ] || { apt-get update -qq && apt-get install -y -qq chromium; } \
		|| echo "make: could not install Chromium: the browser tests will say so"

nginx: ## Install Debian's nginx for the deployment test (tests/test_instances.py), if missing
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || \
		{ apt-get update -qq && apt-get install -y -qq nginx-light; } \
		|| echo "make: could not install nginx: the deployment test will say so"

pytest: $(BIN)/.installed-test browser nginx ## The test suite alone (browser journeys included)
	$(BIN)/pytest

e2e: $(BIN)/.installed-test browser ## Browser journeys and accessibility checks in Chromium
	$(BIN)/pytest tests/e2e

test: lint pytest ## Every check: lint, then the whole test suite

db-check: $(BIN)/.installed ## Fail if the models have changes with no migration
	$(FLASK) db check

bench: $(BIN)/.installed-test ## City-scale benchmark (set DATABASE_URL to an empty PostgreSQL database)
	@command -v wrk >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq wrk; } \
		|| echo "make: could not install wrk: throughput will be skipped"
	$(BIN)/python -m bench.run

css: ## Rebuild static/css from frontend/scss (needs npm)
	sh frontend/build.sh

clean: ## Remove the virtual environment and caches
	rm -rf $(VENV) .pytest_cache .ruff_cache
