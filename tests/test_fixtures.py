"""The shipped fixtures load on an empty migrated database (twice, idempotently) and hold
what they claim, traceable to shared/reference."""

from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import call_command

from actions.models import Action
from agenda.models import Agreement, BudgetLine, Goal, Party, Review, Theme
from regions.models import Region

FIXTURES = sorted(str(p) for p in (Path(__file__).parent.parent / "fixtures").glob("*.json"))
DESIGN_THEMES = {"MIT", "DMKB", "VFF", "IR", "SRA", "REG", "KIC", "ACT", "ROM", "NIA"}


@pytest.fixture
def loaded(db):
    call_command("loaddata", *FIXTURES, verbosity=0)


def count(model, **filters):
    return model.objects.filter(**filters).count()


def test_fixtures_load_twice_without_duplicates(loaded):
    before = [m.objects.count() for m in (Region, Party, Theme, Agreement, Action, BudgetLine)]
    call_command("loaddata", *FIXTURES, verbosity=0)
    after = [m.objects.count() for m in (Region, Party, Theme, Agreement, Action, BudgetLine)]
    assert before == after


def test_reference_regions(loaded):
    assert count(Region, kind="province") == 12
    assert count(Region, kind="landsdeel") == 4
    assert count(Region, kind="agenda_region") == 5
    zeeland = Region.objects.get(code="PV29")
    assert (zeeland.iso_code, zeeland.parent.code) == ("NL-ZE", "LD03")
    above = set(Region.objects.above(zeeland).values_list("code", flat=True))
    assert {"LD03", "AG-ZUID", "NL"} <= above
    flevoland = set(
        Region.objects.above(Region.objects.get(code="PV24")).values_list("code", flat=True)
    )
    assert {"LD02", "AG-NOORDVLEUGEL"} <= flevoland
    eindhoven = Region.objects.get(code="brainport-eindhoven")
    assert "AG-ZUID" in set(Region.objects.above(eindhoven).values_list("code", flat=True))


def test_reference_parties(loaded):
    assert count(Party, kind="topsector") == 9
    assert count(Party, kind="province") == 12
    assert count(Party, kind="ministry") == 1
    for code in ["EZ", "IPO", "MKBNL", "NFIA", "RVO", "KVK", "G32", "NIA", "NOM", "BOM", "IQ"]:
        assert Party.objects.filter(code=code).exists(), code
    assert set(Party.objects.get(code="NOM").regions.values_list("code", flat=True)) == {
        "PV20",
        "PV21",
        "PV22",
    }


def test_every_design_theme_has_an_agreement(loaded):
    assert set(Theme.objects.values_list("code", flat=True)) >= DESIGN_THEMES
    for code in DESIGN_THEMES:
        assert count(Agreement, theme__code=code) >= 1, code
    assert Theme.objects.get(code="MIT").parent.code == "INNOVATIESTIMULERING"


def test_agreements_keep_their_invariants_and_sources(loaded):
    for agreement in Agreement.objects.prefetch_related("regions"):
        has_regions = agreement.regions.exists()
        assert has_regions == (agreement.scope == "regional"), agreement.code
        assert agreement.source, agreement.code
        assert agreement.party_links.exists(), agreement.code
    assert all(line.source for line in BudgetLine.objects.all())


def test_mit_budgets_match_the_sources(loaded):
    """MIT: € 32 mln in 2014 and € 50 mln in 2015 (Kamerstuk 29 697 nr. 20)."""
    totals = {}
    for line in BudgetLine.objects.filter(agreement__code="MKB-2014-MIT-01"):
        totals[line.year] = totals.get(line.year, 0) + line.amount
    assert totals[2014] == Decimal("32000000")
    assert totals[2015] == Decimal("50000000")
    assert totals[2016] == Decimal("55000000")


def test_actions_reviews_and_goals(loaded):
    assert count(Action) >= 30
    assert count(Action, status="done") >= 5
    opening = Action.objects.get(code="MKB-2014-MIT-01-A1")
    assert str(opening.completed_on) == "2015-05-19"
    review = Review.objects.get(date="2016-06-08")
    assert review.status == "held"
    assert "Noord-Holland" in review.conclusion
    assert review.decisions.filter(decision="new").count() == 4
    wef = Goal.objects.get(code="WEF-GCI")
    assert wef.lower_is_better
    # The seed labels the 5th place "2014"; it is the 2015-2016 report (domain-facts §0).
    assert wef.measurements.get(value=5).year == 2015
