"""The action and agreement lists' rows are built without model instances (*/api/rows.py)
and their pages fetch ids first: the answer must be byte for byte what the serializer gives,
on every filter, ordering and page; and a page costs a fixed number of queries, deep or not."""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from actions.api.serializers import ActionSerializer
from actions.models import Action
from agenda.api.serializers import AgreementSerializer
from agenda.api.views import AgreementViewSet
from agenda.models import Agreement, BudgetLine, Party
from config.api.renderers import JSONRenderer
from tests.datasets import load_real_agenda, shared_dataset
from tests.factories import ActionFactory, AgreementFactory, UserFactory

LISTS = [
    "",
    "?page_size=7",
    "?page_size=7&page=3",
    "?status=in_progress,at_risk",
    "?applies_to=PV30",
    "?applies_to=PV30,PV31&overdue=true",
    "?theme=MIT",
    "?owner=EZ",
    "?party=PV30",
    "?region=AG-ZUID",
    "?overdue=false&ordering=-due_date",
    "?stalled=true",
    "?q=innovatie",
    "?due_from=2015-01-01&due_to=2017-12-31",
    "?ordering=-updated_at,title",
    "?cursor=&page_size=5",
    "?updated_since=2000-01-01T00:00:00Z",
]


AGREEMENT_LISTS = [
    "",
    "?page_size=4&page=3",
    "?theme=MIT",
    "?scope=regional",
    "?status=active,ended",
    "?party=PV30",
    "?region=AG-ZUID",
    "?applies_to=PV30",
    "?agreed_from=2015-01-01&agreed_to=2016-12-31",
    "?q=regio",
    "?ordering=-agreed_on",
    "?cursor=&page_size=3",
]


def build_agenda():
    """The real agenda, a draft agreement with an action, an action with contributors and no
    region, and one with no dates: the shapes the rows must render."""
    load_real_agenda()
    draft = AgreementFactory(code="DRAFT-1", status="draft", title="Nog geheim")
    ActionFactory(agreement=draft, title="Onder een concept")
    with_contributors = ActionFactory(region=None, due_date=None, start_date=None)
    with_contributors.contributors.set(Party.objects.order_by("code")[:3])
    ActionFactory(status="in_progress", due_date=datetime.date(2016, 3, 1), progress=40)
    ActionFactory(status="at_risk", due_date=datetime.date(2030, 1, 1), progress=10)
    # Two lines alike but for their funding: their order must still be one.
    mit = Agreement.objects.get(code="MKB-2014-MIT-01")
    for funding in ("public", "private"):
        BudgetLine.objects.create(
            agreement=mit, year=2030, amount="1.50", funding=funding, source="test"
        )
    return {}


# Built once for the module; each test's writes are rolled back.
agenda_rows, agenda = shared_dataset("agenda", build_agenda)


def serializer_body(response_json, request, ids):
    """The same page rendered the old way: model instances through ActionSerializer."""
    objects = Action.objects.select_related("agreement__theme", "owner", "region")
    by_id = objects.in_bulk(ids)
    with timezone.override(datetime.UTC):  # as the API's middleware does
        results = ActionSerializer(
            [by_id[pk] for pk in ids], many=True, context={"request": request}
        ).data
    return JSONRenderer().render({**response_json, "results": results})


def test_rows_are_byte_identical_to_the_serializer(agenda, api):
    """Every filter, ordering and pagination, anonymous and with all rights (one fixture
    load for all: loading the agenda is the slow part)."""
    for who in ("anonymous", "ministry"):
        if who == "ministry":
            api.force_authenticate(UserFactory(is_superuser=True))
        for query in LISTS:
            response = api.get(f"/api/v1/actions/{query}")
            assert response.status_code == 200, (who, query, response.content)
            body = response.json()
            ids = [row["id"] for row in body["results"]]
            assert ids, (who, query)  # every query of LISTS finds rows: no empty comparison
            expected = serializer_body(body, response.wsgi_request, ids)
            assert response.content == expected, (who, query)


def test_agreement_rows_are_byte_identical_to_the_serializer(agenda, api):
    for who in ("anonymous", "ministry"):
        if who == "ministry":
            api.force_authenticate(UserFactory(is_superuser=True))
        for query in AGREEMENT_LISTS:
            response = api.get(f"/api/v1/agreements/{query}")
            assert response.status_code == 200, (who, query, response.content)
            body = response.json()
            codes = [row["code"] for row in body["results"]]
            assert codes, (who, query)
            queryset = AgreementViewSet(request=response.wsgi_request).get_queryset()
            by_code = {a.code: a for a in queryset.filter(code__in=codes)}
            with timezone.override(datetime.UTC):  # as the API's middleware does
                results = AgreementSerializer(
                    [by_code[code] for code in codes],
                    many=True,
                    context={"request": response.wsgi_request},
                ).data
            expected = JSONRenderer().render({**body, "results": results})
            assert response.content == expected, (who, query)


def test_drafts_stay_out_of_the_rows_and_the_count(agenda, api):
    body = api.get("/api/v1/actions/?page_size=500&q=Onder een concept").json()
    assert body["count"] == 0
    api.force_authenticate(UserFactory(is_superuser=True))
    body = api.get("/api/v1/actions/?page_size=500&q=Onder een concept").json()
    assert [row["agreement"]["code"] for row in body["results"]] == ["DRAFT-1"]


def test_a_deep_page_costs_the_queries_of_the_first(agenda, api):
    def queries(url):
        with CaptureQueriesContext(connection) as captured:
            assert api.get(url).status_code == 200
        return len(captured)

    first = queries("/api/v1/actions/?page_size=2")
    deep = queries("/api/v1/actions/?page_size=2&page=12")
    assert first == deep <= 6
    # Only the page's ids are read before the rows: the deep page's row query names them.
    with CaptureQueriesContext(connection) as captured:
        api.get("/api/v1/actions/?page_size=2&page=12")
    row_query = [q["sql"] for q in captured if "actions_action" in q["sql"]][-2]
    assert "OFFSET" not in row_query.upper()


def test_the_count_does_not_join_the_agreements(agenda, api):
    with CaptureQueriesContext(connection) as captured:
        api.get("/api/v1/actions/?page_size=5")
    counts = [q["sql"] for q in captured if "COUNT(" in q["sql"].upper()]
    assert len(counts) == 1
    assert "JOIN" not in counts[0].upper()


@pytest.mark.parametrize(
    ("path", "most"),
    [
        ("/api/v1/regions/", 4),
        ("/api/v1/parties/", 4),
        ("/api/v1/themes/", 3),
        ("/api/v1/agreements/", 6),
        ("/api/v1/actions/", 4),
        ("/api/v1/reviews/", 4),
        ("/api/v1/goals/", 4),
        ("/api/v1/changes/?since=2000-01-01&", 6),
    ],
)
def test_list_queries_do_not_grow_with_the_page(agenda, api, path, most):
    """Queries per request of every list endpoint: a fixed number, whatever the page size
    (no query per row), and no more than pinned here (anonymous: no session, no user)."""

    def queries(size):
        with CaptureQueriesContext(connection) as captured:
            separator = "" if path.endswith("&") else "?"
            response = api.get(f"{path}{separator}page_size={size}")
        assert response.status_code == 200, response.content
        return len(captured)

    small, large = queries(2), queries(100)
    assert small == large <= most, (small, large)
