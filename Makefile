# Two entry points matter: `make run` (set up, build the warehouse, start the app) and
# `make test` (set up, run every test). Everything else is a convenience (`make check`: the fast tests).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
# Two environments from one venv: `make run` installs the runtime lock only (what a manager's laptop needs);
# `make test`, `make check` and `make lint` add the development lock (pytest, Playwright, ruff, import-linter).
RUNTIME := $(VENV)/.runtime
STAMP := $(VENV)/.installed
UV_COMPILE := $(VENV)/bin/uv pip compile --quiet --universal --python-version 3.11 --generate-hashes
# `make run PORT=8502`: the port the server listens on (and the warm-up asks).
PORT ?= 8501

.PHONY: run test check lint lock bench warehouse clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(RUNTIME): requirements.lock | $(PY)
	$(PY) -m pip install --quiet --require-hashes -r requirements.lock
	touch $(RUNTIME)

$(STAMP): requirements-dev.lock $(RUNTIME)
	$(PY) -m pip install --quiet --require-hashes -r requirements-dev.lock
	touch $(STAMP)

# Refresh the lock files after a change to requirements*.txt (the dev lock is held to the runtime lock's versions).
lock: $(STAMP)
	$(UV_COMPILE) requirements.txt -o requirements.lock
	$(UV_COMPILE) -c requirements.lock requirements-dev.txt -o requirements-dev.lock

warehouse: $(RUNTIME)
	$(PY) -m pipelines build

# Run app.py once as soon as the server answers (the script health check): until some session has, a fresh
# server routes a deep link through Streamlit's legacy pages/ list and shows "Page not found".
WARM_UP := for i in $$(seq 120); do $(PY) -c "import urllib.request as u; \
	u.urlopen('http://127.0.0.1:$(PORT)/_stcore/script-health-check', timeout=60)" 2>/dev/null && break; sleep 1; done

run: warehouse
	($(WARM_UP)) &
	$(PY) serve.py --server.address 127.0.0.1 --server.port $(PORT) --browser.gatherUsageStats false

# Every test, on two workers (tests of one xdist_group, such as the browser's, share a worker and its server).
test: $(STAMP)
	$(PY) -m pytest -n 2 --dist loadgroup

# The fast tier, for after each edit: no child processes, servers, browser or slow tests (pytest.ini's markers).
check: $(STAMP)
	$(PY) -m pytest -n 2 -q -m "not process and not server and not browser and not slow"

# ruff's settings and the import-linter contracts (the layers) are in pyproject.toml; CI runs this before the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) data/demo data/published data/warehouse.duckdb data/warehouse.duckdb.wal data/warehouse.duckdb.lock data/warehouse.duckdb.tmp
