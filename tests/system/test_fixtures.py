"""The shipped fixtures load on an empty migrated database (twice, idempotently) and hold
the agenda, traceable to shared/reference: each record as it stands, and its dated states
(fixtures/07_dated_states.json) from the signing of 11 December 2014 through the review of
8 June 2016 to the later outcomes (what the review pages show on each day:
tests/reviews/test_dated_agenda.py).

The expected values below are written out from the sources (Kamerstuk 29 697 nrs. 18, 20
and 23, the 2016 progress presentation, domain-facts.md §9), never read from the fixtures.
A value that no source states is kept only with an `Aanname:` sentence in its `source` (for
review decisions, which have no source, in the `note`)."""

import json
import re
from collections import Counter
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.core.management import call_command
from django.utils import timezone

from actions.models import Action
from agenda.models import (
    Agreement,
    AgreementParty,
    BudgetLine,
    Goal,
    GoalMeasurement,
    Party,
    Review,
    ReviewDecision,
    Theme,
)
from regions.models import Region
from tests.datasets import load_real_agenda, shared_dataset
from tests.paths import FIXTURE_DIR, FIXTURES, ROOT

DESIGN_THEMES = {"MIT", "DMKB", "VFF", "IR", "SRA", "REG", "KIC", "ACT", "ROM", "NIA"}
AMSTERDAM = ZoneInfo("Europe/Amsterdam")
REVIEW_2016 = date(2016, 6, 8)
ASSUMPTION = re.compile(r"(?:^|[.;:!?)]\s+)Aanname: \S")
SEED_ONLY = "Aanname: alleen in de voortgangspresentatie 2016, niet geverifieerd."

# Kamerstuk 29 697 nr. 20: "Voor de volgende vijf landsdelen zijn regiospecifieke afspraken
# geformuleerd". Leads are the landsdeel's provinces; Noord-Holland's role in 2014-2015 is not
# in the sources, so it has none here (marked as an assumption); participants the ROMs in
# which EZ was a shareholder in 2014-2016 (domain-facts §3).
REGION_SPECIFIC_2014 = {
    "MKB-2014-REG-ZUID": ("AG-ZUID", {"PV30", "PV31", "PV29"}, {"BOM", "LIOF"}),
    "MKB-2014-REG-OOST": ("AG-OOST", {"PV25", "PV23"}, {"OOSTNL"}),
    "MKB-2014-REG-NOORD": ("AG-NOORD", {"PV20", "PV21", "PV22"}, {"NOM"}),
    "MKB-2014-REG-ZUIDVLEUGEL": ("AG-ZUIDVLEUGEL", {"PV28"}, {"IQ"}),
    "MKB-2014-REG-NOORDVLEUGEL": ("AG-NOORDVLEUGEL", {"PV26", "PV24"}, set()),
}
AGENDA_REGION_PROVINCES = {
    "AG-ZUID": {"PV30", "PV31", "PV29"},
    "AG-OOST": {"PV25", "PV23"},
    "AG-NOORD": {"PV20", "PV21", "PV22"},
    "AG-ZUIDVLEUGEL": {"PV28"},
    "AG-NOORDVLEUGEL": {"PV27", "PV26", "PV24"},
}

