# Two commands run the platform and its tests on a fresh machine: `make run` and `make test`.
# Everything they need is installed here: uv into .tools/, the workspace into .venv/ from uv.lock.

SHELL := /bin/bash
TOOLS := .tools
UV := $(TOOLS)/bin/uv
PROMTOOL := $(TOOLS)/bin/promtool
PYTHON ?= python3
export UV_PYTHON_PREFERENCE := system

.PHONY: run test screenshots test-unit test-integration test-crossservice bench lock schemas token clean
CHROMIUM := /usr/bin/chromium

$(UV):
	$(PYTHON) -m venv $(TOOLS)
	$(TOOLS)/bin/pip install --quiet --disable-pip-version-check uv

# promtool checks and unit-tests the alert rules (infra/production/alerts.yml) in `make test`.
# Debian's prometheus package carries it: only that binary is unpacked here, nothing is installed
# or started. A promtool already on PATH is used as it is.
$(PROMTOOL):
	mkdir -p $(TOOLS)/bin
	if command -v promtool >/dev/null; then ln -sf "$$(command -v promtool)" $@; else \
	  work=$$(mktemp -d) && (cd $$work && { apt-get download prometheus 2>/dev/null \
	    || { apt-get update -qq && apt-get download prometheus; }; } \
	    && dpkg-deb -x prometheus_*.deb root) && cp $$work/root/usr/bin/promtool $@ && rm -rf $$work; fi

.venv/.synced: $(UV) uv.lock pyproject.toml $(wildcard */pyproject.toml services/*/pyproject.toml)
	$(UV) sync --frozen --all-packages
	touch $@

run: .venv/.synced
	$(UV) run --frozen python -m leisure_infra.runner

# The console's browser tests drive Debian's chromium (Playwright talks to it; no browser download).
# Installed only when missing; needs root, as on the development machines and CI.
$(CHROMIUM):
	apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium chromium-driver

# Cross-service tests run once per broker kind; the browser tests and the rest once, on Tansu.
test: .venv/.synced $(PROMTOOL) $(CHROMIUM)
	$(UV) run --frozen pytest -m "not crossservice and not browser"
	LEISURE_TEST_BROKER=tansu $(UV) run --frozen pytest -m crossservice
	LEISURE_TEST_BROKER=mock $(UV) run --frozen pytest -m crossservice
	LEISURE_TEST_BROKER=tansu $(UV) run --frozen pytest -m browser

# Writes the console README's screenshots (docs/screenshots/) from the browser tests.
screenshots: .venv/.synced $(CHROMIUM)
	LEISURE_CONSOLE_SCREENSHOTS=docs/screenshots $(UV) run --frozen pytest -m browser services/console/tests/browser

# Not part of `make test`: about ten minutes of load on this machine; see docs/benchmarks.md.
bench: .venv/.synced
	$(UV) run --frozen python tests/benchmarks/bench.py

lock: $(UV)
	$(UV) lock

# ARGS=--release also copies the schemas to contracts/schemas/released/, the compatibility baseline.
schemas: .venv/.synced
	$(UV) run --frozen python -m leisure_contracts.schemas $(ARGS)
	$(UV) run --frozen python -m leisure_contracts.asyncapi

token: .venv/.synced
	$(UV) run --frozen leisure-token $(ARGS)

clean:
	rm -rf .venv $(TOOLS) .local .pytest_cache
