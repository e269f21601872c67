# One entry point for people and CI. Every target installs what it needs first.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PORT ?= 3000
# The layer package imports the same way here as in Lambda (/opt/python) and pytest.
export PYTHONPATH := $(CURDIR)/layers/shared:$(CURDIR)

.PHONY: setup chromium run test test-fast validate build site lint bench screenshots mutation clean

$(VENV)/.stamp: requirements-dev.txt layers/shared/requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

.venv-sam/.stamp: infra/tools/requirements-sam.txt
	$(PYTHON) -m venv .venv-sam
	.venv-sam/bin/pip install --quiet -r infra/tools/requirements-sam.txt
	touch $@

.venv-checkov/.stamp: infra/tools/requirements-checkov.txt
	$(PYTHON) -m venv .venv-checkov
	.venv-checkov/bin/pip install --quiet -r infra/tools/requirements-checkov.txt
	touch $@

setup: $(VENV)/.stamp

## The browser tier's Chromium (tests/browser): Debian's, installed with apt when missing.
CHROMIUM ?= /usr/bin/chromium
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
chromium:
	@test -x $(CHROMIUM) || { $(SUDO) apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium >/dev/null; }
	@test -x $(CHROMIUM)

## The local stack: moto + every resource of template.yaml + API gateway + website + demo data.
run: setup
	$(PY) -m infra.local --port $(PORT)

## Everything CI checks: lint, types, template validation, all test tiers.
test: setup chromium validate lint
	$(PY) -m pytest

test-fast: setup
	$(PY) -m pytest tests/unit tests/integration

validate: setup .venv-sam/.stamp .venv-checkov/.stamp
	$(PY) -m infra.validate

## sam build for the Lambda the template declares (arm64, CPython 3.12), checked; what
## `sam deploy` ships (README: Deploying). Also a step of `make validate`.
build: setup .venv-sam/.stamp
	$(PY) -m infra.validate --step sam-build

## The website as deployed, into .site/ (hashed assets; README: Deploying); sizes printed.
site: setup
	$(PY) -m infra.site build --out .site

lint: setup
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy
	$(VENV)/bin/lint-imports  # the rooms' import rules, pyproject.toml [tool.importlinter]

bench: setup chromium
	$(PY) -m infra.bench
	$(PY) -m infra.bench.local_stack  # requests/s over HTTP next to bare moto
	$(PY) -m infra.bench.exports  # an export's peak memory, 10, 100 and 500 documents
	$(PY) -m infra.bench.cold_start
	$(PY) -m infra.bench.enrollment --citizens 5000  # the issue's 100,000 take ~2 h on moto
	$(PY) -m infra.bench.lifecycle --documents 10 100  # close+archive, reopen, purge; a citizen-year's cost
	$(PY) -m infra.bench.agenda  # AWS requests per appointment created, changed, cancelled, listed; per calendar fetch
	$(PY) -m infra.bench.reminders  # the reminders' job: 0, 1,000, 100,000 appointments, 10 due; 68 M people
	$(PY) -m infra.bench.site  # the website in Chromium: bytes on the wire, requests, time to use

## The website's main pages at 1280 and 375 px, signed in as the demo patient, into
## docs/screenshots/ (README: Screenshots).
screenshots: setup chromium
	$(PY) -m infra.bench.screenshots

## On demand, not part of `make test`: mutmut over the security-critical modules with the unit
## tier; prints the kill rate and every survivor (README: Mutation testing). MODULE=kernel.crypto
## runs one module; JOBS sets how many mutants are tested at once.
mutation: setup
	$(PY) -m infra.mutation --jobs $(or $(JOBS),2) $(foreach m,$(MODULE),--module $(m))

clean:
	rm -rf $(VENV) .venv-sam .venv-checkov .pytest_cache .mypy_cache .ruff_cache .aws-sam .mutation .site