GENERIC_AGREEMENTS = {
    "MKB-2014-MIT-01",
    "MKB-2014-DMKB-01",
    "MKB-2014-VFF-01",
    "MKB-2014-IR-01",
    "MKB-2014-SRA-01",
    "MKB-2014-ROM-01",
    "MKB-2015-KIC-01",
    "MKB-2016-ACT-01",
    "MKB-2016-ROM-01",
    "MKB-2016-NIA-01",
}
# What applies at each province besides the generic agreements: its landsdeel's service plan
# and region-specific agreements (2014, and their 2016 update), and Noord-Holland's own entry.
# The 2014 Noordvleugel agreements are the landsdeel's (nr. 20 lists Noord-Holland first in
# it), so they apply there, whatever Noord-Holland's unknown role in them.
REGIONAL_AGREEMENTS = {
    "PV20": {"MKB-2014-DMKB-NOORD", "MKB-2014-REG-NOORD", "MKB-2016-REG-NOORD"},
    "PV21": {"MKB-2014-DMKB-NOORD", "MKB-2014-REG-NOORD", "MKB-2016-REG-NOORD"},
    "PV22": {"MKB-2014-DMKB-NOORD", "MKB-2014-REG-NOORD", "MKB-2016-REG-NOORD"},
    "PV23": {"MKB-2014-DMKB-OOST", "MKB-2014-REG-OOST", "MKB-2016-REG-OOST"},
    "PV25": {"MKB-2014-DMKB-OOST", "MKB-2014-REG-OOST", "MKB-2016-REG-OOST"},
    "PV24": {
        "MKB-2014-DMKB-NOORDVLEUGEL",
        "MKB-2014-REG-NOORDVLEUGEL",
        "MKB-2016-REG-NOORDVLEUGEL",
    },
    "PV26": {
        "MKB-2014-DMKB-NOORDVLEUGEL",
        "MKB-2014-REG-NOORDVLEUGEL",
        "MKB-2016-REG-NOORDVLEUGEL",
    },
    "PV27": {
        "MKB-2014-DMKB-NOORDVLEUGEL",
        "MKB-2014-REG-NOORDVLEUGEL",
        "MKB-2016-REG-NOORDVLEUGEL",
        "MKB-2016-NH-01",
    },
    "PV28": {"MKB-2014-DMKB-ZUIDVLEUGEL", "MKB-2014-REG-ZUIDVLEUGEL", "MKB-2016-REG-ZUIDVLEUGEL"},
    "PV29": {"MKB-2014-DMKB-ZUID", "MKB-2014-REG-ZUID", "MKB-2016-REG-ZUID"},
    "PV30": {"MKB-2014-DMKB-ZUID", "MKB-2014-REG-ZUID", "MKB-2016-REG-ZUID"},
    "PV31": {"MKB-2014-DMKB-ZUID", "MKB-2014-REG-ZUID", "MKB-2016-REG-ZUID"},
}
GENERIC_ACTIONS = {
    "MKB-2014-MIT-01-A1",
    "MKB-2014-MIT-01-A2",
    "MKB-2014-MIT-01-A3",
    "MKB-2014-MIT-01-A4",
    "MKB-2014-VFF-01-A1",
    "MKB-2014-IR-01-A1",
    "MKB-2015-KIC-01-A1",
    "MKB-2014-ROM-01-A1",
}
# Per province: the landsdeel's 2015 focus points ("per landsdeel speerpunten") and the
# province's own action under the 2016 activation function, never a neighbour's.
REGIONAL_ACTIONS = {
    "PV20": {"MKB-2014-DMKB-NOORD-A1", "MKB-2016-ACT-01-PV20"},
    "PV21": {"MKB-2014-DMKB-NOORD-A1", "MKB-2016-ACT-01-PV21"},
    "PV22": {"MKB-2014-DMKB-NOORD-A1", "MKB-2016-ACT-01-PV22"},
    "PV23": {"MKB-2014-DMKB-OOST-A1", "MKB-2016-ACT-01-PV23"},
    "PV24": {"MKB-2014-DMKB-NOORDVLEUGEL-A1", "MKB-2016-ACT-01-PV24"},
    "PV25": {"MKB-2014-DMKB-OOST-A1", "MKB-2016-ACT-01-PV25"},
    "PV26": {"MKB-2014-DMKB-NOORDVLEUGEL-A1", "MKB-2016-ACT-01-PV26"},
    "PV27": {"MKB-2014-DMKB-NOORDVLEUGEL-A1", "MKB-2016-ACT-01-PV27"},
    "PV28": {"MKB-2014-DMKB-ZUIDVLEUGEL-A1", "MKB-2016-ACT-01-PV28"},
    "PV29": {"MKB-2014-DMKB-ZUID-A1", "MKB-2016-ACT-01-PV29"},
    "PV30": {"MKB-2014-DMKB-ZUID-A1", "MKB-2016-ACT-01-PV30"},
    "PV31": {"MKB-2014-DMKB-ZUID-A1", "MKB-2016-ACT-01-PV31"},
}

# Every object that keeps a value no source states, written out by hand.
ASSUMED_AGREEMENTS = {
    "MKB-2014-VFF-01",  # which ROMs took part
    "MKB-2014-DMKB-NOORDVLEUGEL",  # leads without Noord-Holland in 2014-2015
    "MKB-2014-REG-NOORDVLEUGEL",
    "MKB-2015-KIC-01",  # the reading of "steun provincies (én G32)"
    "MKB-2016-ACT-01",  # roles
    "MKB-2016-ROM-01",  # roles
    "MKB-2016-NIA-01",  # ends with the NIA
    "MKB-2016-NH-01",  # roles
    "MKB-2016-REG-ZUID",  # the update as a new version, its status
    "MKB-2016-REG-OOST",
    "MKB-2016-REG-NOORD",
    "MKB-2016-REG-ZUIDVLEUGEL",
    "MKB-2016-REG-NOORDVLEUGEL",
}
ASSUMED_ACTIONS = {
    "MKB-2014-MIT-01-A1",  # the number of participants has no named document
    "MKB-2014-MIT-01-A2",  # "in 2015" as 31-12-2015
    "MKB-2014-DMKB-NOORD-A1",  # owner among the landsdeel's provinces, date
    "MKB-2014-DMKB-OOST-A1",
    "MKB-2014-DMKB-ZUID-A1",
    "MKB-2014-DMKB-ZUIDVLEUGEL-A1",  # date
    "MKB-2014-DMKB-NOORDVLEUGEL-A1",
    "MKB-2014-VFF-01-A1",  # owner, contributors, date
    "MKB-2014-IR-01-A1",  # seed only, date
    "MKB-2015-KIC-01-A1",  # reading, date
    "MKB-2014-ROM-01-A1",  # days within the known months
    *(f"MKB-2016-ACT-01-PV{n}" for n in range(20, 32)),  # one action per province
}
ASSUMED_BUDGET_LINES = {
    ("MKB-2014-MIT-01", 2016, "IPO"),  # the regions' share booked on the IPO
    ("MKB-2014-MIT-01", 2017, "IPO"),  # derived: total minus the Rijk
    ("MKB-2014-IR-01", 2015, "NFIA"),  # seed only
    ("MKB-2016-NIA-01", 2016, "IPO"),  # "de komende 2 jaar" read as 2016-2017
    ("MKB-2016-NIA-01", 2017, "IPO"),
}
ASSUMED_DECISIONS = {
    # "Verstevigen en verdiepen" read as "continue" per agreement.
    "MKB-2014-MIT-01",
    "MKB-2014-DMKB-01",
    "MKB-2014-VFF-01",
    "MKB-2014-IR-01",
    "MKB-2014-SRA-01",
    "MKB-2015-KIC-01",
    "MKB-2014-DMKB-NOORD",
    "MKB-2014-DMKB-OOST",
    "MKB-2014-DMKB-ZUID",
    "MKB-2014-DMKB-ZUIDVLEUGEL",
    "MKB-2014-DMKB-NOORDVLEUGEL",
    "MKB-2014-ROM-01",  # "complete"
}
ASSUMED_MEASUREMENTS = {("PPS-INNOVATIE", 2014)}  # seed only
SEED_ONLY_OBJECTS = {
    ("budget", "MKB-2014-IR-01"),
    ("action", "MKB-2014-IR-01-A1"),
    ("measurement", "PPS-INNOVATIE"),
}


