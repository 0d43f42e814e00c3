import csv
import datetime
import io

import pytest

from actions.models import Action
from agenda.models import Agreement
from tests.datasets import build_people
from tests.factories import ActionFactory, AgreementFactory, ThemeFactory

OLD = datetime.datetime(2016, 1, 4, 11, 0, tzinfo=datetime.UTC)


def sheet_records(response, layout):
    """A review list's CSV export (the sheet dialect: headers in the page's language, `;` in
    Dutch) as dicts keyed by the API's field names, for comparing with the API."""
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    delimiter = ";" if ";" in text.partition("\n")[0] else ","
    names = {column.header: column.name for column in layout.columns()}
    return [
        {names[header]: value for header, value in row.items()}
        for row in csv.DictReader(io.StringIO(text), delimiter=delimiter)
    ]


@pytest.fixture
def review_agenda(tree, parties, users):
    return build_review_agenda(tree, parties)


def build_people_and_review_agenda():
    """`build_people` and the review agenda on it: for a module's shared data set
    (tests/datasets.py), with `review_agenda` as one of its parts."""
    people = build_people()
    return {**people, "review_agenda": build_review_agenda(people["tree"], people["parties"])}


def build_review_agenda(tree, parties):
    """Generic and regional agreements with actions in Brabant, Limburg, Noord-Holland and
    nationwide, one overdue, and a draft agreement with an action (only members see it).
    Everything was recorded on 4 January 2016."""
    main = ThemeFactory(code="INNO", name="Innovatie")
    mit = ThemeFactory(code="MIT", name="MIT-regeling", parent=main)
    ir = ThemeFactory(code="IR", name="Investor Relations")
    generic = AgreementFactory(code="GEN", title="Generieke afspraak", theme=mit)
    other_generic = AgreementFactory(code="GEN-IR", title="Investeren", theme=ir)
    brabant = AgreementFactory(
        code="NB-1",
        title="Brabantse afspraak",
        theme=mit,
        scope="regional",
        regions=[tree["PV30"]],
        parties=[(parties["PV30"], "lead")],
    )
    holland = AgreementFactory(
        code="NH-1",
        theme=ir,
        scope="regional",
        regions=[tree["PV27"]],
        parties=[(parties["PV27"], "lead")],
    )
    draft = AgreementFactory(code="CONCEPT-1", title="Geheim concept", theme=mit, status="draft")
    actions = {
        "nb": ActionFactory(
            code="A-NB", agreement=generic, owner=parties["PV30"], region=tree["PV30"]
        ),
        "li": ActionFactory(
            code="A-LI",
            agreement=generic,
            owner=parties["PV31"],
            region=tree["PV31"],
            status="in_progress",
        ),
        "ehv": ActionFactory(
            code="A-EHV",
            agreement=generic,
            owner=parties["BOM"],
            region=tree["GM0772"],
            status="at_risk",
            due_date=datetime.date(2015, 12, 1),
        ),
        "nat": ActionFactory(
            code="A-NAT",
            agreement=generic,
            owner=parties["EZ"],
            status="done",
            progress=100,
            completed_on=datetime.date(2015, 11, 1),
        ),
        "ir": ActionFactory(
            code="A-IR", agreement=other_generic, owner=parties["PV27"], region=tree["PV27"]
        ),
        "nb_reg": ActionFactory(code="A-NB-REG", agreement=brabant, owner=parties["BOM"]),
        "nh": ActionFactory(code="A-NH", agreement=holland, owner=parties["PV27"]),
        "draft": ActionFactory(
            code="A-CONCEPT",
            title="Geheime actie",
            agreement=draft,
            owner=parties["PV30"],
            region=tree["PV30"],
        ),
    }
    backdate()
    return {
        "generic": generic,
        "brabant": brabant,
        "holland": holland,
        "draft": draft,
        "actions": actions,
    }


def backdate(moment=OLD):
    """Everything so far was recorded (and last changed) at `moment`."""
    for model in (Action, Agreement):
        model.history.all().update(history_date=moment, created_at=moment, updated_at=moment)
        model.objects.all().update(created_at=moment, updated_at=moment)


@pytest.fixture
def review(review_agenda):
    """A review being prepared (5 January 2016), after a held one (8 June 2015)."""
    from tests.factories import ReviewFactory

    ReviewFactory(date="2015-06-08", title="Eerste herijking", status="held")
    return ReviewFactory(date="2016-01-05", title="Tweede herijking")
