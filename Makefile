# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Tests talk to real PostgreSQL and Redis; override these to point elsewhere.
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/twin_studio
TEST_BROKER_URL ?= redis://127.0.0.1:6379/9
TEST_ENV := SECRET_KEY=test-only-not-secret DEBUG=0 SECURE_SSL_REDIRECT=0 HF_HUB_OFFLINE=1

.PHONY: run test test-postgres test-embedded lint install

$(VENV)/.installed-run: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q -e . --group local
	touch $@

# The tests also cover the `lora` training backend, on the CPU: torch 2.13.0 is the CPU build.
TORCH ?= torch==2.13.0

$(VENV)/.installed-dev: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=25.1"
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[lora]" --group dev
	touch $@ $(VENV)/.installed-run

install: $(VENV)/.installed-dev

# Web (http://127.0.0.1:$(PORT)), Celery worker on every queue and beat, on the embedded
# defaults: SQLite, the filesystem broker and local media under var/. Ctrl-C stops all three.
# honcho hands the web process $$PORT, 5000 unless told: tell it the README's port.
PORT ?= 8000
run: $(VENV)/.installed-run
	DEBUG=1 $(PY) manage.py migrate --noinput
	DEBUG=1 $(PY) manage.py seed_demo
	DEBUG=1 PATH="$(CURDIR)/$(VENV)/bin:$$PATH" $(VENV)/bin/honcho start --port $(PORT)

# The whole suite on PostgreSQL + Redis, then the embedded-defaults tests on SQLite + the
# filesystem broker.
test: test-postgres test-embedded

test-postgres: $(VENV)/.installed-dev
	$(TEST_ENV) DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=$(TEST_BROKER_URL) \
		$(PY) -m pytest $(PYTEST_ARGS)

test-embedded: $(VENV)/.installed-dev
	env -u DATABASE_URL -u CELERY_BROKER_URL $(TEST_ENV) STUDIO_VAR_DIR=$(CURDIR)/var/test-embedded \
		$(PY) -m pytest -m defaults $(PYTEST_ARGS)

lint: $(VENV)/.installed-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(TEST_ENV) $(VENV)/bin/mypy .
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