# The real agenda, loaded once for the module (each test's writes are rolled back).
loaded_rows, loaded = shared_dataset("loaded", load_real_agenda)


def count(model, **filters):
    return model.objects.filter(**filters).count()


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def codes_of(queryset, field):
    return set(queryset.values_list(field, flat=True))


def marked(text):
    return bool(ASSUMPTION.search(text))


def test_fixtures_load_twice_without_duplicates(loaded):
    """Loading the fixtures again changes nothing: every record has a natural key."""
    models = (
        Region,
        Party,
        Theme,
        Agreement,
        AgreementParty,
        Action,
        BudgetLine,
        Review,
        ReviewDecision,
        Goal,
        GoalMeasurement,
    )
    before = [m.objects.count() for m in models]
    call_command("loaddata", *FIXTURES, verbosity=0)
    assert [m.objects.count() for m in models] == before


def test_reference_regions(loaded):
    """The CBS tree and the agenda's five regions, which are not the CBS landsdelen:
    Zeeland is West-Nederland and Zuid, Flevoland Oost-Nederland and Noordvleugel."""
    assert count(Region, kind="province") == 12
    assert count(Region, kind="landsdeel") == 4
    assert count(Region, kind="agenda_region") == 5
    zeeland = Region.objects.get(code="PV29")
    assert (zeeland.iso_code, zeeland.parent.code) == ("NL-ZE", "LD03")
    above = codes(Region.objects.above(zeeland))
    assert {"LD03", "AG-ZUID", "NL"} <= above
    assert {"LD02", "AG-NOORDVLEUGEL"} <= codes(
        Region.objects.above(Region.objects.get(code="PV24"))
    )
    eindhoven = Region.objects.get(code="brainport-eindhoven")
    assert "AG-ZUID" in codes(Region.objects.above(eindhoven))
    for agenda_region, provinces in AGENDA_REGION_PROVINCES.items():
        inside = Region.objects.within(Region.objects.get(code=agenda_region))
        assert codes(inside.filter(kind="province")) == provinces, agenda_region


def test_reference_parties(loaded):
    """The ministry, twelve provinces, nine topsectors, the agencies and the ROMs."""
    assert count(Party, kind="topsector") == 9
    assert count(Party, kind="province") == 12
    assert count(Party, kind="ministry") == 1
    for code in ["EZ", "IPO", "MKBNL", "NFIA", "RVO", "KVK", "G32", "NIA", "NOM", "BOM", "IQ"]:
        assert Party.objects.filter(code=code).exists(), code
    assert codes(Party.objects.get(code="NOM").regions) == {"PV20", "PV21", "PV22"}


def test_roms_that_came_later_keep_their_start_and_have_no_2014_2016_role(loaded):
    """Horizon Flevoland (2019), ROM Utrecht Region (c. 2020) and InWest (2021) did not exist
    in 2014-2016, and Impuls Zeeland was no EZ ROM then (domain-facts §3, §9)."""
    starts = {"HORIZON": 2019, "ROMUTR": 2020, "INWEST": 2021}
    for code, year in starts.items():
        assert Party.objects.get(code=code).created_at.year == year, code
    later = ["HORIZON", "ROMUTR", "INWEST", "IMPULS"]
    assert not AgreementParty.objects.filter(party__code__in=later).exists()
    assert not Action.objects.filter(owner__code__in=later).exists()
    assert not Action.objects.filter(contributors__code__in=later).exists()


