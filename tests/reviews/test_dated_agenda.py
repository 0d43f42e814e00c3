"""The loaded agenda tells, on each day, what was known then: the review pages on the day of
the signing (11 December 2014), of the first progress report (8 June 2015), of the review
(8 June 2016) and on a later day (8 June 2018).

The expected values are written out from the sources (Kamerstuk 29 697 nrs. 18, 20 and 23,
the 2016 progress presentation, shared/reference/domain-facts.md), never read from the
fixtures or the code; a day the sources give only as a month or a year follows the
fixtures' marked assumption (e.g. "31-12-2015 stands for 'in 2015'")."""

import datetime
import re

import pytest

from agenda.models import Membership, Party, Review
from agenda.sheet import AGREEMENT_SHEET
from tests.datasets import load_real_agenda, shared_dataset
from tests.factories import UserFactory
from tests.reviews.conftest import sheet_records

SIGNING = "2014-12-11"
FIRST_REPORT = "2015-06-08"
REVIEW_2016 = "2016-06-08"
LATER = "2018-06-08"

REGION_SPECIFIC_2014 = {
    "MKB-2014-REG-ZUID",
    "MKB-2014-REG-OOST",
    "MKB-2014-REG-NOORD",
    "MKB-2014-REG-ZUIDVLEUGEL",
    "MKB-2014-REG-NOORDVLEUGEL",
}
# Kamerstuk 29 697 nr. 18 and its annex: the agenda signed on 11 December 2014. Its
# region-specific agreements are the five that nr. 20 names.
SIGNED_2014 = {
    "MKB-2014-MIT-01",
    "MKB-2014-DMKB-01",
    "MKB-2014-DMKB-ZUID",
    "MKB-2014-DMKB-OOST",
    "MKB-2014-DMKB-NOORD",
    "MKB-2014-DMKB-ZUIDVLEUGEL",
    "MKB-2014-DMKB-NOORDVLEUGEL",
    "MKB-2014-VFF-01",
    "MKB-2014-IR-01",
    "MKB-2014-SRA-01",
    "MKB-2014-ROM-01",
    *REGION_SPECIFIC_2014,
}
KIC = "MKB-2015-KIC-01"  # the KIC 2016-2017, signed 5 October 2015
# New at the review of 8 June 2016 ("Nieuw: …", "Landsdekkend: ook Noord Holland", "Update van
# afspraken per regio").
NEW_2016 = {
    "MKB-2016-ACT-01",
    "MKB-2016-ROM-01",
    "MKB-2016-NIA-01",
    "MKB-2016-NH-01",
    "MKB-2016-REG-ZUID",
    "MKB-2016-REG-OOST",
    "MKB-2016-REG-NOORD",
    "MKB-2016-REG-ZUIDVLEUGEL",
    "MKB-2016-REG-NOORDVLEUGEL",
}
# Actions agreed at the signing: the MIT opening 2015 and uniform conditions, the focus points
# per landsdeel, the VFF teams, the IR co-financing, the ROM evaluation.
ACTIONS_2014 = {
    "MKB-2014-MIT-01-A1",
    "MKB-2014-MIT-01-A2",
    "MKB-2014-DMKB-ZUID-A1",
    "MKB-2014-DMKB-OOST-A1",
    "MKB-2014-DMKB-NOORD-A1",
    "MKB-2014-DMKB-ZUIDVLEUGEL-A1",
    "MKB-2014-DMKB-NOORDVLEUGEL-A1",
    "MKB-2014-VFF-01-A1",
    "MKB-2014-IR-01-A1",
    "MKB-2014-ROM-01-A1",
}
ACTIVATION = {f"MKB-2016-ACT-01-PV{n}" for n in range(20, 32)}  # one per province, new in 2016
# "Resultaten 2015" (2016 presentation), the MIT 2016 publication (10 March 2016) and the ROM
# evaluation (Ecorys, September 2015 - March 2016): by the review of 8 June 2016 every action
# of the signing was done, and the KIC support and the MIT 2016 publication too.
DONE_BY_2016 = ACTIONS_2014 | {"MKB-2015-KIC-01-A1", "MKB-2014-MIT-01-A3"}
MIT_2017 = "MKB-2014-MIT-01-A4"  # published 16 March 2017, opened 11 April 2017
# The generic (nationwide) agreements the matrix has rows for.
GENERIC_2014 = {
    "MKB-2014-MIT-01",
    "MKB-2014-DMKB-01",
    "MKB-2014-VFF-01",
    "MKB-2014-IR-01",
    "MKB-2014-SRA-01",
    "MKB-2014-ROM-01",
}
GENERIC_2016 = GENERIC_2014 | {KIC, "MKB-2016-ACT-01", "MKB-2016-ROM-01", "MKB-2016-NIA-01"}

