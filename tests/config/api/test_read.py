"""Reads over real HTTP (the Django test client through the whole stack): every endpoint,
every filter's semantics on a scenario that exercises the region tree, bad input."""

import csv
import datetime
import io

import pytest
from django.utils import timezone

from tests.datasets import build_people, dataset_parts, shared_dataset
from tests.factories import (
    ActionFactory,
    AgreementFactory,
    GoalFactory,
    ReviewFactory,
    ThemeFactory,
)


def build_scenario():
    """The small tree, a user per role, and agreements and actions around it."""
    people = build_people()
    tree, p = people["tree"], people["parties"]
    main = ThemeFactory(code="INNOVATIESTIMULERING")
    mit = ThemeFactory(code="MIT", parent=main)
    ir = ThemeFactory(code="IR")
    agreements = {
        "GEN": AgreementFactory(
            code="GEN", theme=mit, agreed_on="2014-12-11", parties=[(p["EZ"], "lead")]
        ),
        "ZUID": AgreementFactory(
            code="ZUID",
            theme=ir,
            scope="regional",
            regions=[tree["AG-ZUID"]],
            agreed_on="2016-06-08",
            parties=[(p["PV31"], "lead")],
        ),
        "EHV": AgreementFactory(
            code="EHV",
            theme=mit,
            scope="regional",
            regions=[tree["GM0772"]],
            title="Brainport hotspot",
            parties=[(p["PV30"], "lead")],
        ),
        "NH": AgreementFactory(
            code="NH",
            theme=ir,
            scope="regional",
            regions=[tree["PV27"]],
            parties=[(p["PV27"], "lead")],
        ),
        "DRAFT": AgreementFactory(code="DRAFT", theme=mit, status="draft"),
    }
    a = agreements
    yesterday = timezone.localdate() - datetime.timedelta(days=1)
    actions = {
        "gen-nb": ActionFactory(
            code="GEN-NB", agreement=a["GEN"], owner=p["PV30"], due_date=yesterday
        ),
        "gen-nh": ActionFactory(
            code="GEN-NH",
            agreement=a["GEN"],
            owner=p["PV27"],
            region=tree["GM0392"],
            contributors=[p["PV30"]],
        ),
        "zuid": ActionFactory(
            code="ZUID-1", agreement=a["ZUID"], owner=p["PV31"], due_date="2030-01-01"
        ),
        "zuid-ehv": ActionFactory(
            code="ZUID-EHV", agreement=a["ZUID"], owner=p["BOM"], region=tree["GM0772"]
        ),
        "draft": ActionFactory(code="DRAFT-1", agreement=a["DRAFT"], owner=p["EZ"]),
    }
    return {"agreements": agreements, "actions": actions, **people}


# Built once for the module; each test gets fresh instances and its writes are rolled back.
scenario_rows, scenario = shared_dataset("scenario", build_scenario)
tree, parties, users = dataset_parts("scenario", "tree", "parties", "users")


def codes(response):
    assert response.status_code == 200, response.content
    return {item["code"] for item in response.json()["results"]}


ENDPOINTS = ["regions", "parties", "themes", "agreements", "actions", "reviews", "goals"]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
def test_every_endpoint_lists_and_details_with_an_etag(api, scenario, endpoint):
    ReviewFactory()
    GoalFactory()
    listing = api.get(f"/api/v1/{endpoint}/")
    assert listing.status_code == 200
    body = listing.json()
    assert set(body) == {"count", "next", "previous", "results"}
    assert body["count"] >= 1
    first = body["results"][0]
    key = first.get("code") if endpoint not in ("actions", "reviews") else first["id"]
    detail = api.get(f"/api/v1/{endpoint}/{key}/")
    assert detail.status_code == 200
    assert detail["ETag"]
    assert (
        api.get(
            f"/api/v1/{endpoint}/{'9' * 30 if endpoint in ('actions', 'reviews') else 'NOPE'}/"
        ).status_code
        == 404
    )


def test_nested_references_are_codes_with_names(api, scenario):
    body = api.get("/api/v1/actions/", {"agreement": "ZUID", "ordering": "code"}).json()
    item = body["results"][1]
    assert item["agreement"] == {"code": "ZUID", "name": scenario["agreements"]["ZUID"].title}
    assert item["owner"]["code"] == "BOM"
    assert item["region"] == {"code": "GM0772", "name": "Eindhoven"}