def test_every_design_theme_has_an_agreement_and_the_names_users_know(loaded):
    """Every theme of the design has an agreement; themes carry the names officials use."""
    assert set(Theme.objects.values_list("code", flat=True)) >= DESIGN_THEMES
    for code in DESIGN_THEMES:
        assert count(Agreement, theme__code=code) >= 1, code
    assert Theme.objects.get(code="MIT").parent.code == "INNOVATIESTIMULERING"
    assert Theme.objects.get(code="VFF").name == "Vroegefasefinanciering (VFF)"
    assert Theme.objects.get(code="REG").name == "Regiospecifieke afspraken"


def test_titles_use_names_not_codes(loaded):
    """Titles name regions and ROMs ("Oost", "InnovationQuarter"), not codes ("regio
    OOSTNL"); running text writes "mkb", not "MKB" (names such as "MKB-innovatiestimulering"
    aside)."""
    rom_codes = {"NOM", "OOSTNL", "BOM", "LIOF", "IQ", "IMPULS", "HORIZON", "ROMUTR", "INWEST"}
    shouting = re.compile(r"\bMKB\b(?!-)")
    texts = [(a.code, a.title, a.description) for a in Agreement.objects.all()]
    texts += [(a.code, a.title, a.description) for a in Action.objects.all()]
    for code, title, description in texts:
        words = set(re.findall(r"[A-Z0-9-]+", title))
        assert not words & rom_codes, (code, title)
        assert not re.search(r"\b(PV\d\d|AG-[A-Z]+|regio [A-Z]{3,})\b", title), (code, title)
        assert not shouting.search(title), (code, title)
        assert not shouting.search(description), (code, description)
        assert "Vroege Fase Financiering" not in title, code


def test_agreements_keep_their_invariants(loaded):
    """Regional agreements have regions and generic ones none; every agreement has parties;
    the agreements are exactly the generic and region-specific ones listed above."""
    for agreement in Agreement.objects.prefetch_related("regions"):
        has_regions = agreement.regions.exists()
        assert has_regions == (agreement.scope == "regional"), agreement.code
        assert agreement.party_links.exists(), agreement.code
    assert set(Agreement.objects.values_list("code", flat=True)) == (
        GENERIC_AGREEMENTS | set().union(*REGIONAL_AGREEMENTS.values())
    )


def test_five_region_specific_agreements_per_landsdeel(loaded):
    """One 2014 agreement per landsdeel (not per ROM), with the landsdeel's provinces as leads,
    its ROM(s) and EZ as participants, and a description that says its content is unknown."""
    regional_2014 = Agreement.objects.filter(theme__code="REG", agreed_on__year=2014)
    assert codes(regional_2014) == set(REGION_SPECIFIC_2014)
    for code, (agenda_region, leads, roms) in REGION_SPECIFIC_2014.items():
        agreement = Agreement.objects.get(code=code)
        assert codes(agreement.regions) == {agenda_region}, code
        roles = set(agreement.party_links.values_list("party__code", "role"))
        expected = {(p, "lead") for p in leads} | {(r, "participant") for r in roms}
        assert roles == expected | {("EZ", "participant")}, code
        assert agreement.title.startswith("Regiospecifieke afspraken "), code
        assert "staat niet in de geraadpleegde bronnen" in agreement.description, code
    old_per_rom = ["MKB-2014-REG-NOM", "MKB-2014-REG-OOSTNL", "MKB-2014-REG-BOM"]
    assert not Agreement.objects.filter(code__in=old_per_rom).exists()


def test_review_2016_adjusts_the_regional_agreements_by_a_superseding_version(loaded):
    """The 2016 review's "Update van afspraken per regio": each 2014 region-specific agreement
    has the decision `adjust`, the status `revised`, and one 2016 version that supersedes it,
    for the same landsdeel. Noord-Holland leads the 2016 Noordvleugel version (it joined in
    2016)."""
    review = Review.objects.get(date=REVIEW_2016)
    adjusted = {d.agreement.code for d in review.decisions.filter(decision="adjust")}
    assert adjusted == set(REGION_SPECIFIC_2014)
    assert codes(Agreement.objects.filter(status="revised")) == set(REGION_SPECIFIC_2014)
    for code, (agenda_region, leads, _roms) in REGION_SPECIFIC_2014.items():
        (successor,) = Agreement.objects.get(code=code).superseded_by.all()
        assert successor.code == code.replace("2014", "2016"), code
        assert (successor.agreed_on, successor.status) == (REVIEW_2016, "active"), code
        assert codes(successor.regions) == {agenda_region}, code
        successor_leads = codes_of(successor.party_links.filter(role="lead"), "party__code")
        assert successor_leads == leads | ({"PV27"} if code.endswith("NOORDVLEUGEL") else set())
    assert set(
        Agreement.objects.filter(supersedes__isnull=False).values_list("code", flat=True)
    ) == {code.replace("2014", "2016") for code in REGION_SPECIFIC_2014}
    new = {d.agreement.code for d in review.decisions.filter(decision="new")}
    assert new == {"MKB-2016-ACT-01", "MKB-2016-ROM-01", "MKB-2016-NIA-01", "MKB-2016-NH-01"}


