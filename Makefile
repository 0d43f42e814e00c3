# The two commands: `make run` and `make test`, from a bare clone.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: install run test lint fmt bench serve messages mutants backup restore

$(VENV)/.installed: requirements.txt requirements-dev.txt tests/system/browser/axe/package-lock.json
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	@# axe-core (npm registry) for the browser tests' accessibility checks, if npm is here.
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --prefix tests/system/browser/axe --no-audit --no-fund --ignore-scripts --loglevel=error; \
	else echo "npm not found: the accessibility checks of the browser tests will skip"; fi
	touch $@

install: $(VENV)/.installed

# Local development settings for a fresh clone (git-ignored): DEBUG on, a random SECRET_KEY,
# so that every `manage.py` command works here. Production sets its own environment.
.env:
	printf 'DEBUG=on\nSECRET_KEY=%s\n' "$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env for local development (DEBUG on, random SECRET_KEY); never commit it."

run: install .env
	DEBUG=on $(PY) manage.py migrate --noinput
	DEBUG=on $(PY) manage.py loaddata fixtures/*.json
	DEBUG=on $(PY) manage.py create_demo_users
	DEBUG=on $(PY) manage.py runserver 127.0.0.1:$(PORT)

# pytest exits 5 when it collected no test: that is a failure here, never a pass.
test: install
	SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(PY) -m pytest $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the Dutch translations (needs GNU gettext); the compiled .mo is committed.
messages: install
	DEBUG=on $(PY) manage.py makemessages -l nl --ignore='.venv*' --ignore=tests --ignore=bench
	DEBUG=on $(PY) manage.py compilemessages -l nl --ignore='.venv*'

# The benchmark on PostgreSQL (127.0.0.1:5432): API against the hand-written floor, figures in
# bench/last-run.md (BENCHMARKS.md keeps the last full run). BENCH_ARGS="--sizes 2000" for short.
BENCH_ARGS ?= --sizes 10000,100000
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# Production-like serving: gunicorn with gunicorn.conf.py, static files collected; plain HTTP
# on loopback, so no redirect to HTTPS unless asked for (behind a TLS proxy it is on).
serve: install
	$(PY) manage.py collectstatic --noinput -v0
	SECURE_SSL_REDIRECT=$${SECURE_SSL_REDIRECT:-off} $(VENV)/bin/gunicorn -c gunicorn.conf.py config.wsgi:application

# Mutation testing of the rule modules (scope, status moves, region tree, services): slow,
# not in CI. Prints every surviving mutant.
mutants: install
	$(PY) tests/mutants.py --jobs 2

# The database in DATABASE_URL (else db.sqlite3) to a file and back: pg_dump/pg_restore on
# PostgreSQL, SQLite's online backup otherwise. `make restore` replaces what is there.
BACKUP ?= backups/registry-$(shell date +%Y%m%d-%H%M%S).backup
backup: install
	@mkdir -p $(dir $(BACKUP))
	$(PY) scripts/backup.py backup $(BACKUP)

restore: install
	@test -n "$(FILE)" || (echo "Usage: make restore FILE=backups/….backup" && exit 2)
	$(PY) scripts/backup.py restore $(FILE)
