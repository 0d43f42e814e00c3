import os

import pytest
from django.conf import settings
from django.test.client import Client
from django.utils import translation

from tests.factories import MembershipFactory, PartyFactory, RegionFactory, UserFactory

# The suite speaks plain HTTP, as `make run` does (DEBUG off would redirect it to HTTPS). Set
# here, before any request handler or live server reads it; tests of the redirect turn it on.
settings.SECURE_SSL_REDIRECT = False
# The throttle's counts in this process's memory, as the default cache: the database cache a
# deployment uses by default would add its queries to every request whose queries a test
# counts. tests/config/api/test_sync_at_scale.py runs the database cache itself.
settings.CACHES = {
    **settings.CACHES,
    "throttle": {
        "BACKEND": "django.core.cache.backends.locmem.LocMemCache",
        "LOCATION": "throttle",
    },
}
# Every test client builds the middleware anew, and WhiteNoise would then list every static
# file through the finders (a fifth of an API test's time): look a file up when it is asked
# for instead, as in development.
settings.WHITENOISE_AUTOREFRESH = True
# Test users need no slow key stretching (also those of data sets built once per module).
settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# A test's own transaction holds the job rows it makes: progress is written there (tests that
# run a worker in another process use the second connection, as production does).
settings.JOB_PROGRESS_DATABASE = "default"
# A streamed export holds its slot until read to the end, which tests need not do; the tests
# of the slots set their own number.
settings.EXPORT_SLOTS = 100


@pytest.fixture(autouse=True)
def default_language():
    """Each test starts in the site's default language (Dutch). A request through the test
    client activates its own (LocaleMiddleware) and leaves it active in the thread, so a test
    that calls a service after another test's English request would otherwise read English."""
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


