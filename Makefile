# Two entry points matter: `make run` (set up, build the warehouse, start the app) and
# `make test` (set up, run every test). Everything else is a convenience.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# `make run PORT=8502`: the port the server listens on (and the warm-up asks).
PORT ?= 8501

.PHONY: run test lint bench warehouse clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

warehouse: $(STAMP)
	$(PY) -m pipelines build

# Run app.py once as soon as the server answers (the script health check): until some session has, a fresh
# server routes a deep link through Streamlit's legacy pages/ list and shows "Page not found".
WARM_UP := for i in $$(seq 120); do $(PY) -c "import urllib.request as u; \
	u.urlopen('http://127.0.0.1:$(PORT)/_stcore/script-health-check', timeout=60)" 2>/dev/null && break; sleep 1; done

run: warehouse
	($(WARM_UP)) &
	$(PY) serve.py --server.address 127.0.0.1 --server.port $(PORT) --browser.gatherUsageStats false

test: $(STAMP)
	$(PY) -m pytest

# ruff's settings are in pyproject.toml; CI runs this before the tests.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

bench: $(STAMP)
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) data/demo data/published data/warehouse.duckdb data/warehouse.duckdb.wal data/warehouse.duckdb.lock data/warehouse.duckdb.tmp