def test_noord_holland_2014_2015_role_is_unknown_and_marked(loaded):
    """Kamerstuk 29 697 nr. 20 names Noord-Holland first for the Noordvleugel, and the 2016
    presentation calls "Landsdekkend: ook Noord Holland" new; what Noord-Holland did in
    2014-2015 is in no source. So it has no party link, action or budget line before 2016 (the
    unknown stays empty), the Noordvleugel texts say its role is unknown, and leaving it out is
    marked as an assumption. Its 2016 entry and MIT money of 2016 and 2017 stay."""
    before_2016 = Agreement.objects.filter(created_at__lt=datetime(2016, 1, 1, tzinfo=AMSTERDAM))
    assert not AgreementParty.objects.filter(party__code="PV27", agreement__in=before_2016).exists()
    assert not Action.objects.filter(owner__code="PV27", agreement__in=before_2016).exists()
    assert not Action.objects.filter(contributors__code="PV27", agreement__in=before_2016).exists()
    assert not BudgetLine.objects.filter(party__code="PV27", year__lt=2016).exists()
    for code in ("MKB-2014-DMKB-NOORDVLEUGEL", "MKB-2014-REG-NOORDVLEUGEL"):
        agreement = Agreement.objects.get(code=code)
        assert "noemt Noord-Holland als eerste provincie van de Noordvleugel" in (
            agreement.description
        ), code
        assert "staat niet in de bronnen" in agreement.description, code
        assert "geen rol" not in agreement.description, code
        assert marked(agreement.source), code
    owner_note = Action.objects.get(code="MKB-2014-DMKB-NOORDVLEUGEL-A1").source
    assert "Kamerstuk 29 697 nr. 20 noemt Noord-Holland eerst" in owner_note
    entry = Agreement.objects.get(code="MKB-2016-NH-01")
    assert entry.party_links.get(party__code="PV27").role == "lead"
    money = {
        (line.year, line.amount)
        for line in BudgetLine.objects.filter(agreement=entry, party__code="PV27")
    }
    assert money == {(2016, Decimal("1000000")), (2017, Decimal("2000000"))}


def test_mit_budgets_match_the_sources(loaded):
    """MIT: € 32 mln in 2014 and € 50 mln in 2015, split unknown, so no party (Kamerstuk
    29 697 nr. 20); 2016 € 35 mln Rijk + € 20 mln regions (IPO, 29 Jan 2016); 2017 € 55.75 mln
    of which € 35 mln Rijk (press, March 2017; Stcrt. 2017, 15825)."""
    lines = BudgetLine.objects.filter(agreement__code="MKB-2014-MIT-01")
    by_year = {}
    for line in lines:
        by_year.setdefault(line.year, {})[line.party.code if line.party else None] = line.amount
    assert by_year == {
        2014: {None: Decimal("32000000")},
        2015: {None: Decimal("50000000")},
        2016: {"EZ": Decimal("35000000"), "IPO": Decimal("20000000")},
        2017: {"EZ": Decimal("35000000"), "IPO": Decimal("20750000")},
    }
    assert "niet bekend" in lines.get(year=2014).source


def test_mit_openings_are_opening_dates(loaded):
    """MIT 2015 opened 19 May 2015, MIT 2017 on 11 April 2017; 16 March 2017 is the date of
    publication in the Staatscourant, as is 10 March 2016, and is named so."""
    assert Action.objects.get(code="MKB-2014-MIT-01-A1").completed_on == date(2015, 5, 19)
    assert Action.objects.get(code="MKB-2014-MIT-01-A4").completed_on == date(2017, 4, 11)
    assert not Action.objects.filter(completed_on=date(2017, 3, 16)).exists()
    publication_2016 = Action.objects.get(code="MKB-2014-MIT-01-A3")
    assert publication_2016.completed_on == date(2016, 3, 10)
    assert "gepubliceerd in de Staatscourant" in publication_2016.title


def test_kic_support_is_the_provinces_and_g32_marked_as_a_reading(loaded):
    """The seed's "KIC 2016-2017: steun provincies (én G32) bij uitvoering KIC" is read as: the
    provinces (IPO) and the G32 support carrying out the KIC; the reading is marked."""
    kic = Agreement.objects.get(code="MKB-2015-KIC-01")
    roles = set(kic.party_links.values_list("party__code", "role"))
    assert roles == {("IPO", "lead"), ("G32", "lead"), ("EZ", "participant")}
    assert marked(kic.source)
    assert (kic.valid_from, kic.valid_until) == (date(2016, 1, 1), date(2017, 12, 31))
    assert Action.objects.get(code="MKB-2015-KIC-01-A1").owner.code == "IPO"


def test_investor_relations_cofinanciers_are_not_named(loaded):
    """The seed counts six co-financiers but names none: no party is booked as one."""
    ir = Agreement.objects.get(code="MKB-2014-IR-01")
    assert set(ir.party_links.values_list("party__code", "role")) == {
        ("EZ", "signatory"),
        ("IPO", "signatory"),
        ("MKBNL", "signatory"),
        ("NFIA", "lead"),
    }
    assert not AgreementParty.objects.filter(role="co_financier", agreement=ir).exists()
    assert not Action.objects.filter(agreement=ir, contributors__isnull=False).exists()
    assert "zes" in ir.description


