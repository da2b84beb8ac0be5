# slant: every target creates the virtualenv from the lock file when it is missing.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# Offline-safe Prefect: no telemetry, no analytics heartbeat, a start-up limit the 2-core CI meets,
# and a Prefect home inside the checkout so runs never touch ~/.prefect.
export DO_NOT_TRACK := 1
export PREFECT_SERVER_ANALYTICS_ENABLED := false
export PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS := 120
export PREFECT_HOME ?= $(CURDIR)/.prefect

.PHONY: venv demo test lint typecheck check lock clean eval eval-extract eval-loaded bench bench-dask


venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

demo: $(STAMP)  ## the main job, offline: sample blogosphere on 127.0.0.1 -> data/demo.duckdb
	$(BIN)/slant demo --db data/demo.duckdb

test: $(STAMP)  ## the test suite (real HTTP on loopback, real DuckDB, real Prefect flow runs)
	$(BIN)/python -m pytest -q

bench: $(STAMP)  ## benchmarks, as ratios against baselines measured in the same run
	$(BIN)/python -m bench.crawl

bench-dask: $(STAMP)  ## Dask's per-task overhead against the transform's per-post cost (reads ../shared; ~10 min)
	$(BIN)/python -m bench.dask_overhead

eval: eval-extract eval-loaded  ## every evaluation (heavy; not part of make test)

eval-loaded: $(STAMP)  ## loaded-language sentence/token metrics on ../shared BABE dev: our model, the default model, TF-IDF+LR
	$(BIN)/python -m transform.loaded.evaluate



eval-extract: $(STAMP)  ## main-text P/R/F1 and speed on ../shared/corpora/article-extraction-benchmark, vs bare trafilatura
	$(BIN)/python -m transform.evaluation.extraction --check

lint: $(STAMP)

	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy

check: lint typecheck test

lock:  ## re-resolve requirements.lock from pyproject.toml in a throwaway venv
	rm -rf /tmp/slant-lock-venv && $(PYTHON) -m venv /tmp/slant-lock-venv
	/tmp/slant-lock-venv/bin/pip install --quiet -e '.[dev]'
	(head -2 requirements.lock; /tmp/slant-lock-venv/bin/pip freeze --exclude-editable) > requirements.lock.new
	mv requirements.lock.new requirements.lock

clean:
	rm -rf $(VENV) .prefect data .pytest_cache .mypy_cache .ruff_cache
