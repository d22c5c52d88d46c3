# Every target bootstraps .venv itself: on a fresh machine `make demo` and `make test` are all the set-up.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test lint typecheck serve clean bench

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

demo: $(STAMP)
	$(BIN)/oncall-bot demo

# Two workers (pytest-xdist): most end-to-end tests wait on timers and peers, not on a core.
TEST_WORKERS ?= 2
test: $(STAMP) /usr/bin/prometheus-alertmanager /usr/bin/prometheus /usr/bin/chromium
	$(BIN)/python -m pytest -q -p no:cacheprovider -n $(TEST_WORKERS) $(PYTEST_ARGS)

# The real Alertmanager the end-to-end tests run as a peer (tests/peers); a stale package index gets one update.
/usr/bin/prometheus-alertmanager:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-alertmanager \
	  || { $(SUDO) apt-get update \
	       && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus-alertmanager; }

# The real Prometheus the SLI source is tested against (tests/peers); its postinst may start a service, harmlessly.
/usr/bin/prometheus:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus \
	  || { $(SUDO) apt-get update \
	       && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends prometheus; }

# Headless Chromium for the web pages' browser test (tests/e2e/test_web_pages.py).
/usr/bin/chromium:
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium \
	  || { $(SUDO) apt-get update \
	       && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium; }

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: $(STAMP)
	$(BIN)/mypy

serve: $(STAMP)
	$(BIN)/oncall-bot serve

bench: $(STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) oncall.db oncall.db-wal oncall.db-shm
