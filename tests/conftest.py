import os

import pytest
from django.conf import settings
from django.test.client import Client

from tests.factories import MembershipFactory, PartyFactory, RegionFactory, UserFactory

# The suite speaks plain HTTP, as `make run` does (DEBUG off would redirect it to HTTPS). Set
# here, before any request handler or live server reads it; tests of the redirect turn it on.
settings.SECURE_SSL_REDIRECT = False


def require_or_skip(available, reason):
    """Skip a test whose service is missing, except in CI, where that is a failure."""
    if available:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI must provide this: {reason}")
    pytest.skip(reason)


@pytest.fixture
def tree(db):
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
def parties(tree):
    return {
        "EZ": PartyFactory(code="EZ", kind="ministry", regions=[tree["NL"]]),
        "PV30": PartyFactory(code="PV30", kind="province", regions=[tree["PV30"]]),
        "PV31": PartyFactory(code="PV31", kind="province", regions=[tree["PV31"]]),
        "PV27": PartyFactory(code="PV27", kind="province", regions=[tree["PV27"]]),
        "BOM": PartyFactory(code="BOM", kind="rom", regions=[tree["PV30"]]),
    }


@pytest.fixture
def small_agenda(tree, parties):
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


@pytest.fixture
def users(parties):
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


@pytest.fixture(autouse=True)
def fast_password_hashing(settings):
    """Test users need no slow key stretching."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


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
        self.data = body.decode("utf-8") if text else body


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
