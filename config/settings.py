"""Settings for the MKB-agenda registry, read from the environment (12-factor).

Every value has a safe production default: DEBUG off, SECRET_KEY required unless DEBUG,
SQLite only when DATABASE_URL is unset (the embedded default for `make run`).
"""

import datetime
import os
import secrets
import sys
import tempfile
from pathlib import Path

import environ
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
environ.Env.read_env(BASE_DIR / ".env", overwrite=False)

DEBUG = env.bool("DEBUG", default=False)
SECRET_KEY = env.str("SECRET_KEY", default="")
# A management command other than runserver (makemigrations --check, check, migrate) signs
# nothing: it runs with a throwaway key. Serving (WSGI, ASGI, runserver) without a key is
# refused, and Django's manage.py would otherwise hide that refusal behind "Models aren't
# loaded yet".
_COMMAND = sys.argv[1:2] if Path(sys.argv[0]).name == "manage.py" else None
if not SECRET_KEY:
    if DEBUG:
        SECRET_KEY = "insecure-development-key-only-used-with-debug"
    elif _COMMAND and _COMMAND != ["runserver"]:
        SECRET_KEY = secrets.token_urlsafe(50)
    else:
        raise ImproperlyConfigured("SECRET_KEY must be set when DEBUG is off.")
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1"])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    # regions first: its loaddata command (which rebuilds the region closure) wins.
    "regions",
    "agenda",
    "actions",
    "reviews",
    # Django's task framework (the django-tasks backport of Django 6's django.tasks) and its
    # database backend (django-tasks-db): the queue the job worker reads; before jobs, whose
    # admin module takes the task results out of the admin.
    "django_tasks",
    "django_tasks_db",
    "jobs",
    "config.apps.RegistryAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "corsheaders",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "simple_history",
    "axes",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Outermost but one: it marks the final response, whoever made it.
    "config.middleware.PrivateCacheMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    # RateLimit-* and API-Version on API answers; outside the next one (a 304 is free).
    "config.api.throttling.APIHeadersMiddleware",
    # ETags for lists (from their content) and 304s for If-None-Match on every GET.
    "django.middleware.http.ConditionalGetMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "config.middleware.APITimezoneMiddleware",
    "config.middleware.DatabaseErrorsMiddleware",
    # Last, as django-axes asks: it answers a locked-out login with the lockout page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": env.db_url("DATABASE_URL", default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
}
DATABASES["default"]["ATOMIC_REQUESTS"] = False
# Persistent connections (a new one costs ~5 ms a request), checked before reuse so that a
# database restart costs one failed check, not an error.
DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # IMMEDIATE takes the write lock at BEGIN, so a version check and the write that follows
    # it cannot interleave with another writer (SQLite has no SELECT ... FOR UPDATE).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"transaction_mode": "IMMEDIATE", "timeout": 20}
    )
    # Tests use a file as production does: an in-memory database shares one cache between
    # connections and reports concurrent writers as locked instead of letting them wait.
    # One file per test run: two runs side by side must not share (and break) one database.
    # (`make mutants` names one file per copy of the tree, kept between runs: --reuse-db.)
    DATABASES["default"]["TEST"] = {
        "NAME": env.str("TEST_DATABASE_FILE", default="")
        or str(Path(tempfile.gettempdir()) / f"mkb-test-{os.getpid()}.sqlite3")
    }
