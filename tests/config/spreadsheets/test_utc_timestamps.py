"""Every timestamp in every export is UTC, and says so: the API's CSV and XLSX, the review
pages' exports and the admin's CSV and XLSX, each parsed as a partner's tool reads it
(`csv`, openpyxl, JSON) and compared with the database's value in UTC. The moments are in
summer and in winter (Amsterdam is 2 and 1 hours ahead of UTC), so a local time labelled `Z`
or a time converted twice cannot pass."""

import csv
import datetime
import io
import json

import pytest
from openpyxl import load_workbook

from actions.models import Action
from agenda.models import Agreement
from tests.factories import ActionFactory

pytestmark = pytest.mark.django_db

UTC = datetime.UTC
SUMMER = datetime.datetime(2016, 6, 8, 22, 15, 30, 123456, tzinfo=UTC)  # 9 June in Amsterdam
WINTER = datetime.datetime(2015, 12, 31, 23, 5, 1, 654321, tzinfo=UTC)  # 2016 in Amsterdam


@pytest.fixture
def stamped(small_agenda):
    """An action and an agreement with known timestamps (set past `auto_now`)."""
    action = small_agenda["own_action"]
    Action.objects.filter(pk=action.pk).update(created_at=WINTER, updated_at=SUMMER)
    Agreement.objects.filter(pk=small_agenda["generic"].pk).update(
        created_at=WINTER, updated_at=SUMMER
    )
    ActionFactory(code="LATER", agreement=small_agenda["generic"])
    return small_agenda


def body_of(response):
    assert response.status_code == 200, response.content[:300]
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def machine_csv(body):
    return list(csv.DictReader(io.StringIO(body.decode("utf-8-sig"))))


def machine_xlsx(body):
    rows = list(load_workbook(io.BytesIO(body)).worksheets[0].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def parsed(text):
    """An ISO 8601 timestamp as a partner's tool reads it: it must carry its offset (`Z`)."""
    moment = datetime.datetime.fromisoformat(text)
    assert moment.utcoffset() == datetime.timedelta(0), text
    assert text.endswith("Z"), text
    return moment


def row_with(rows, key, value):
    return next(row for row in rows if str(row[key]) == str(value))


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/actions/?format=csv",
        "/api/v1/actions/?format=xlsx",
    ],
)
def test_machine_exports_write_utc_with_z(client, users, stamped, url):
    client.force_login(users["superuser"])
    body = body_of(client.get(url))
    rows = machine_xlsx(body) if "xlsx" in url else machine_csv(body)
    row = row_with(rows, "id", stamped["own_action"].pk)
    assert parsed(row["created_at"]) == WINTER
    assert parsed(row["updated_at"]) == SUMMER


def test_the_api_json_and_csv_agree(client, stamped):
    """The JSON page and the CSV of the same list give the same moments, for agreements too."""
    page = json.loads(client.get("/api/v1/agreements/").content)["results"]
    rows = machine_csv(body_of(client.get("/api/v1/agreements/?format=csv")))
    for moments in (row_with(page, "code", "GEN"), row_with(rows, "code", "GEN")):
        assert parsed(moments["created_at"]) == WINTER
        assert parsed(moments["updated_at"]) == SUMMER


def test_the_history_is_in_utc(client, stamped):
    action = stamped["own_action"]
    action.history.update(history_date=SUMMER)
    entries = json.loads(client.get(f"/api/v1/actions/{action.pk}/history/").content)
    assert {parsed(entry["date"]) for entry in entries["results"]} == {SUMMER}


def sheet_moments(row):
    """The timestamps of a sheet row: the cells that are datetimes (XLSX) or ISO text (CSV)."""
    found = set()
    for value in row:
        if isinstance(value, datetime.datetime):
            found.add(value.replace(tzinfo=UTC))
        elif isinstance(value, str) and len(value) == 20 and value[10:11] == "T":
            found.add(parsed(value))
    return found


@pytest.mark.parametrize("kind", ["csv", "xlsx"])
@pytest.mark.parametrize(
    "path",
    [
        "/admin/actions/action/export/{kind}/",
        "/admin/agenda/agreement/export/{kind}/",
        "/reviews/actions/?export={kind}",
        "/reviews/agreements/?export={kind}",
    ],
)
def test_the_sheet_exports_write_utc(client, users, stamped, kind, path):
    """The sheet dialect (the admin's and the review pages' exports): XLSX cells hold the
    UTC time (the explanation sheet says so), CSV text is ISO 8601 with `Z`; to the second."""
    client.force_login(users["superuser"])
    body = body_of(client.get(path.format(kind=kind)))
    if kind == "xlsx":
        workbook = load_workbook(io.BytesIO(body))
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
        explanation = " ".join(
            str(v) for r in workbook.worksheets[1].iter_rows(values_only=True) for v in r if v
        )
        assert "UTC" in explanation
    else:
        text = body.decode("utf-8-sig")
        rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    key = stamped["own_action"].pk if "action" in path else "GEN"
    row = next(r for r in rows[1:] if str(key) in (str(r[0]), str(r[1])))
    assert sheet_moments(row) == {WINTER.replace(microsecond=0), SUMMER.replace(microsecond=0)}


def test_the_admin_csv_in_english_too(client, users, stamped):
    client.force_login(users["superuser"])
    body = body_of(client.get("/admin/actions/action/export/csv/", HTTP_ACCEPT_LANGUAGE="en"))
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    row = next(r for r in rows[1:] if r[0] == str(stamped["own_action"].pk))
    assert sheet_moments(row) == {WINTER.replace(microsecond=0), SUMMER.replace(microsecond=0)}