def test_rom_evaluation_belongs_to_the_2014_agenda(loaded):
    """The ROM evaluation was a topic of the 2014 agenda, commissioned by the minister of EZ
    ("in mijn opdracht", Kamerstuk 29 697 nr. 23) and carried out by Ecorys from September
    2015 to March 2016; EZ leads it on that source, not on an assumption. The 2016 joint
    commissioning is new."""
    evaluation = Action.objects.get(code="MKB-2014-ROM-01-A1")
    agreement = evaluation.agreement
    assert agreement.agreed_on == date(2014, 12, 11)
    assert agreement.status == "fulfilled"
    assert (evaluation.start_date, evaluation.completed_on) == (date(2015, 9, 1), date(2016, 3, 31))
    for text in (agreement.source, evaluation.source):
        assert "Kamerstuk 29 697 nr. 23" in text
        assert "in mijn opdracht" in text
        assert "minister van EZ" in text
    assert "in opdracht van de minister van EZ" in agreement.description
    assert not marked(agreement.source)
    assert agreement.party_links.get(role="lead").party.code == "EZ"
    assert evaluation.owner.code == "EZ"
    assert not Action.objects.filter(agreement__code="MKB-2016-ROM-01").exists()


def test_every_assumed_value_carries_the_mark(loaded):
    """Exactly the objects listed above carry an `Aanname:` sentence; seed-only figures say so
    in one wording."""
    assert {a.code for a in Agreement.objects.all() if marked(a.source)} == ASSUMED_AGREEMENTS
    assert {a.code for a in Action.objects.all() if marked(a.source)} == ASSUMED_ACTIONS
    assert {
        (b.agreement.code, b.year, b.party.code if b.party else None)
        for b in BudgetLine.objects.select_related("agreement", "party")
        if marked(b.source)
    } == ASSUMED_BUDGET_LINES
    assert {
        d.agreement.code
        for d in ReviewDecision.objects.select_related("agreement")
        if marked(d.note)
    } == ASSUMED_DECISIONS
    assert {
        (m.goal.code, m.year)
        for m in GoalMeasurement.objects.select_related("goal")
        if marked(m.source)
    } == ASSUMED_MEASUREMENTS
    assert not [r for r in Review.objects.all() if marked(r.source)]
    assert not [g for g in Goal.objects.all() if marked(g.source)]
    seed_only = {
        ("budget", b.agreement.code) for b in BudgetLine.objects.all() if SEED_ONLY in b.source
    }
    seed_only |= {("action", a.code) for a in Action.objects.all() if SEED_ONLY in a.source}
    seed_only |= {
        ("measurement", m.goal.code) for m in GoalMeasurement.objects.all() if SEED_ONLY in m.source
    }
    assert seed_only == SEED_ONLY_OBJECTS
    every_source = _sources()
    assert all(SEED_ONLY in text for text in every_source if "niet geverifieerd" in text)


def test_no_action_is_overdue_today_and_no_progress_is_guessed(loaded):
    """No source gives a due date, and none says an action was late: nothing is overdue on
    today's date. Progress is 100 for done actions and 0 (unknown) otherwise, never a guess."""
    late_by_source = set()
    assert codes(Action.objects.overdue(timezone.localdate())) == late_by_source
    assert not Action.objects.filter(due_date__isnull=False).exists()
    for action in Action.objects.all():
        assert action.progress == (100 if action.status == "done" else 0), action.code
    open_actions = codes(Action.objects.exclude(status="done"))
    assert open_actions == {f"MKB-2016-ACT-01-PV{n}" for n in range(20, 32)}


def test_applies_to_returns_each_province_its_own_agenda(loaded):
    """applies_to=<province>: the generic agreements plus its landsdeel's, and the generic
    actions plus its landsdeel's and its own; never another province's action."""
    for code, regional in REGIONAL_AGREEMENTS.items():
        province = Region.objects.get(code=code)
        assert codes(Agreement.objects.applies_to(province)) == GENERIC_AGREEMENTS | regional, code
        assert (
            codes(Action.objects.applies_to(province)) == GENERIC_ACTIONS | REGIONAL_ACTIONS[code]
        ), code


def test_per_province_actions_carry_their_province(loaded):
    """Each province's action under the 2016 activation function has that province as its
    region, so that it applies there and nowhere else."""
    for action in Action.objects.filter(agreement__code="MKB-2016-ACT-01"):
        assert action.region.code == action.owner.code, action.code
    assert count(Action, agreement__code="MKB-2016-ACT-01") == 12


def _sources():
    models = (Agreement, Action, BudgetLine, Review, Goal, GoalMeasurement)
    return [source for model in models for source in model.objects.values_list("source", flat=True)]