# On PostgreSQL no statement runs longer than this (milliseconds; 0: no limit): one slow page
# cannot hold a database connection and a server thread for long. The request that hits it
# gets a 503 page ("te veel tijd"), never a 500. gunicorn's own timeout is in gunicorn.conf.py.
DATABASE_STATEMENT_TIMEOUT = env.int("DATABASE_STATEMENT_TIMEOUT", default=20000)
# PostgreSQL's JIT compiler is off: the review pages' grouped counts over 100,000 actions
# ran in 0.3 s and spent 0.8 s more compiling themselves (EXPLAIN ANALYZE, BENCHMARKS.md).
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"].setdefault("OPTIONS", {})["options"] = (
        f"-c statement_timeout={DATABASE_STATEMENT_TIMEOUT} -c jit=off"
    )
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# A second connection to the same database, for a job's progress and heartbeat only: the
# import writes its rows inside one transaction, and progress written there would be seen by
# nobody until the end (jobs.progress). Tests point it at the default test database.
DATABASES["jobs"] = {
    **DATABASES["default"],
    "CONN_MAX_AGE": 0,
    "TEST": {"MIRROR": "default"},
}
if DATABASES["jobs"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer: while an import holds it, progress is skipped, not waited for.
    DATABASES["jobs"]["OPTIONS"] = {"timeout": 0.2}

CACHES = {
    "default": env.cache_url("CACHE_URL", default="locmemcache://"),
    # The API's rate-limit counts (config/api/throttling.py), shared by every worker and app
    # server: a table in the database (made by migrate, agenda 0013) unless
    # THROTTLE_CACHE_URL (or else CACHE_URL) names a shared cache such as Redis.
    "throttle": env.cache_url(
        "THROTTLE_CACHE_URL",
        default=env.str("CACHE_URL", default="") or "dbcache://registry_throttle",
    ),
}
# Sessions in the database (shared by every app server on it) unless chosen otherwise, e.g.
# SESSION_ENGINE=django.contrib.sessions.backends.cache with CACHE_URL on Redis.
SESSION_ENGINE = env.str("SESSION_ENGINE", default="django.contrib.sessions.backends.db")

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "nl"
LANGUAGES = [("nl", _("Dutch")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Amsterdam"
# One date rule for every page: "8 juni 2016" in text, "08-06-2016" in tables (config/formats).
FORMAT_MODULE_PATH = ["config.formats"]
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

LOGIN_URL = "admin:login"
# The admin's landing page ("Mijn agenda"): a function of the request and the reference day
# (config.clock) giving its panels. The admin site (config.admin_base) lives in the project
# package, which imports no app; the actions app knows an editor's open, late and stalled work.
ADMIN_LANDING_PANELS = "actions.admin.my_agenda"

# The day the review pages, the landing page and the reminders show and judge this
# installation's data on when the user chooses none (config.clock): the state of that day,
# from the recorded history. Empty (the default): today, as a live deployment needs. The
# demo (`make run`) sets 2016-06-08, the review the loaded agenda was recorded for.
AGENDA_SNAPSHOT_DATE = env.str("AGENDA_SNAPSHOT_DATE", default="")
if AGENDA_SNAPSHOT_DATE:
    try:
        datetime.date.fromisoformat(AGENDA_SNAPSHOT_DATE)
    except ValueError:
        raise ImproperlyConfigured(
            f"AGENDA_SNAPSHOT_DATE must be a date (YYYY-MM-DD) or empty: {AGENDA_SNAPSHOT_DATE!r}"
        ) from None
# An open action without any change or progress-log entry for this many days counts as
# stalled (admin, API `stalled=true`, review pages, reminders).
STALLED_AFTER_DAYS = env.int("STALLED_AFTER_DAYS", default=90)
# The review pages' figures are cached per scope, reference day and data version
# (reviews/cache.py): any change recomputes them. This bounds how long figures judged on
# today are kept without a change (stalled counts back from now).
REVIEW_CACHE_SECONDS = env.int("REVIEW_CACHE_SECONDS", default=600)

# Mail (reminders): the console by default, SMTP by EMAIL_URL (e.g.
# smtp+tls://user:password@smtp.example.nl:587).
EMAIL_CONFIG = env.email_url("EMAIL_URL", default="consolemail://")
vars().update({name: value for name, value in EMAIL_CONFIG.items() if value is not None})
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="mkb-agenda@localhost")
# Where the registry is served: the links in reminder mails point there.
SITE_URL = env.str("SITE_URL", default="http://127.0.0.1:8000")

# Rights come from memberships alone (agenda.backends); passwords are checked as Django does,
# after django-axes has checked that this username is not locked out from this address.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "agenda.backends.MembershipBackend",
]
# Login brute-force protection: AXES_FAILURE_LIMIT wrong passwords for one username from one
# address lock that combination (not the account: nobody can lock someone else out from
# elsewhere) for AXES_COOLOFF_MINUTES. Attempts are kept in the database, shared by every app
# server. The client address is read as the throttle reads it (NUM_PROXIES).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = datetime.timedelta(minutes=env.int("AXES_COOLOFF_MINUTES", default=15))
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "429.html"
AXES_CLIENT_IP_CALLABLE = "config.middleware.client_address"

# HTTPS: secure by default when DEBUG is off (`manage.py check --deploy` is clean); serving
# plain HTTP on loopback (`make serve`, benchmarks) turns these off explicitly.
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
# The load balancer's health check may ask over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# The preload directive only allows submitting the domain to browsers' preload list (which is
# a separate, deliberate step); SECURE_HSTS_PRELOAD=off leaves it out.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
# Behind a TLS proxy: the header (and value) by which it says the client used HTTPS, e.g.
# SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO,https. Only set it when the proxy always
# sets (or strips) that header: a client could otherwise claim HTTPS.
SECURE_PROXY_SSL_HEADER = (
    tuple(env.list("SECURE_PROXY_SSL_HEADER")) if env.str("SECURE_PROXY_SSL_HEADER", "") else None
)
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp 4): scripts, styles, images and fonts from the site only
# (Swagger UI and Redoc are served locally by drf-spectacular-sidecar); no inline script
# anywhere. Inline styles stay allowed: Django's admin and the charts' SVG use style
# attributes, and a style cannot run code.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Background jobs (jobs/, Django's task framework through the django-tasks backport). The
# default queue is the database (TASKS_BACKEND=database: `manage.py db_worker` runs the jobs;
# `make run` starts one beside the server); TASKS_BACKEND=rq uses Redis and RQ workers (README).
TASKS_BACKEND = env.str("TASKS_BACKEND", default="database")
if TASKS_BACKEND == "rq":
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    RQ_QUEUES = {"default": {"URL": env.str("RQ_REDIS_URL", default="redis://127.0.0.1:6379/0")}}
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
elif TASKS_BACKEND == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
else:
    raise ImproperlyConfigured(f"TASKS_BACKEND must be database or rq: {TASKS_BACKEND!r}")