def test_drafts_are_hidden_from_anonymous_readers(api, scenario, users):
    assert "DRAFT" not in codes(api.get("/api/v1/agreements/"))
    assert api.get("/api/v1/agreements/DRAFT/").status_code == 404
    assert "DRAFT-1" not in codes(api.get("/api/v1/actions/"))
    api.force_authenticate(users["brabant_viewer"])
    assert "DRAFT" in codes(api.get("/api/v1/agreements/"))
    assert "DRAFT-1" in codes(api.get("/api/v1/actions/"))


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"theme": "MIT"}, {"GEN", "EHV"}),
        ({"theme": "INNOVATIESTIMULERING"}, {"GEN", "EHV"}),
        ({"theme": "IR,MIT"}, {"GEN", "ZUID", "EHV", "NH"}),
        ({"scope": "generic"}, {"GEN"}),
        ({"status": "active"}, {"GEN", "ZUID", "EHV", "NH"}),
        ({"party": "PV30"}, {"EHV"}),
        ({"party": "PV30,PV27"}, {"EHV", "NH"}),
        ({"region": "PV30"}, {"EHV"}),
        ({"region": "AG-ZUID"}, {"ZUID", "EHV"}),
        ({"region": "LD03"}, {"NH"}),
        ({"applies_to": "PV29"}, {"GEN", "ZUID"}),
        ({"applies_to": "GM0772"}, {"GEN", "ZUID", "EHV"}),
        ({"applies_to": "LD03"}, {"GEN", "NH"}),  # AG-ZUID is neither inside nor above LD03
        ({"agreed_from": "2015-01-01"}, {"ZUID"}),
        ({"agreed_to": "2015-01-01"}, {"GEN"}),
        ({"q": "brainport"}, {"EHV"}),
        ({"theme": "IR", "region": "AG-ZUID"}, {"ZUID"}),
    ],
)
def test_agreement_filters(api, scenario, params, expected):
    assert codes(api.get("/api/v1/agreements/", params)) == expected


def test_agreement_ordering(api, scenario):
    body = api.get("/api/v1/agreements/", {"ordering": "-code"}).json()
    assert [item["code"] for item in body["results"]] == ["ZUID", "NH", "GEN", "EHV"]


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"agreement": "ZUID"}, {"ZUID-1", "ZUID-EHV"}),
        ({"theme": "INNOVATIESTIMULERING"}, {"GEN-NB", "GEN-NH"}),
        ({"owner": "PV30"}, {"GEN-NB"}),
        ({"party": "PV30"}, {"GEN-NB", "GEN-NH"}),
        ({"status": "planned"}, {"GEN-NB", "GEN-NH", "ZUID-1", "ZUID-EHV"}),
        ({"status": "done"}, set()),
        ({"region": "PV30"}, {"ZUID-EHV"}),
        ({"region": "AG-ZUID"}, {"ZUID-1", "ZUID-EHV"}),
        ({"region": "PV27"}, {"GEN-NH"}),
        ({"applies_to": "PV29"}, {"GEN-NB", "ZUID-1"}),
        ({"applies_to": "GM0772"}, {"GEN-NB", "ZUID-1", "ZUID-EHV"}),
        ({"overdue": "true"}, {"GEN-NB"}),
        ({"overdue": "false"}, {"GEN-NH", "ZUID-1", "ZUID-EHV"}),
        ({"due_from": "2029-01-01"}, {"ZUID-1"}),
        ({"due_to": "2029-01-01"}, {"GEN-NB"}),
        ({"updated_since": "2000-01-01T00:00:00Z"}, {"GEN-NB", "GEN-NH", "ZUID-1", "ZUID-EHV"}),
        ({"updated_since": "2999-01-01T00:00:00Z"}, set()),
        ({"q": "zuid-ehv"}, {"ZUID-EHV"}),
    ],
)
def test_action_filters(api, scenario, params, expected):
    assert codes(api.get("/api/v1/actions/", params)) == expected


@pytest.mark.parametrize(
    ("endpoint", "params", "expected"),
    [
        (
            "regions",
            {"kind": "province,municipality"},
            {"PV27", "PV29", "PV30", "PV31", "GM0772", "GM0392"},
        ),
        ("regions", {"parent": "PV30"}, {"GM0772"}),
        ("regions", {"within": "AG-ZUID"}, {"AG-ZUID", "PV29", "PV30", "PV31", "GM0772"}),
        ("parties", {"kind": "province"}, {"PV27", "PV30", "PV31"}),
        ("parties", {"region": "AG-ZUID"}, {"PV30", "PV31", "BOM"}),
        ("parties", {"q": "bom"}, {"BOM"}),
    ],
)
def test_region_and_party_filters(api, scenario, endpoint, params, expected):
    assert codes(api.get(f"/api/v1/{endpoint}/", params)) == expected


