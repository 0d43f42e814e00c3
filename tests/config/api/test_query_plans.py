"""Query plans of the action list on PostgreSQL: a selective filter must use an index, never
read the whole actions table. The plans are taken from the very queries the API runs (the
page's id query), at a size where the planner prefers an index when one serves."""

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from actions.models import Action
from agenda.models import Agreement

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql",
    reason="query plans are PostgreSQL's; CI's PostgreSQL run checks them",
)


@pytest.fixture
def large_agenda(db):
    call_command("generate_demo", actions=20000, seed=7, stdout=None, stderr=None)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def id_query_plan(api, url):
    """EXPLAIN of the query that picks the page's rows (the one with LIMIT)."""
    with CaptureQueriesContext(connection) as captured:
        response = api.get(url)
    assert response.status_code == 200, response.content
    [page_query] = [
        q["sql"]
        for q in captured
        if "LIMIT" in q["sql"] and 'FROM "actions_action"' in q["sql"] and "COUNT(" not in q["sql"]
    ]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + page_query)
        return "\n".join(row[0] for row in cursor.fetchall())


def test_selective_filters_use_an_index(large_agenda, api):
    action = Action.objects.filter(code__startswith="DEMO-").order_by("id")[500]
    agreement = Agreement.objects.filter(code__startswith="DEMO-").order_by("id")[3]
    latest = Action.objects.order_by("-updated_at").values_list("updated_at", flat=True)[50]
    selective = {
        "agreement": f"/api/v1/actions/?agreement={agreement.code}&page_size=100",
        "owner's region": f"/api/v1/actions/?region={action.region.code}&page_size=100"
        if action.region
        else None,
        "due date window": f"/api/v1/actions/?due_from={action.due_date}"
        f"&due_to={action.due_date}&page_size=100"
        if action.due_date
        else None,
        "sync walk": "/api/v1/actions/?cursor=&page_size=100&updated_since="
        + latest.isoformat().replace("+00:00", "Z"),
        "deep page": "/api/v1/actions/?page=150&page_size=100",
    }
    for name, url in selective.items():
        if url is None:
            continue
        plan = id_query_plan(api, url)
        assert "Seq Scan on actions_action" not in plan, (name, plan)
