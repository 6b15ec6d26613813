# news-warehouse: the user's verbs. `make run` and `make test` work on a fresh clone.
SHELL := /bin/bash
.DEFAULT_GOAL := help

SOURCES   ?= demo_site/sources.yml
WAREHOUSE ?= warehouse/news.duckdb
DATA      ?= ../shared/benchmarks/article-extraction
GOLD      ?= ../shared/benchmarks/quotes/dev.jsonl
N         ?= 1000 10000

VENV := .venv
BIN  := $(VENV)/bin
# dbt's own virtualenv (extractors.transform runs its `dbt`; NEWS_DBT_EXECUTABLE overrides)
DBT_VENV := .venv-dbt
DBT      := $(DBT_VENV)/bin/dbt
UV_VERSION := 0.13.8

# A working Python 3.12 (spaCy is faster there), else 3.11. pyenv shims may name an
# interpreter that does not run, so each candidate is asked to run, not just found.
PYTHON ?= $(shell for p in python3.12 $$(ls -d $$HOME/.pyenv/versions/3.12*/bin/python3.12 2>/dev/null) \
                   python3.11 $$(ls -d $$HOME/.pyenv/versions/3.11*/bin/python3.11 2>/dev/null) python3; do \
                   $$p -c 'import sys; sys.exit(sys.version_info[:2] not in ((3,11),(3,12)))' 2>/dev/null && { echo $$p; break; }; done)

# Airflow's home, metadata DB and logs live inside the checkout (git-ignored).
export AIRFLOW_HOME := $(CURDIR)/.airflow
export AIRFLOW__CORE__DAGS_FOLDER := $(CURDIR)/dags
export AIRFLOW__CORE__LOAD_EXAMPLES := False
export AIRFLOW__CORE__UNIT_TEST_MODE := False
export AIRFLOW__LOGGING__BASE_LOG_FOLDER := $(CURDIR)/.airflow/logs
export NEWS_WAREHOUSE_ROOT := $(CURDIR)
export DO_NOT_TRACK := 1
export TMPDIR := $(CURDIR)/.tmp
export DBT_SEND_ANONYMOUS_USAGE_STATS := False

.PHONY: help setup run test test-faults lint eval eval-parser airflow scale-out docs bench lock clean
help:
	@echo "make run    - set up, serve the demo site, run the news_pipeline DAG once, print a summary"
	@echo "make test   - set up and run the test suite"
	@echo "make test-faults - the fault-injection suite alone; rewrites README's results table"
	@echo "make lint   - ruff (including Airflow AIR rules)"
	@echo "make eval-parser DATA=<folder>  - article-extraction precision/recall/F1"
	@echo "make eval   - score NLP extraction against the demo gold (and GOLD=<jsonl> quotes set)"
	@echo "make airflow - start Airflow locally (web UI on http://localhost:8080)"
	@echo "make scale-out - the DAG under the LocalExecutor with PostgreSQL metadata; task timeline"
	@echo "make docs   - build and serve the dbt documentation site (after one make run)"
	@echo "make bench  - benchmark the stages on a synthetic corpus (N=\"1000 10000\"; N=100000)"

setup: $(VENV)/.installed $(DBT_VENV)/.installed .airflow/.migrated

# --compile-bytecode: uv installs no .pyc by default, and where PYTHONDONTWRITEBYTECODE is set
# (as on CI) every task, dbt and GX process compiled Airflow, dbt and GX from source on each
# start (GX's import: 13 s instead of 6, under cProfile).
$(VENV)/.installed: requirements.lock pyproject.toml
	@test -n "$(PYTHON)" || { echo "error: need Python 3.11 or 3.12 on PATH"; exit 1; }
	@mkdir -p .tmp
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check uv==$(UV_VERSION)
	$(BIN)/uv pip sync -q --compile-bytecode --python $(BIN)/python requirements.lock
	$(BIN)/uv pip install -q --python $(BIN)/python --no-deps -e .
	touch $@