BAD_PARAMS = [
    ("agreements", "theme", "NOPE"),
    ("agreements", "theme", "MIT,NOPE"),
    ("agreements", "scope", "galactic"),
    ("agreements", "status", "approved"),
    ("agreements", "party", "XX"),
    ("agreements", "region", "PV99"),
    ("agreements", "applies_to", "PV99"),
    ("agreements", "agreed_from", "2016-13-45"),
    ("agreements", "agreed_to", "yesterday"),
    ("agreements", "ordering", "password"),
    ("agreements", "q", "x" * 500),
    ("agreements", "q", "nul\x00byte"),
    ("actions", "agreement", "NOPE"),
    ("actions", "theme", "NOPE"),
    ("actions", "owner", "NOPE"),
    ("actions", "party", "NOPE"),
    ("actions", "status", "paused"),
    ("actions", "region", "NOPE"),
    ("actions", "applies_to", "NOPE"),
    ("actions", "overdue", "maybe"),
    ("actions", "due_from", "99999-01-01"),
    ("actions", "due_to", "2016-02-30"),
    ("actions", "updated_since", "not-a-time"),
    ("actions", "ordering", "owner__password"),
    ("actions", "region", "PV30\x00"),
    ("regions", "kind", "galaxy"),
    ("regions", "parent", "NOPE"),
    ("regions", "within", "NOPE"),
    ("parties", "kind", "band"),
    ("parties", "region", "NOPE"),
    ("agreements", "region", ",".join(f"R{i}" for i in range(200))),
    ("actions", "owner", "100%"),
    ("actions", "status", "%s%(x)s"),
]


@pytest.mark.parametrize(("endpoint", "param", "value"), BAD_PARAMS)
def test_bad_filter_values_are_400_naming_the_parameter(api, scenario, endpoint, param, value):
    response = api.get(f"/api/v1/{endpoint}/", {param: value})
    assert response.status_code == 400, response.content
    assert response["Content-Type"].startswith("application/json")
    assert param in response.json()["errors"]


@pytest.mark.parametrize(
    ("path", "expected"),
    [
        ("/api/v1/actions/?page=99999999999999999999999", 404),
        ("/api/v1/actions/?page=abc", 404),
        ("/api/v1/actions/?page_size=abc", 400),
        ("/api/v1/actions/?page_size=%C2%B2", 400),
        ("/api/v1/actions/?page=", 404),
        ("/api/v1/actions/?page_size=99999999999999999999", 200),
        ("/api/v1/actions/99999999999999999999999999/", 404),
        ("/api/v1/actions/-1/", 404),
        ("/api/v1/agreements/" + "x" * 300 + "/", 404),
        ("/api/v1/agreements/%00/", 404),
        ("/api/v1/reviews/99999999999999999999/", 404),
    ],
)
def test_odd_urls_never_give_a_server_error(api, scenario, path, expected):
    assert api.get(path).status_code == expected


def test_page_size_is_capped_at_500(api, scenario):
    body = api.get("/api/v1/regions/", {"page_size": 100000}).json()
    assert body["count"] == len(body["results"])
    body = api.get("/api/v1/regions/", {"page_size": 2}).json()
    assert len(body["results"]) == 2
    assert body["next"]