# A running job whose worker has not written its heartbeat for this long has stopped (killed,
# machine gone): it is marked failed, with a retry offered. Its transaction died with it.
JOB_STALE_SECONDS = env.int("JOB_STALE_SECONDS", default=600)
# A job's result file is kept this long, for the person who started the job only.
JOB_RESULT_HOURS = env.int("JOB_RESULT_HOURS", default=24)
# Periodic tasks (`manage.py run_scheduler` enqueues them, the workers run them): the daily
# reminders at this local time, the clean-up (expired files, old uploads, stale jobs) this often.
REMINDERS_AT = env.str("REMINDERS_AT", default="07:00")
CLEAN_UP_MINUTES = env.int("CLEAN_UP_MINUTES", default=60)
# The connection a job's progress is written on while its work is inside a transaction.
JOB_PROGRESS_DATABASE = "jobs"
# Exports of at most this many rows are made in the request; longer ones (and PDF reports)
# are prepared by a job ("Voorbereiden") and linked when ready.
EXPORT_IMMEDIATE_MAX_ROWS = env.int("EXPORT_IMMEDIATE_MAX_ROWS", default=5000)
# What decides how an export is made (now, holding a slot, or by a job): jobs/exports.py.
EXPORT_GATE = "jobs.exports"
# At most this many exports run at once, across every app server and worker (jobs.slots); one
# more is answered 503 with Retry-After.
EXPORT_SLOTS = env.int("EXPORT_SLOTS", default=2)

