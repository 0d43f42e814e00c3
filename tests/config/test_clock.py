"""The reference-day rule (config.clock): the day the user chose, else the page's own day,
else AGENDA_SNAPSHOT_DATE, else today; and what it tells the pages' links and switch."""

import datetime
import os
import subprocess
import sys

import pytest

from config.clock import reference_day, today
from config.forms import ReferenceDayForm
from tests.paths import ROOT

CONFIGURED = datetime.date(2016, 6, 8)
HELD = datetime.date(2015, 6, 8)


def test_a_live_deployment_judges_on_today(settings):
    """Without AGENDA_SNAPSHOT_DATE (the default) a page without a choice judges on today,
    from the live tables, and links need no `as_of`."""
    reference = reference_day()
    assert (reference.day, reference.reason, reference.is_today) == (today(), "today", True)
    assert reference.as_of is None
    assert reference.switch() == {}


def test_the_configured_day_is_the_default_and_today_can_be_chosen(settings):
    """With AGENDA_SNAPSHOT_DATE a page shows that day (from the history) and offers today;
    choosing today judges on today and offers the way back."""
    settings.AGENDA_SNAPSHOT_DATE = "2016-06-08"
    reference = reference_day()
    assert (reference.day, reference.reason, reference.is_today) == (CONFIGURED, "data", False)
    assert reference.as_of is None
    assert reference.switch([("status", "planned")]) == {"today": "?status=planned&as_of=today"}
    chosen = reference_day(today())
    assert (chosen.day, chosen.reason, chosen.is_today) == (today(), "today", True)
    assert chosen.as_of == "today"
    assert chosen.switch([("status", "planned")]) == {"default": "?status=planned"}


def test_a_chosen_day_wins_over_the_page_and_the_configured_day(settings):
    """A day the user chose is the reference day on every page; today without a configured day
    needs no `as_of` to get back."""
    settings.AGENDA_SNAPSHOT_DATE = "2016-06-08"
    chosen = reference_day(datetime.date(2016, 1, 4), page_day=HELD)
    assert (chosen.day, chosen.reason) == (datetime.date(2016, 1, 4), "chosen")
    assert chosen.as_of == "2016-01-04"
    assert chosen.switch() == {"today": "?as_of=today", "default": "?"}
    settings.AGENDA_SNAPSHOT_DATE = ""
    assert reference_day(datetime.date(2016, 1, 4)).switch() == {"today": "?"}


def test_a_held_review_is_shown_on_its_day(settings):
    """A held review's report is on the day it was held, whatever the configured day."""
    settings.AGENDA_SNAPSHOT_DATE = "2016-06-08"
    reference = reference_day(page_day=HELD)
    assert (reference.day, reference.reason) == (HELD, "review")
    assert reference.as_of == "2015-06-08"


def test_a_configured_day_from_the_future_is_today(settings):
    """A configured day after today cannot be shown (the future has no state): today."""
    settings.AGENDA_SNAPSHOT_DATE = (today() + datetime.timedelta(days=3)).isoformat()
    assert reference_day().reason == "today"


@pytest.mark.parametrize(
    ("value", "day"),
    [("", None), ("today", "today"), ("2016-06-08", datetime.date(2016, 6, 8))],
)
def test_the_choice_is_a_day_up_to_today_or_today(value, day):
    """`as_of` takes nothing, a date up to today, or `today`."""
    form = ReferenceDayForm({"as_of": value})
    assert form.is_valid(), form.errors
    assert form.cleaned_data["as_of"] == (today() if day == "today" else day)


@pytest.mark.parametrize("value", ["2016-02-30", "8-6-2016", "vandaag", "2016-06-08T00:00"])
def test_anything_else_is_refused_with_a_message(value):
    """A malformed day is a form error that says how to write one."""
    form = ReferenceDayForm({"as_of": value})
    assert not form.is_valid()
    assert form.errors["as_of"] == ["Vul een datum in als JJJJ-MM-DD, bijvoorbeeld 2016-06-08."]


def test_the_future_is_refused():
    """A day after today has no state yet."""
    tomorrow = today() + datetime.timedelta(days=1)
    form = ReferenceDayForm({"as_of": tomorrow.isoformat()})
    assert not form.is_valid()
    assert form.errors["as_of"] == [
        "Kies vandaag of een eerdere dag: de toekomst heeft nog geen stand."
    ]


def test_a_malformed_configured_day_stops_the_start():
    """AGENDA_SNAPSHOT_DATE that is no date stops every command with a message naming it,
    instead of a server error at the first page."""
    env = {
        **os.environ,
        "AGENDA_SNAPSHOT_DATE": "8 juni 2016",
        "SECRET_KEY": "x",
        "DATABASE_URL": "sqlite://:memory:",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0
    assert "AGENDA_SNAPSHOT_DATE must be a date" in result.stderr