# Per day: the agreements by status, the actions by status, the done actions, overdue and
# stalled (open without any change in the 90 days before; no source gives a due date).
EXPECTED = {
    SIGNING: {
        "agreements": dict.fromkeys(SIGNED_2014, "active"),
        "generic": GENERIC_2014,
        "actions": {"planned": 10},
        "done": set(),
        "overdue": 0,
        "stalled": 0,
    },
    FIRST_REPORT: {
        # The five region-specific agreements that nr. 20 names are in force; the ROM
        # evaluation has not started (September 2015), only the MIT 2015 opening (19 May) is
        # done.
        "agreements": dict.fromkeys(SIGNED_2014, "active"),
        "generic": GENERIC_2014,
        "actions": {"done": 1, "planned": 9},
        "done": {"MKB-2014-MIT-01-A1"},
        "overdue": 0,
        "stalled": 9,
    },
    REVIEW_2016: {
        # The review completes the ROM evaluation's agreement, revises the five regional ones
        # and adds the new ones, NIA among them; the KIC runs (2016-2017).
        "agreements": {
            **dict.fromkeys(SIGNED_2014 - REGION_SPECIFIC_2014 - {"MKB-2014-ROM-01"}, "active"),
            **dict.fromkeys(REGION_SPECIFIC_2014, "revised"),
            "MKB-2014-ROM-01": "fulfilled",
            KIC: "active",
            **dict.fromkeys(NEW_2016, "active"),
        },
        "generic": GENERIC_2016,
        "actions": {"done": 12, "planned": 12},
        "done": DONE_BY_2016,
        "overdue": 0,
        "stalled": 0,
    },
    LATER: {
        # Later outcomes: MIT 2017 opened; the KIC ended with 2017; the NIA ran until 2019.
        "agreements": {
            **dict.fromkeys(SIGNED_2014 - REGION_SPECIFIC_2014 - {"MKB-2014-ROM-01"}, "active"),
            **dict.fromkeys(REGION_SPECIFIC_2014, "revised"),
            "MKB-2014-ROM-01": "fulfilled",
            KIC: "ended",
            **dict.fromkeys(NEW_2016, "active"),
        },
        "generic": GENERIC_2016,
        "actions": {"done": 13, "planned": 12},
        "done": DONE_BY_2016 | {MIT_2017},
        "overdue": 0,
        "stalled": 12,
    },
}


def build_agenda_with_a_reader():
    """The real agenda and a reader of the IPO."""
    load_real_agenda()
    reader = UserFactory(username="lezer", is_staff=False)
    Membership.objects.create(user=reader, party=Party.objects.get(code="IPO"), role="viewer")
    return {"reader": reader}


# Built once for the module; each test's writes are rolled back.
dated_agenda_rows, dated_agenda = shared_dataset("dated_agenda", build_agenda_with_a_reader)


@pytest.fixture
def agenda(client, dated_agenda):
    client.force_login(dated_agenda["reader"])
    return client


def listed(client, path, **params):
    response = client.get(path, {**params, "page_size": 500})
    assert response.status_code == 200, response.content[:300]
    return response.context["rows"]


@pytest.mark.parametrize("day", EXPECTED)
def test_the_review_pages_show_what_was_known_on_the_day(agenda, day):
    """On each day the dashboard, the lists and the matrix show the agreements and actions as
    they stood then: which exist, their statuses, which actions were done, overdue, stalled."""
    expected = EXPECTED[day]
    agreements = {a.code: a.status for a in listed(agenda, "/reviews/agreements/", as_of=day)}
    assert agreements == expected["agreements"]
    actions = {a.code: a.status for a in listed(agenda, "/reviews/actions/", as_of=day)}
    by_status = {s: list(actions.values()).count(s) for s in set(actions.values())}
    assert by_status == expected["actions"]
    assert {code for code, status in actions.items() if status == "done"} == expected["done"]
    done = listed(agenda, "/reviews/actions/", as_of=day, status="done")
    assert {a.code for a in done} == expected["done"]
    stalled = listed(agenda, "/reviews/actions/", as_of=day, stalled="true")
    assert len(stalled) == expected["stalled"]

    dashboard = agenda.get("/reviews/", {"as_of": day}).context
    assert dashboard["reference"].day == datetime.date.fromisoformat(day)
    assert dashboard["totals"] == {
        "total": sum(expected["actions"].values()),
        "overdue": expected["overdue"],
        "stalled": expected["stalled"],
    }
    active = sum(1 for status in expected["agreements"].values() if status == "active")
    assert dashboard["active_agreements"] == active
    by_status = {s: dashboard["by_theme"].column_total(s) for s in expected["actions"]}
    assert by_status == expected["actions"]

    matrix = agenda.get("/reviews/matrix/", {"as_of": day}).context
    provinces = matrix["tables"][0][1]
    assert {row["agreement"].code for row in provinces} == expected["generic"]
    # The activation function (2016): one planned action in each of the twelve provinces.
    activation = [r for r in provinces if r["agreement"].code == "MKB-2016-ACT-01"]
    cells = [c["cell"].counts if c["cell"] else None for r in activation for c in r["cells"]]
    if "MKB-2016-ACT-01" in expected["generic"]:
        assert cells == [{"planned": 1}] * 12 + [None]