# API tokens (agenda.ApiToken) live this many days; a password change ends them sooner.
API_TOKEN_DAYS = env.int("API_TOKEN_DAYS", default=90)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        # Token first: an unauthenticated write then gets 401 with WWW-Authenticate.
        "agenda.authentication.RegistryTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticatedOrReadOnly"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    # Request bodies are JSON only: a form or multipart body is a 415, never a guess.
    "DEFAULT_PARSER_CLASSES": ["config.api.parsers.JSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "config.api.renderers.JSONRenderer",
        "config.api.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api.negotiation.ContentNegotiation",
    # Timestamps in UTC with a Z and always microseconds (config.middleware activates UTC
    # for the API), so every client parses them the same way.
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.RegistryAutoSchema",
    "EXCEPTION_HANDLER": "config.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "config.api.throttling.SharedAnonRateThrottle",
        "config.api.throttling.SharedUserRateThrottle",
    ],
    # How many proxies in front of the app servers append to X-Forwarded-For (the TLS proxy,
    # a load balancer): the client is the address that many hops from the right. 0 (the
    # default, no proxy) ignores the header entirely: a client cannot forge its identity.
    "NUM_PROXIES": env.int("NUM_PROXIES", default=0),
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("API_THROTTLE_ANON", default="120/minute"),
        "user": env.str("API_THROTTLE_USER", default="600/minute"),
    },
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

SPECTACULAR_SETTINGS = {
    "OAS_VERSION": "3.1.0",
    "TITLE": "MKB-samenwerkingsagenda registry API",
    "DESCRIPTION": (
        "The agreements and actions of the MKB samenwerkingsagenda (EZ, provinces, ROMs, "
        "topsectors), by region and theme. Codes are the public keys."
    ),
    # Semantic versioning; every API answer says it in `API-Version` (config/api/throttling).
    # 1.1.0: fetch many by key, RateLimit-* headers, Idempotency-Key.
    "VERSION": "1.1.0",
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "config.api.schema.always_sent_fields_required",
        "config.api.schema.attach_examples",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "ActionStatusEnum": "actions.choices.ActionStatus",
        "AgreementStatusEnum": "agenda.choices.AgreementStatus",
        "ReviewStatusEnum": "agenda.choices.ReviewStatus",
        "ChangeKindEnum": ["created", "changed", "deleted"],
    },
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="WARNING")},
}

# How long an `Idempotency-Key` (POST) and the answer it gave are kept (config/api/idempotency.py).
IDEMPOTENCY_KEY_SECONDS = env.int("IDEMPOTENCY_KEY_SECONDS", default=24 * 3600)

# Lists walked by time (`?cursor=`) see a change once every transaction that could still
# commit an earlier one has ended; without PostgreSQL's view of open transactions, after this
# many seconds. (`changes/` walks by transaction snapshot instead: config/api/changes.py.)
CHANGES_SETTLE_SECONDS = env.int("CHANGES_SETTLE_SECONDS", default=5)

# Rows one export may have (API `?format=csv|xlsx`, admin, review pages); a longer list is
# refused before the first byte, never cut off. Anonymous exports are small so that nobody
# can occupy the workers; XLSX is built whole before it is sent, so it gets a lower limit
# that stays well inside gunicorn's timeout (docs/reliability/exports-load.md).
EXPORT_ANON_MAX_ROWS = env.int("EXPORT_ANON_MAX_ROWS", default=5_000)
EXPORT_MAX_ROWS = env.int("EXPORT_MAX_ROWS", default=100_000)
EXPORT_XLSX_MAX_ROWS = env.int("EXPORT_XLSX_MAX_ROWS", default=10_000)

# CORS: anyone's browser may read the public API (no credentials, reads only); writes need a
# token, which a browser page of another origin never gets from us.
CORS_URLS_REGEX = r"^/api/.*$"
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_ALLOW_ALL_ORIGINS = not CORS_ALLOWED_ORIGINS
CORS_ALLOW_CREDENTIALS = False
CORS_ALLOW_METHODS = ["GET", "HEAD", "OPTIONS"]
CORS_EXPOSE_HEADERS = ["ETag", "Location", "Retry-After"]
CORS_ALLOW_HEADERS = ["accept", "accept-language", "if-none-match", "content-type"]
