# The two commands: `make run` and `make test`, from a bare clone.
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := config.settings

.PHONY: install run test lint fmt bench bench-reviews bench-imports bench-busy serve messages mutants backup restore

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
# so that every `manage.py` command works here, and the demo's reference day: the loaded
# agenda is shown as it stood at the review of 8 June 2016. Production sets its own
# environment (AGENDA_SNAPSHOT_DATE empty: judged on today).
DEMO_REFERENCE_DATE := 2016-06-08
.env:
	printf 'DEBUG=on\nSECRET_KEY=%s\nAGENDA_SNAPSHOT_DATE=$(DEMO_REFERENCE_DATE)\n' "$$(python3 -c 'import secrets; print(secrets.token_urlsafe(50))')" > .env
	@echo "Wrote .env for local development (DEBUG on, random SECRET_KEY, AGENDA_SNAPSHOT_DATE=$(DEMO_REFERENCE_DATE)); never commit it."

# The demo: an .env written before the reference day existed gets it (an empty value set
# on purpose stays: judged on today).
run: install .env
	@grep -q '^AGENDA_SNAPSHOT_DATE=' .env || { echo 'AGENDA_SNAPSHOT_DATE=$(DEMO_REFERENCE_DATE)' >> .env; echo "Added AGENDA_SNAPSHOT_DATE=$(DEMO_REFERENCE_DATE) to .env (the demo's reference day)."; }
	DEBUG=on $(PY) manage.py migrate --noinput
	DEBUG=on $(PY) manage.py loaddata fixtures/*.json
	DEBUG=on $(PY) manage.py create_demo_users
	@# Beside the server: a task worker (imports, big exports, reports) and the scheduler of
	@# the periodic tasks (reminders, clean-up); both stop when the server stops.
	DEBUG=on nice -n 10 $(PY) manage.py db_worker --no-reload & worker=$$!; \
	DEBUG=on $(PY) manage.py run_scheduler & scheduler=$$!; \
	trap 'kill $$worker $$scheduler 2>/dev/null' EXIT INT TERM; \
	DEBUG=on $(PY) manage.py runserver 127.0.0.1:$(PORT)

# pytest exits 5 when it collected no test: that is a failure here, never a pass. The suite
# runs on every core (pytest-xdist; a module's tests stay on one worker, so its shared data
# is built once); PYTEST_WORKERS=0 runs it in one process.
# Bytecode is written even where the environment says not to (PYTHONDONTWRITEBYTECODE): else
# every worker compiles Django and rewrites the tests' asserts again, 7 s of each start.
PYTEST_WORKERS ?= auto
test: install
	PYTHONDONTWRITEBYTECODE= SECRET_KEY=$${SECRET_KEY:-test-only-secret-key} $(PY) -m pytest \
	  -n $(PYTEST_WORKERS) --dist loadscope $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the Dutch translations (needs GNU gettext); the compiled .mo is committed.
messages: install
	DEBUG=on $(PY) manage.py makemessages -l nl --no-obsolete --ignore='.venv*' --ignore=tests --ignore=bench
	DEBUG=on $(PY) manage.py compilemessages -l nl --ignore='.venv*'

# The benchmark on PostgreSQL (127.0.0.1:5432): API against the hand-written floor, figures in
# bench/last-run.md (BENCHMARKS.md keeps the last full run). BENCH_ARGS="--sizes 2000" for short.
BENCH_ARGS ?= --sizes 10000,100000
bench: install
	$(PY) bench/run.py $(BENCH_ARGS)

# The review pages (dashboard, review page, report and PDF, matrix, lists with ?as_of=) at each
# size on PostgreSQL, after a write and repeated, against /healthz; BENCHMARKS.md keeps them.
BENCH_REVIEWS_ARGS ?= --sizes 2000,20000,100000
bench-reviews: install
	$(PY) bench/review_pages.py $(BENCH_REVIEWS_ARGS)

# The import's own speed: preview and apply of 1,000 and 10,000 rows against a plain
# bulk_create of the same rows (a temporary SQLite unless DATABASE_URL is set).
IMPORT_BENCH_ARGS ?= --sizes 1000,10000 --repeat 3
bench-imports: install
	$(PY) -u bench/imports.py $(IMPORT_BENCH_ARGS)

# A busy site: an import of 10,000 rows, an export of every action and the report PDF as jobs,
# while ordinary requests are timed against the same requests on the quiet site before.
bench-busy: install
	$(PY) -u bench/busy_site.py $(BUSY_BENCH_ARGS)

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