def test_the_first_progress_report_shows_its_own_agenda(agenda):
    """The report of 8 June 2015 shows the agreements then in force, the five region-specific
    ones its conclusion names among them, ten actions of which only the MIT opening of 19 May
    2015 was done (the ROM evaluation ran from September 2015), and the goals known then."""
    review = Review.objects.get(date=FIRST_REPORT)
    report = agenda.get(f"/reviews/{review.pk}/report/").context
    assert report["day"] == datetime.date(2015, 6, 8)
    assert {a.code for a in report["in_force"]} == SIGNED_2014
    assert {a.code for a in report["in_force"]} >= REGION_SPECIFIC_2014
    assert report["totals"]["total"] == 10
    assert [a.code for a in report["done_since"]] == ["MKB-2014-MIT-01-A1"]
    measured = {
        (goal.code, m.year) for goal, _chart in report["goals"] for m in goal.measurements.all()
    }
    # Only the WEF ranking of the 2014-2015 report (8th) was known; the R&D figure for 2013
    # came with the AO of 29 October 2015, the others with the 2016 presentation.
    assert measured == {("WEF-GCI", 2014)}


def test_the_2016_review_report_shows_the_review_day(agenda):
    """The report of the review of 8 June 2016 shows that day: the KIC and the new NIA in
    force (neither ended), the eleven actions done since the first progress report, and what
    changed: new agreements, and the ended and revised ones."""
    review = Review.objects.get(date=REVIEW_2016)
    report = agenda.get(f"/reviews/{review.pk}/report/").context
    in_force = {a.code: a.status for a in report["in_force"]}
    assert KIC in in_force
    assert "MKB-2016-NIA-01" in in_force
    assert set(in_force) == {
        code for code, status in EXPECTED[REVIEW_2016]["agreements"].items() if status == "active"
    }
    assert {a.code for a in report["done_since"]} == DONE_BY_2016 - {"MKB-2014-MIT-01-A1"}
    changes = report["changes"].agreements
    assert {a.code for a in changes["new"]} == NEW_2016 | {KIC}
    assert {a.code for a in changes["ended"]} == REGION_SPECIFIC_2014 | {"MKB-2014-ROM-01"}
    assert MIT_2017 not in {a.code for a in listed(agenda, "/reviews/actions/", as_of=REVIEW_2016)}


def test_the_trend_counts_each_held_review_on_its_day(agenda):
    """The trend over the held reviews counts the actions as they stood on each review's day:
    1 done and 9 planned at the first progress report, 12 and 12 at the 2016 review."""
    points = agenda.get("/reviews/", {"as_of": LATER}).context["trend"]
    assert [(str(p.review.date), p.by_status) for p in points] == [
        (FIRST_REPORT, {"done": 1, "planned": 9}),
        (REVIEW_2016, {"done": 12, "planned": 12}),
    ]
    assert all(p.reconstructed for p in points)


def test_before_the_signing_there_is_no_agenda(agenda):
    """The day before the signing, nothing of the agenda existed yet."""
    assert listed(agenda, "/reviews/agreements/", as_of="2014-12-10") == []
    assert listed(agenda, "/reviews/actions/", as_of="2014-12-10") == []


def test_an_export_on_a_day_holds_the_money_known_then(agenda):
    """The agreements exported on the day of the 2016 review carry the budget lines known
    then: MIT up to 2016 (the 2017 lines came with the Staatscourant of 16 March 2017), and
    none yet for the NIA (its provinces' share was announced on 23 June 2016)."""
    response = agenda.get("/reviews/agreements/", {"as_of": REVIEW_2016, "export": "csv"})
    assert response.status_code == 200
    rows = {row["code"]: row for row in sheet_records(response, AGREEMENT_SHEET)}
    assert re.findall(r"(?:^|[,;] ?)(20\d\d):", rows["MKB-2014-MIT-01"]["budget_lines"]) == [
        "2014",
        "2015",
        "2016",
        "2016",
    ]
    assert rows["MKB-2016-NIA-01"]["budget_lines"] == ""