@pytest.mark.parametrize("how", ["format", "accept"])
def test_csv_holds_the_whole_filtered_list_like_the_json(api, scenario, how):
    params = {"region": "AG-ZUID", "ordering": "id", "page_size": 1}
    if how == "format":
        response = api.get("/api/v1/actions/", {**params, "format": "csv"})
    else:
        response = api.get("/api/v1/actions/", params, HTTP_ACCEPT="text/csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    listed = api.get("/api/v1/actions/", {**params, "page_size": 500}).json()["results"]
    assert next(iter(rows[0])) == "id"
    assert [row["id"] for row in rows] == [str(item["id"]) for item in listed]
    assert [row["owner"] for row in rows] == [item["owner"]["code"] for item in listed]
    assert [row["region"] for row in rows] == [
        (item["region"] or {}).get("code", "") for item in listed
    ]


def test_csv_errors_are_still_json(api, scenario):
    response = api.get("/api/v1/actions/", {"format": "csv", "owner": "NOPE"})
    assert response.status_code == 400
    assert "NOPE" in response.json()["errors"]["owner"][0]


@pytest.mark.parametrize("endpoint", ["agreements", "actions", "regions", "parties"])
def test_list_queries_do_not_grow_with_page_size(
    api, scenario, endpoint, django_assert_max_num_queries
):
    for i in range(30):
        ActionFactory(
            agreement=scenario["agreements"]["EHV"],
            owner=scenario["actions"]["zuid"].owner,
            code=f"BULK-{i}",
        )
    with django_assert_max_num_queries(12) as small:
        assert api.get(f"/api/v1/{endpoint}/", {"page_size": 1}).status_code == 200
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert api.get(f"/api/v1/{endpoint}/", {"page_size": 500}).status_code == 200


def test_healthz_and_docs_are_served_locally(client, db):
    assert client.get("/healthz").status_code == 200
    docs = client.get("/api/v1/docs/")
    assert docs.status_code == 200
    assert b"cdn" not in docs.content.lower()
    schema = client.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "applies_to" in str(paths["/api/v1/actions/"]["get"]["parameters"])
    assert "412" in paths["/api/v1/actions/{id}/"]["patch"]["responses"]


def test_xlsx_holds_the_whole_filtered_list_like_the_json(api, scenario):
    from openpyxl import load_workbook

    params = {"region": "AG-ZUID", "ordering": "id"}
    response = api.get("/api/v1/actions/", {**params, "format": "xlsx"})
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    listed = api.get("/api/v1/actions/", params).json()["results"]
    assert rows[0][0] == "id"
    assert [row[0] for row in rows[1:]] == [item["id"] for item in listed]
    owner = rows[0].index("owner")
    assert [row[owner] for row in rows[1:]] == [item["owner"]["code"] for item in listed]


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_never_write_formulas(api, scenario, fmt):
    """A title a spreadsheet would execute (=HYPERLINK(…)) is exported as text."""
    from openpyxl import load_workbook

    action = scenario["actions"]["zuid"]
    action.title = '=HYPERLINK("http://evil.example","klik")'
    action.save()
    response = api.get("/api/v1/actions/", {"format": fmt, "agreement": "ZUID"})
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        assert "'=HYPERLINK(" in body.decode("utf-8")
    else:
        sheet = load_workbook(io.BytesIO(body)).active
        cells = [c for row in sheet.iter_rows() for c in row if "HYPERLINK" in str(c.value)]
        assert [c.data_type for c in cells] == ["s"]


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/agreements/ZUID/?format=csv",
        "/api/v1/agreements/ZUID/?format=xlsx",
        "/api/v1/agreements/ZUID/history/?format=csv",
        "/api/v1/agreements/?format=yaml",
    ],
)
def test_spreadsheets_are_for_lists_only_and_unknown_formats_are_406(api, scenario, path):
    response = api.get(path)
    assert response.status_code == 406
    assert response.json()["code"] == "not_acceptable"


def test_agreement_csv_flattens_nested_parties_and_regions(api, scenario):
    """Nested lists become codes: regions `AG-ZUID`, parties with their role `PV31:lead`."""
    response = api.get("/api/v1/agreements/", {"format": "csv", "q": "ZUID"})
    text = b"".join(response.streaming_content).decode("utf-8").lstrip("\ufeff")
    (row,) = list(csv.DictReader(io.StringIO(text)))
    assert (row["code"], row["regions"], row["parties"], row["theme"]) == (
        "ZUID",
        "AG-ZUID",
        "PV31:lead",
        "IR",
    )


def test_regions_list_detail_and_kind_filter(client, tree):
    provinces = client.get("/api/v1/regions/", {"kind": "province"}).json()
    assert {r["code"] for r in provinces["results"]} == {"PV27", "PV29", "PV30", "PV31"}
    zeeland = client.get("/api/v1/regions/PV29/").json()
    assert zeeland["parent"] == {"code": "LD03", "name": "West-Nederland"}
    assert zeeland["groups"] == [{"code": "AG-ZUID", "name": "Zuid"}]
    assert client.get("/api/v1/regions/NOPE/").status_code == 404


def test_a_moment_with_a_far_utc_offset_is_no_server_error(api, db):
    """`updated_since` with an offset PostgreSQL refuses (beyond ±15:59) is compared in UTC."""
    response = api.get("/api/v1/parties/", {"updated_since": "5673-03-08T22:42:34.4-22:33"})
    assert response.status_code == 200
    assert response.json()["count"] == 0