def require_or_skip(available, reason):
    """Skip a test whose service is missing, except in CI, where that is a failure."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


DATABASE_FIXTURES = {
    "db",
    "transactional_db",
    "django_db_reset_sequences",
    "django_db_serialized_rollback",
    "live_server",
}


# The slowest modules, longest first (their tests' time together, setup included: `make test
# PYTEST_ARGS=--durations=0`). pytest-xdist hands out whole modules (--dist loadscope) in
# collection order, alternating between the workers: started first, the long ones run beside
# the many short ones instead of leaving one worker alone with them at the end.
SLOW_FIRST = (
    "tests/system/browser/test_every_page_accessible.py",
    "tests/agenda/test_permissions.py",
    "tests/system/browser/test_week_of_a_provincial_editor.py",
    "tests/system/test_garbage_parameters.py",
    "tests/system/browser/test_review_browser.py",
    "tests/actions/test_import_limits.py",
    "tests/config/test_admin_real_agenda.py",
    "tests/system/test_two_servers.py",
    "tests/system/test_admin_garbage.py",
    "tests/system/browser/test_admin_laptop.py",
    "tests/system/browser/test_csp_browser.py",
    "tests/system/browser/test_jobs_browser.py",
    "tests/system/browser/test_import_browser.py",
    "tests/config/api/test_feed_mirror.py",
    "tests/actions/test_import_files.py",
    "tests/config/api/test_hostile_input.py",
)


def pytest_collection_modifyitems(config, items):
    """The slowest modules first (SLOW_FIRST; the rest keep their order). CI runs the suite on
    SQLite, then on PostgreSQL with TEST_SECOND_ENGINE=on: the second pass keeps only the
    tests whose outcome can depend on the database engine, so that every other check runs
    once. Tests marked `engine_independent` (they start their own servers and databases) run
    in the first pass only."""
    rank = {path: number for number, path in enumerate(SLOW_FIRST)}
    items.sort(key=lambda item: rank.get(item.nodeid.split("::")[0], len(SLOW_FIRST)))
    if os.environ.get("TEST_SECOND_ENGINE") != "on":
        return
    keep, drop = [], []
    for item in items:
        uses_database = item.get_closest_marker("django_db") is not None or bool(
            DATABASE_FIXTURES & set(getattr(item, "fixturenames", ()))
        )
        independent = item.get_closest_marker("engine_independent") is not None
        (keep if uses_database and not independent else drop).append(item)
    if drop:
        config.hook.pytest_deselected(items=drop)
        items[:] = keep


def build_tree():
    """A small copy of the real tree: NL > LD03/LD04 > provinces > places, plus AG-ZUID."""
    nl = RegionFactory(code="NL", name="Nederland", kind="country")
    ld03 = RegionFactory(code="LD03", name="West-Nederland", kind="landsdeel", parent=nl)
    ld04 = RegionFactory(code="LD04", name="Zuid-Nederland", kind="landsdeel", parent=nl)
    ag_zuid = RegionFactory(code="AG-ZUID", name="Zuid", kind="agenda_region", parent=nl)
    nb = RegionFactory(
        code="PV30", name="Noord-Brabant", kind="province", parent=ld04, groups=[ag_zuid]
    )
    li = RegionFactory(code="PV31", name="Limburg", kind="province", parent=ld04, groups=[ag_zuid])
    ze = RegionFactory(code="PV29", name="Zeeland", kind="province", parent=ld03, groups=[ag_zuid])
    nh = RegionFactory(code="PV27", name="Noord-Holland", kind="province", parent=ld03)
    eindhoven = RegionFactory(code="GM0772", name="Eindhoven", kind="municipality", parent=nb)
    haarlem = RegionFactory(code="GM0392", name="Haarlem", kind="municipality", parent=nh)
    return {
        "NL": nl,
        "LD03": ld03,
        "LD04": ld04,
        "AG-ZUID": ag_zuid,
        "PV30": nb,
        "PV31": li,
        "PV29": ze,
        "PV27": nh,
        "GM0772": eindhoven,
        "GM0392": haarlem,
    }


@pytest.fixture
def tree(db):
    return build_tree()


def build_parties(tree):
    return {
        "EZ": PartyFactory(code="EZ", kind="ministry", regions=[tree["NL"]]),
        "PV30": PartyFactory(code="PV30", kind="province", regions=[tree["PV30"]]),
        "PV31": PartyFactory(code="PV31", kind="province", regions=[tree["PV31"]]),
        "PV27": PartyFactory(code="PV27", kind="province", regions=[tree["PV27"]]),
        "BOM": PartyFactory(code="BOM", kind="rom", regions=[tree["PV30"]]),
    }


@pytest.fixture
def parties(tree):
    return build_parties(tree)


@pytest.fixture
def small_agenda(tree, parties):
    return build_small_agenda(tree, parties)


def build_small_agenda(tree, parties):
    """A generic agreement, Noord-Brabant's and Noord-Holland's, and actions of both."""
    from tests.factories import ActionFactory, AgreementFactory, ThemeFactory

    ThemeFactory(code="MIT")
    generic = AgreementFactory(code="GEN")
    own = AgreementFactory(
        code="NB-1", scope="regional", regions=[tree["PV30"]], parties=[(parties["PV30"], "lead")]
    )
    other = AgreementFactory(
        code="NH-1", scope="regional", regions=[tree["PV27"]], parties=[(parties["PV27"], "lead")]
    )
    return {
        "generic": generic,
        "own": own,
        "other": other,
        "own_action": ActionFactory(code="OWN", agreement=generic, owner=parties["PV30"]),
        "own_regional": ActionFactory(code="OWN-REG", agreement=own, owner=parties["BOM"]),
        "other_action": ActionFactory(code="OTHER", agreement=other, owner=parties["PV27"]),
    }


def build_users(parties):
    """One user per role of the scope rule. Members are not staff: a membership is all it
    takes to use the admin."""

    def member(username, party, role, **extra):
        user = UserFactory(username=username, is_staff=False, **extra)
        MembershipFactory(user=user, party=parties[party], role=role)
        return user

    return {
        "ministry_editor": member("ez", "EZ", "editor"),
        "ministry_viewer": member("ez-lezer", "EZ", "viewer"),
        "brabant_editor": member("brabant", "PV30", "editor"),
        "brabant_viewer": member("brabant-lezer", "PV30", "viewer"),
        "holland_editor": member("holland", "PV27", "editor"),
        "inactive_editor": member("vertrokken", "PV30", "editor", is_active=False),
        "outsider": UserFactory(username="outsider", is_staff=True),
        "superuser": UserFactory(username="root", is_superuser=True),
    }


@pytest.fixture
def users(parties):
    return build_users(parties)


def commits(item):
    """Whether a test commits (a live server, a transactional database) instead of running
    inside a transaction that is rolled back."""
    marker = item.get_closest_marker("django_db")
    return bool(
        {"transactional_db", "live_server"} & set(getattr(item, "fixturenames", ()))
        or (marker and marker.kwargs.get("transaction"))
    )


@pytest.fixture(autouse=True)
def rows_made_by_migrations_survive_a_flush(request, django_db_blocker):
    """A transactional test (live server, real commits) ends with a flush that also empties
    the rows migrations made (content types, permissions); tests that follow on the same
    worker then refer to ids that no longer exist. Put them back after such a test, and
    forget the cached ids. Every test starts with the cache empty: an id cached inside a
    rolled-back test (or before a flush) must not reach the next one."""
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.clear_cache()
    yield
    if not commits(request.node):
        return
    from django.apps import apps
    from django.contrib.auth.management import create_permissions
    from django.contrib.contenttypes.management import create_contenttypes

    with django_db_blocker.unblock():
        ContentType.objects.clear_cache()
        for app_config in apps.get_app_configs():
            create_contenttypes(app_config, verbosity=0)
            create_permissions(app_config, verbosity=0)


@pytest.fixture(autouse=True)
def live_data(settings):
    """Tests make their data now: judged on today, not on the shipped snapshot's date (tests
    of the snapshot set AGENDA_SNAPSHOT_DATE themselves)."""
    settings.AGENDA_SNAPSHOT_DATE = ""


@pytest.fixture(autouse=True)
def changes_settle_at_once(settings):
    """Tests write and read in the same second: no settle lag (tests of the lag set it)."""
    settings.CHANGES_SETTLE_SECONDS = 0


@pytest.fixture(autouse=True)
def fresh_cache():
    """Throttle counters live in the cache: every test starts with none."""
    from django.core.cache import caches

    for alias in ("default", "throttle"):
        caches[alias].clear()
    yield
    for alias in ("default", "throttle"):
        caches[alias].clear()


@pytest.fixture
def api():
    from rest_framework.test import APIClient

    return APIClient()


@pytest.fixture
def token_client():
    """An API client authenticated with an API token, as a partner's tool would be."""
    from rest_framework.test import APIClient

    from agenda.services import api_token_create

    def make(user):
        client = APIClient()
        _token, key = api_token_create(user=user)
        client.credentials(HTTP_AUTHORIZATION=f"Token {key}")
        return client

    return make


