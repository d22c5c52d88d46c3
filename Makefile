# Every target bootstraps .venv itself: on a fresh machine `make demo` and `make test` are all the set-up.
# Dependencies come from the locks (requirements.lock: what the bot runs on; requirements-dev.lock: that plus
# the test and lint tools), so every machine, CI and the Docker image install the same versions.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
RUNTIME_STAMP := $(VENV)/.runtime-stamp
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# uv only installs what the locks name: it downloads in parallel, several times faster than pip.
UV_VERSION := 0.13.9
UV := $(BIN)/uv
UV_STAMP := $(VENV)/.uv-$(UV_VERSION)-stamp
UV_INSTALL := $(UV) pip install --python $(BIN)/python

.PHONY: demo test check lint typecheck serve clean bench lock

$(UV_STAMP):
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check --progress-bar on 'uv==$(UV_VERSION)'
	touch $@

# What `demo`, `serve` and `bench` need, and no more.
$(RUNTIME_STAMP): requirements.lock pyproject.toml $(UV_STAMP)
	@echo "installing oncall-bot's runtime dependencies (first run only)…"
	$(UV_INSTALL) -r requirements.lock
	$(UV_INSTALL) --no-deps -e .
	touch $@

# The tests, ruff and mypy on top.
$(STAMP): requirements-dev.lock $(RUNTIME_STAMP)
	@echo "installing the test, lint and type-check tools (first run only)…"
	$(UV_INSTALL) -r requirements-dev.lock
	touch $@

# Refreshes the locks from pyproject.toml's dependencies: run it after changing them. Versions already
# locked stay as they are; `make lock UPGRADE=1` moves everything to the newest allowed.
LOCK := $(UV) pip compile pyproject.toml --universal --python-version 3.11 --generate-hashes \
	--custom-compile-command 'make lock' $(if $(UPGRADE),--upgrade)
lock: $(UV_STAMP)
	$(LOCK) -o requirements.lock >/dev/null
	$(LOCK) --extra dev -c requirements.lock -o requirements-dev.lock >/dev/null

demo: $(RUNTIME_STAMP)
	$(BIN)/oncall-bot demo

# Four workers (pytest-xdist), on two cores too: most end-to-end tests wait on timers and peers, not on a core
# (at two workers both sat at 20–35 % CPU and the suite took 20 minutes).
TEST_WORKERS ?= 4
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

# What CI runs before the tests: formatting, lint, strict mypy on the packages, and mypy on the tests and
# benchmarks (pyproject.toml lets those leave a helper unannotated; what is annotated is checked).
check: lint typecheck

lint: $(STAMP)
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy
	$(BIN)/mypy tests bench

serve: $(RUNTIME_STAMP)
	$(BIN)/oncall-bot serve

bench: $(RUNTIME_STAMP)
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) oncall.db oncall.db-wal oncall.db-shm
