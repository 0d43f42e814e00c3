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
    DATABASES["default"]["TEST"] = {
        "NAME": str(Path(tempfile.gettempdir()) / f"mkb-test-{os.getpid()}.sqlite3")
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {"default": env.cache_url("CACHE_URL", default="locmemcache://")}
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

# The shipped fixtures are the agenda as it stood at the review of 8 June 2016; pages and
# the API root say so, and "stalled" is judged on that day. A deployment that keeps live
# data sets it empty.
AGENDA_SNAPSHOT_DATE = env.str("AGENDA_SNAPSHOT_DATE", default="2016-06-08")
# An open action without any change or progress-log entry for this many days counts as
# stalled (admin, API `stalled=true`, review pages, reminders).
STALLED_AFTER_DAYS = env.int("STALLED_AFTER_DAYS", default=90)

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
AXES_LOCKOUT_TEMPLATE = "admin/registry/locked_out.html"
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
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "config.api.pagination.ContentNegotiation",
    # Timestamps in UTC with a Z and always microseconds (config.middleware activates UTC
    # for the API), so every client parses them the same way.
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
    "DEFAULT_PAGINATION_CLASS": "config.api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "config.api.schema.RegistryAutoSchema",
    "EXCEPTION_HANDLER": "config.api.pagination.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": [
        "rest_framework.throttling.AnonRateThrottle",
        "rest_framework.throttling.UserRateThrottle",
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
    "VERSION": "1.0.0",
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

# Readers that walk by time (`changes/`, `?cursor=`) see a change once every transaction that
# could still commit an earlier one has ended; without PostgreSQL's view of open
# transactions, after this many seconds.
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
