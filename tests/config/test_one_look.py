"""The admin and the review pages are one product: one stylesheet, one menu that links each
to the other, and one date rule — "8 juni 2016" in text, "08-06-2016" in tables (and inputs)
— in both languages; names where people know names (themes in the agreement list)."""

import datetime
import re

import pytest
from django.utils import translation
from django.utils.formats import date_format

from tests.paths import ROOT

JUNE_8 = datetime.date(2016, 6, 8)
# The only formats a template or the code may name: the rule's four, and ISO for the value of
# a date input (HTML wants it so).
NAMED_FORMATS = {"DATE_FORMAT", "SHORT_DATE_FORMAT", "DATETIME_FORMAT", "SHORT_DATETIME_FORMAT"}
TEMPLATES = [
    *ROOT.glob("templates/**/*.html"),
    *ROOT.glob("*/templates/**/*.html"),
    *ROOT.glob("*/templates/**/*.txt"),
]


@pytest.mark.parametrize(
    ("language", "text", "table"),
    [("nl", "8 juni 2016", "08-06-2016"), ("en", "8 June 2016", "08-06-2016")],
)
def test_the_date_rule(language, text, table):
    with translation.override(language):
        assert date_format(JUNE_8) == text
        assert date_format(JUNE_8, "SHORT_DATE_FORMAT") == table
        moment = datetime.datetime(2016, 6, 8, 14, 5, tzinfo=datetime.UTC)
        assert date_format(moment, "DATETIME_FORMAT") == f"{text} 14:05"
        assert date_format(moment, "SHORT_DATETIME_FORMAT") == f"{table} 14:05"


def test_templates_name_the_rules_formats_only():
    """No template writes a date pattern of its own (`|date:"j-n-Y"` was one of five)."""
    own_patterns = []
    for template in TEMPLATES:
        for pattern in re.findall(r"\|date:['\"]([^'\"]*)['\"]", template.read_text()):
            if pattern not in NAMED_FORMATS | {"Y-m-d"}:
                own_patterns.append((template.name, pattern))
    assert own_patterns == []


def test_code_names_the_rules_formats_only():
    """No code of the apps formats a date by a pattern for people (the spreadsheet writer's
    cell formats and ISO timestamps for machines aside)."""
    found = []
    for source in ROOT.glob("*/**/*.py"):
        parts = source.relative_to(ROOT).parts
        # (.venv, CI's .venv-ci: any hidden directory holds other people's code)
        if (
            parts[0] in {"tests", "bench", "scripts"}
            or parts[0].startswith(".")
            or "migrations" in parts
            or "commands" in parts  # a command's log for operators: ISO dates
        ):
            continue
        if source.relative_to(ROOT).as_posix() == "config/spreadsheets/writing.py":
            continue  # the workbook's own cell formats (and its timestamps, kept in UTC)
        text = source.read_text()
        found += [(source.name, m) for m in re.findall(r'strftime\("%[dYm][^"]*"\)', text)]
        # and in f-strings, as `f"{day:%Y-%m-%d}"` (Review.__str__ was one)
        found += [(source.name, m) for m in re.findall(r"\{[\w.]+:%[dYmbB][^}]*\}", text)]
        found += [
            (source.name, m)
            for m in re.findall(r'date_format\([^)]*,\s*"([^"]*)"\)', text)
            if m not in NAMED_FORMATS
        ]
    assert found == []


@pytest.mark.django_db
def test_tables_and_text_follow_the_rule_in_the_admin_and_the_review_pages(
    client, users, small_agenda, settings
):
    own = small_agenda["own_action"]
    type(own).objects.filter(pk=own.pk).update(due_date=datetime.date(2016, 5, 1))
    client.force_login(users["brabant_editor"])
    admin_list = client.get("/admin/actions/action/").content.decode()
    assert '<td class="field-due_date">01-05-2016</td>' in admin_list
    review_list = client.get("/reviews/actions/").content.decode()
    assert '<td class="num">01-05-2016</td>' in review_list
    settings.AGENDA_SNAPSHOT_DATE = "2016-06-08"
    landing = client.get("/admin/").content.decode()
    assert "Peildatum: 8 juni 2016" in landing
    english = client.get("/admin/actions/action/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<td class="field-due_date">01-05-2016</td>' in english


def stylesheets(page):
    return re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)


@pytest.mark.django_db
def test_one_stylesheet_and_one_menu_linking_both_ways(client, users, small_agenda):
    """Both kinds of page use the registry's one stylesheet (the admin besides Django's own)
    and the same menu: the admin's leads to the review pages, theirs back to the admin."""
    client.force_login(users["brabant_editor"])
    admin_page = client.get("/admin/actions/action/").content.decode()
    review_page = client.get("/reviews/").content.decode()
    ours = [s for s in stylesheets(admin_page) if "/admin/" not in s]
    assert ours == ["/static/registry/site.css"]
    assert stylesheets(review_page) == ["/static/registry/site.css"]
    for page in (admin_page, review_page):
        menu = re.search(r'<nav class="site-nav".*?</nav>', page, re.S).group(0)
        links = re.findall(r'<a href="([^"]+)"', menu)
        assert links[:6] == [
            "/admin/",
            "/reviews/",
            "/reviews/matrix/",
            "/reviews/actions/",
            "/reviews/agreements/",
            "/reviews/all/",
        ]
    assert "Website bekijken" not in admin_page  # Django's link to "/", which is the admin


@pytest.mark.django_db
def test_the_agreement_list_names_themes(client, users, small_agenda):
    """The theme column shows the theme's name, not its code."""
    theme = small_agenda["generic"].theme
    client.force_login(users["brabant_editor"])
    page = client.get("/admin/agenda/agreement/").content.decode()
    cells = re.findall(r'<td class="field-theme_name">(.*?)</td>', page, re.S)
    assert cells
    assert all(f">{theme.name}<" in cell for cell in cells if theme.name in cell)
    assert not [cell for cell in cells if f">{theme.code}<" in cell]


def test_no_other_stylesheet_of_ours_for_pages():
    """The registry's pages have one stylesheet; the API's browsable pages and docs keep
    their own (static/api/)."""
    sheets = sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("*/static/**/*.css"))
    sheets += sorted(p.relative_to(ROOT).as_posix() for p in ROOT.glob("static/**/*.css"))
    assert [s for s in sheets if not s.startswith("static/api/")] == ["static/registry/site.css"]