# --- every API response the suite sees must match the published schema ----------------

NOT_IN_SCHEMA = {"/api/v1/", "/api/v1/schema/", "/api/v1/docs/", "/api/v1/guide/"}


class _SchemaResponse:
    """What openapi-core reads of a response; streamed bodies are read once and kept."""

    def __init__(self, response, body):
        self.status_code = response.status_code
        self.content_type = response.get("Content-Type", "")
        self.headers = dict(response.headers)
        text = self.content_type.startswith(("text/", "application/json"))
        # A file (XLSX) is a binary string in the schema: its octets as characters, which
        # openapi-core can check against `type: string` (it refuses bytes).
        self.data = body.decode("utf-8") if text else body.decode("latin-1")


@pytest.fixture(scope="session")
def openapi_spec(django_db_setup, django_db_blocker):
    from openapi_core import OpenAPI

    with django_db_blocker.unblock():
        spec = Client().get("/api/v1/schema/?format=json").json()
    return OpenAPI.from_dict(spec)


@pytest.fixture(autouse=True)
def every_api_response_matches_the_schema(request, monkeypatch):
    """Wraps the test client: each response under /api/v1/ is validated against the OpenAPI
    schema the server publishes, so the two cannot drift apart. Paths and methods that do not
    exist (the JSON 404/405) are not in the schema by definition."""
    if "openapi_spec" in request.fixturenames or request.node.get_closest_marker("no_schema"):
        yield
        return
    from openapi_core.contrib.django import DjangoOpenAPIRequest
    from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound

    original = Client.request
    state = {}

    def validating_request(self, **kwargs):
        response = original(self, **kwargs)
        path = kwargs.get("PATH_INFO", "")
        if not path.startswith("/api/v1/") or path in NOT_IN_SCHEMA:
            return response
        if response.status_code in (404, 405) and response.resolver_match is None:
            return response
        if response.get("Content-Type", "").startswith("text/html"):
            return response  # the browsable API, for people: not advertised in the schema
        if "spec" not in state:
            state["spec"] = request.getfixturevalue("openapi_spec")
        if response.streaming:
            body = b"".join(response.streaming_content)
            response.streaming_content = [body]
        else:
            body = response.content
        try:
            state["spec"].validate_response(
                DjangoOpenAPIRequest(response.wsgi_request), _SchemaResponse(response, body)
            )
        except (PathNotFound, OperationNotFound):
            # Paths and methods that do not exist (404, 405) and CORS preflights are no
            # operations of the schema.
            if response.status_code not in (404, 405) and kwargs["REQUEST_METHOD"] != "OPTIONS":
                raise
        return response

    monkeypatch.setattr(Client, "request", validating_request)
    yield