def test_every_source_is_specific(loaded):
    """Every source is filled in and no source text is copied onto more than three objects."""
    sources = _sources()
    assert all(text.strip() for text in sources)
    assert [text for text, n in Counter(sources).items() if n > 3] == []


def test_agreements_past_valid_until_are_not_active(loaded):
    """An agreement whose validity has ended is not `active`: the KIC 2016-2017 and the NIA
    (until 31 Dec 2019) have ended."""
    today = timezone.localdate()
    assert not Agreement.objects.filter(valid_until__lt=today, status="active").exists()
    assert codes(Agreement.objects.filter(status="ended")) == {"MKB-2015-KIC-01", "MKB-2016-NIA-01"}


def test_created_at_follows_agreed_on_in_amsterdam_time(loaded):
    """created_at is the day an item was agreed (or appeared), in Europe/Amsterdam time:
    +01:00 in winter, +02:00 in summer; nothing is changed before it is created. The KIC
    support has no agreement date: it appeared when the KIC was signed (5 Oct 2015)."""
    for agreement in Agreement.objects.all():
        created = timezone.localtime(agreement.created_at, AMSTERDAM).date()
        assert created == (agreement.agreed_on or date(2015, 10, 5)), agreement.code
        assert agreement.updated_at >= agreement.created_at, agreement.code
        for link in agreement.party_links.all():
            assert link.created_at == agreement.created_at, (agreement.code, link.party.code)
    for action in Action.objects.select_related("agreement"):
        assert action.created_at >= action.agreement.created_at, action.code
        assert action.updated_at >= action.created_at, action.code
    stamp = re.compile(r'"(created_at|updated_at)": "([^"]+)"')
    for path in FIXTURE_DIR.glob("*.json"):
        for _field, value in stamp.findall(path.read_text()):
            moment = datetime.fromisoformat(value)
            assert moment.utcoffset() == moment.astimezone(AMSTERDAM).utcoffset(), (
                path.name,
                value,
            )


def test_codes_are_plain(loaded):
    """Codes contain only letters, digits, `-` and `_`; every action has one (its natural
    key)."""
    plain = re.compile(r"^[A-Za-z0-9_-]+$")
    for model in (Region, Party, Theme, Agreement, Action, Goal):
        for code in model.objects.values_list("code", flat=True):
            assert plain.match(code), code
    raw = json.loads((FIXTURE_DIR / "05_actions.json").read_text())
    assert all(obj["fields"]["code"] for obj in raw)


def test_reviews_and_goals(loaded):
    """The two progress reports as reviews; the WEF rank measured for the right year. No
    registry froze counts at those meetings, so the fixtures hold no snapshot: the pages count
    each review's day from the dated history (nothing known later can slip in)."""
    review = Review.objects.get(date=REVIEW_2016)
    assert review.status == "held"
    assert list(Review.objects.values_list("snapshot", flat=True)) == [None, None]
    assert "Noord-Holland" in review.conclusion
    first = Review.objects.get(date=date(2015, 6, 8))
    assert "regiospecifieke afspraken" in first.conclusion
    wef = Goal.objects.get(code="WEF-GCI")
    assert wef.lower_is_better
    # The seed labels the 5th place "2014"; it is the 2015-2016 report (domain-facts §0).
    assert wef.measurements.get(value=5).year == 2015


