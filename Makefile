# The two commands: `make run` serves the desk with demo data, `make test` runs the suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
STAMP := $(VENV)/.installed

.PHONY: run test install translations bytecode lint types check agent agent-windows agent-windows-test clean rehearsal

$(STAMP): requirements.txt requirements-dev.txt constraints.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt -c constraints.txt
	touch $(STAMP)

# axe-core for the browser tests' page checks, exactly as package-lock.json pins it.
NODE_MODULES := node_modules/.package-lock.json
$(NODE_MODULES): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error

install: $(STAMP) $(NODE_MODULES) translations bytecode

# The app servers run with PYTHONOPTIMIZE=2 (docs/deploy.md): their .opt-2.pyc files are made
# here (the packages' once per venv), so that a worker, gunicorn's replacements
# included, never compiles a module itself (nor, under PYTHONDONTWRITEBYTECODE, every time).
BYTECODE := $(VENV)/.bytecode
$(BYTECODE): $(STAMP)
	$(BIN)/python -OO -m compileall -q -j 0 $(VENV)/lib >/dev/null
	touch $(BYTECODE)

bytecode: $(BYTECODE)
	$(BIN)/python -OO -m compileall -q -j 0 helpdesk config.py wsgi.py >/dev/null

translations: $(STAMP)
	@for dir in $$(find helpdesk -type d -name translations); do \
		$(BIN)/pybabel compile -d $$dir >/dev/null || exit 1; done

run: install
	$(FLASK) db upgrade
	$(FLASK) demo seed
	$(FLASK) serve --host 127.0.0.1 --port 5000

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# The exam-day rehearsal (docs/rehearsal.md): its own PostgreSQL database, Redis, two app
# servers behind one address, the scheduler; 1,000 candidates and every fault; then stops.
CANDIDATES ?= 1000
rehearsal: install
	$(BIN)/python -m bench.examday --deploy --candidates $(CANDIDATES) --all-faults $(REHEARSAL_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -p no:cacheprovider tests/hostile/test_bandit.py

# Strict on services, the API and the agent; see [tool.mypy] in pyproject.toml.
types: $(STAMP)
	$(BIN)/mypy

# Everything CI checks: lint, types, then the tests.
check: lint types test

# `make agent AGENT_SERVER=https://desk.example.cn` bakes in the desk a double-clicked run reports to.
agent: $(STAMP)
	$(BIN)/python diagnostics/build.py dist $(if $(AGENT_SERVER),--server $(AGENT_SERVER))

# The Windows exe, built here under wine (docs/agent.md "The Windows executable"): a private
# prefix in build/agent-windows, python.org's Windows Python 3.8 checked by its SHA-256, the
# packages of diagnostics/requirements-windows.txt installed with --require-hashes, PyInstaller.
# `make agent-windows AGENT_SERVER=https://desk.example.cn` bakes in the desk, as `make agent`.
WINE_BUILD := $(PYTHON) diagnostics/winbuild/wine.py
agent-windows:
	@test -x /usr/lib/wine/wine64 || command -v wine64 >/dev/null 2>&1 || { \
		echo "agent-windows: installing wine"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
		apt-get install -y -qq --no-install-recommends wine wine64 >/dev/null; }
	$(WINE_BUILD) build $(if $(AGENT_SERVER),--server $(AGENT_SERVER))

# The wine runs CI relies on: tests/agent under the Windows Python 3.8, then the exe itself
# (offline JSON on two code pages, a double-click run, a report to a live desk on loopback).
agent-windows-test: agent-windows $(STAMP)
	@# Wine takes the Windows code page from the Unix locale: zh_CN gives cp936, en_US cp1252.
	@for loc in zh_CN en_US; do locale -a | grep -qix "$$loc.utf8" || \
		localedef -i $$loc -f UTF-8 $$loc.UTF-8 || exit 1; done
	$(WINE_BUILD) test-suite
	HELPDESK_REQUIRE_WINE=1 $(BIN)/python -m pytest -q -p no:randomly tests/wine

clean:
	rm -rf $(VENV) .pytest_cache build/agent-windows node_modules