# No pip inside: the main venv's uv installs it. The .gitignore keeps it out of `git status`.
$(DBT_VENV)/.installed: requirements-dbt.lock $(VENV)/.installed
	test -x $(DBT_VENV)/bin/python || $(PYTHON) -m venv --without-pip $(DBT_VENV)
	echo '*' > $(DBT_VENV)/.gitignore
	$(BIN)/uv pip sync -q --compile-bytecode --python $(DBT_VENV)/bin/python requirements-dbt.lock
	touch $@

.airflow/.migrated: $(VENV)/.installed
	@mkdir -p .airflow .tmp
	$(BIN)/airflow db migrate > .airflow/migrate.log 2>&1 || { cat .airflow/migrate.log; exit 1; }
	$(BIN)/airflow pools set news_warehouse_writer 1 "one writer of the DuckDB work file" \
	  >> .airflow/migrate.log 2>&1 || { cat .airflow/migrate.log; exit 1; }
	touch $@

run: setup
	@mkdir -p .tmp
	$(BIN)/python -m extractors.run --sources $(SOURCES) --warehouse $(WAREHOUSE) \
	  $(if $(MAX_ARTICLES),--max-articles $(MAX_ARTICLES)) $(if $(FULL_REFRESH),--full-refresh)

test: setup
	$(BIN)/python -m pytest -q

# The table in README's "What we test against" is this run's figures, even when one fails.
test-faults: setup
	$(BIN)/python -m pytest -q -m faults tests/faults; status=$$?; \
	  $(BIN)/python -m tests.faults.report --readme README.md && exit $$status

lint: setup
	$(BIN)/ruff check extractors dags tests demo_site

eval-parser: setup
	$(BIN)/python -m extractors.evaluate_parser $(DATA)

eval: setup
	$(BIN)/python -m extractors.evaluate_nlp --demo $(if $(wildcard $(GOLD)),--quotes $(GOLD))

# Past one machine, in miniature: PostgreSQL (Debian's postgresql) holds Airflow's metadata,
# api-server + scheduler (LocalExecutor) + dag-processor run one demo run; prints its timeline.
scale-out: setup
	$(BIN)/python -m tests.test_scale_out

# The web UI with scheduler and workers; SIGINT (Ctrl-C) stops them all.
airflow: setup
	@echo "Airflow UI: http://localhost:8080  user: admin"
	@echo "password: see $(AIRFLOW_HOME)/simple_auth_manager_passwords.json.generated"
	AIRFLOW__CORE__PARALLELISM=4 $(BIN)/airflow standalone

# Read-only, so it works beside a published warehouse (not while a run writes the work file).
docs: setup
	NEWS_DBT_READ_ONLY=True NEWS_WORK_DB=$(abspath $(basename $(WAREHOUSE)).work.duckdb) \
	  $(BIN)/dbt docs generate --project-dir dbt_project --profiles-dir dbt_project
	NEWS_DBT_READ_ONLY=True NEWS_WORK_DB=$(abspath $(basename $(WAREHOUSE)).work.duckdb) \
	  $(BIN)/dbt docs serve --project-dir dbt_project --profiles-dir dbt_project \
	  --host 127.0.0.1 --port 8081

# Stages outside Airflow on a generated corpus served from 127.0.0.1; JSON in bench-results/.
bench: setup
	$(BIN)/python -m extractors.benchmark --articles $(N) --out bench-results

# Regenerate both locks after editing pyproject.toml: the main venv's, and dbt's (its group).
lock: $(VENV)/.installed
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 \
	  --generate-hashes -o requirements.lock
	$(BIN)/uv pip compile --group pyproject.toml:dbt --universal --python-version 3.11 \
	  --generate-hashes -o requirements-dbt.lock

clean:
	rm -rf .airflow .tmp warehouse