DATED_STATES = FIXTURE_DIR / "07_dated_states.json"
# Records whose history is more than their creation in the loaded state, with each state's day
# and status, written out from the sources (an assumed day marked in the event's source).
# Actions agreed at the signing and done "in 2015" (31-12-2015 stands for it).
DONE_IN_2015 = (
    "MKB-2014-MIT-01-A2",
    "MKB-2014-DMKB-ZUID-A1",
    "MKB-2014-DMKB-OOST-A1",
    "MKB-2014-DMKB-NOORD-A1",
    "MKB-2014-DMKB-ZUIDVLEUGEL-A1",
    "MKB-2014-DMKB-NOORDVLEUGEL-A1",
    "MKB-2014-VFF-01-A1",
    "MKB-2014-IR-01-A1",
)
DATED_HISTORY = {
    "MKB-2014-ROM-01": [("2014-12-11", "active"), ("2016-06-08", "fulfilled")],
    **{
        f"MKB-2014-REG-{region}": [("2014-12-11", "active"), ("2016-06-08", "revised")]
        for region in ("ZUID", "OOST", "NOORD", "ZUIDVLEUGEL", "NOORDVLEUGEL")
    },
    "MKB-2015-KIC-01": [("2015-10-05", "active"), ("2018-01-01", "ended")],
    "MKB-2016-NIA-01": [("2016-06-08", "active"), ("2020-01-01", "ended")],
    "MKB-2014-MIT-01-A1": [
        ("2014-12-11", "planned"),
        ("2015-05-19", "done"),
        ("2016-06-08", "done"),
    ],
    "MKB-2014-ROM-01-A1": [
        ("2014-12-11", "planned"),
        ("2015-09-01", "in_progress"),
        ("2016-03-31", "done"),
        ("2016-06-08", "done"),
    ],
    "MKB-2014-MIT-01-A4": [("2017-03-16", "planned"), ("2017-04-11", "done")],
    **{code: [("2014-12-11", "planned"), ("2015-12-31", "done")] for code in DONE_IN_2015},
    "MKB-2015-KIC-01-A1": [("2015-10-05", "planned"), ("2015-12-31", "done")],
}
# Events whose day or state no source gives: "planned" from the signing (or publication) on,
# a month or year as one day, the end of the KIC and the NIA, the 2016 decision "complete".
ASSUMED_EVENTS = {
    *((code, "2014-12-11") for code in (*DONE_IN_2015, "MKB-2014-MIT-01-A1", "MKB-2014-ROM-01-A1")),
    ("MKB-2015-KIC-01-A1", "2015-10-05"),
    ("MKB-2014-MIT-01-A4", "2017-03-16"),
    ("MKB-2014-MIT-01-A1", "2016-06-08"),  # when the number of participants was recorded
    ("MKB-2014-ROM-01-A1", "2015-09-01"),
    ("MKB-2014-ROM-01-A1", "2016-03-31"),
    *((code, "2015-12-31") for code in (*DONE_IN_2015, "MKB-2015-KIC-01-A1")),
    ("MKB-2014-ROM-01", "2016-06-08"),
    ("MKB-2015-KIC-01", "2018-01-01"),
    ("MKB-2016-NIA-01", "2020-01-01"),
}
# What became known after the review of 8 June 2016, in the last period only.
LATER_OUTCOMES = {
    ("agenda.budgetline", "MKB-2016-NIA-01", "2016-06-23"),
    ("agenda.budgetline", "MKB-2016-NH-01", "2016-09-30"),
    ("agenda.budgetline", "MKB-2014-MIT-01", "2017-03-16"),
    ("actions.action", "MKB-2014-MIT-01-A4", "2017-03-16"),
    ("actions.action", "MKB-2014-MIT-01-A4", "2017-04-11"),
    ("agenda.agreement", "MKB-2015-KIC-01", "2018-01-01"),
    ("agenda.agreement", "MKB-2016-NIA-01", "2020-01-01"),
}


def dated_events():
    document = json.loads(DATED_STATES.read_text())
    return [(period, event) for period in document["periods"] for event in period["events"]]


def test_each_record_has_its_states_on_the_days_the_sources_give(loaded):
    """The recorded history of every record that changed holds its states on the days the
    sources give; every other record has one state, the loaded one, from its creation."""
    for code, states in DATED_HISTORY.items():
        model = Action if Action.objects.filter(code=code).exists() else Agreement
        history = model.history.filter(code=code).order_by("history_date")
        recorded = [
            (str(timezone.localtime(h.history_date, AMSTERDAM).date()), h.status) for h in history
        ]
        assert recorded == states, code
        assert [h.history_user for h in history] == [None] * len(states), code
    changed = {*Action.history.filter(history_type="~").values_list("code", flat=True)}
    changed |= {*Agreement.history.filter(history_type="~").values_list("code", flat=True)}
    assert changed == set(DATED_HISTORY)
    for action in Action.objects.exclude(code__in=DATED_HISTORY):
        assert action.history.count() == 1, action.code


def test_every_dated_state_has_its_source_and_marks_what_is_assumed(loaded):
    """Each event names its source; exactly the events listed above carry "Aanname:"."""
    assumed = set()
    for _period, event in dated_events():
        assert event["source"].strip(), event
        if marked(event["source"]):
            assumed.add((event["key"][0], event["at"][:10]))
    assert assumed == ASSUMED_EVENTS


def test_later_outcomes_are_a_separate_later_period(loaded):
    """The outcomes after the review of 8 June 2016 (MIT 2017, the 2017 budget lines, the end
    of the KIC and the NIA) are in the last period, which starts the day after the review; no
    earlier period holds anything after that day."""
    periods = json.loads(DATED_STATES.read_text())["periods"]
    assert [p["from"] for p in periods] == ["2014-12-11", "2014-12-12", "2015-06-09", "2016-06-09"]
    later = {(event["model"], event["key"][0], event["at"][:10]) for event in periods[-1]["events"]}
    assert later == LATER_OUTCOMES
    for period, event in dated_events():
        if period["name"] != periods[-1]["name"]:
            assert event["at"][:10] <= "2016-06-08", event


def test_the_review_rhythm_is_periodic_not_yearly():
    """The sources speak of a "periodieke herijking" (the 2018 agenda: every two years): no
    text says the agenda is re-calibrated every year."""
    yearly = re.compile(r"elk jaar|ieder jaar|jaarlijks|every year|each year|yearly", re.I)
    texts = [*FIXTURE_DIR.glob("*.json"), ROOT / "README.md", *ROOT.glob("locale/*/*/*.po")]
    texts += [
        p
        for p in ROOT.glob("**/templates/**/*")
        if p.is_file() and not p.relative_to(ROOT).parts[0].startswith(".")  # virtualenvs
    ]
    found = [str(p.relative_to(ROOT)) for p in texts if yearly.search(p.read_text())]
    assert found == []
