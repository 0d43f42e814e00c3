"""The agenda's clock: the day in the Netherlands, and the reference day (peildatum) on which
"overdue" and "stalled" are judged.

One rule answers "on which day, and why" for the dashboard, the lists, the matrix, the
report, the landing page ("Mijn agenda") and the reminders, in this order:

1. a day the user chose (`?as_of=YYYY-MM-DD`, or `today`): that day;
2. the day the page is about: a held review's report shows the day it was held;
3. AGENDA_SNAPSHOT_DATE, when set: the installation's data is read on that day (the demo
   loads the agenda of the 8 June 2016 review and sets it); empty in a live deployment;
4. today.

A reference day before today shows the state at the end of that day, from the recorded
history, judged on that day; today shows the live tables, judged now. The API and the
admin's lists have no reference day: they answer the live state, judged today.
"""

import datetime
from dataclasses import dataclass
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone

TODAY = "today"  # no day configured, or the user chose today
CHOSEN = "chosen"  # the user chose an earlier day
REVIEW = "review"  # the day of the held review the page is about
DATA = "data"  # AGENDA_SNAPSHOT_DATE: the day this installation's data is read on


def today():
    """The date in the Netherlands (TIME_ZONE), whatever time zone is active (the API answers
    in UTC, but an action is overdue by the Dutch calendar)."""
    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))


def end_of_day(day):
    """The first moment after `day`, in the registry's time zone."""
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min)) + (
        datetime.timedelta(days=1)
    )


def configured_day():
    """AGENDA_SNAPSHOT_DATE as a date when it is set and before today, else None."""
    value = settings.AGENDA_SNAPSHOT_DATE
    day = datetime.date.fromisoformat(value) if value else None
    return day if day is not None and day < today() else None


@dataclass(frozen=True)
class ReferenceDay:
    """The day on which overdue and stalled are judged (the peildatum), and why that day."""

    day: datetime.date
    reason: str  # TODAY, CHOSEN, REVIEW or DATA
    configured: datetime.date | None  # AGENDA_SNAPSHOT_DATE in effect
    default: "ReferenceDay | None" = None  # the page's day without the user's choice

    @property
    def is_today(self):
        """Today: the live tables, judged now. Otherwise the history of that day."""
        return self.day >= today()

    @property
    def moment(self):
        """The moment "stalled" counts back from: now, or the end of the day."""
        return timezone.now() if self.is_today else end_of_day(self.day)

    @property
    def as_of(self):
        """The `as_of` a link needs to show the same state on another page (None: the other
        page, without a choice, comes to the same day)."""
        if self.reason == DATA or (self.reason == TODAY and self.configured is None):
            return None
        return TODAY if self.is_today else self.day.isoformat()

    def switch(self, keep=()):
        """The links of the shared switch (templates/reference_day.html), each keeping the
        page's other parameters `keep` ((name, value) pairs): to today, and back to the
        page's own day (a held review's, AGENDA_SNAPSHOT_DATE) when the user chose another."""
        page_day = self.default or self
        links = {}
        if not self.is_today:
            today_pairs = keep if page_day.reason == TODAY else [*keep, ("as_of", TODAY)]
            links["today"] = _query(today_pairs)
        if page_day.reason != TODAY and page_day.day != self.day:
            links["default"] = _query(keep)
        return links


def _query(pairs):
    return f"?{urlencode(pairs)}" if pairs else "?"


def reference_day(chosen=None, *, page_day=None):
    """The reference day of a page: `chosen` by the user (a date, today or before), else the
    page's own day (`page_day`), else AGENDA_SNAPSHOT_DATE, else today."""
    now = today()
    configured = configured_day()
    if page_day is not None:
        default = ReferenceDay(min(page_day, now), TODAY if page_day >= now else REVIEW, configured)
    elif configured is not None:
        default = ReferenceDay(configured, DATA, configured)
    else:
        default = ReferenceDay(now, TODAY, configured)
    if chosen is None:
        return default
    return ReferenceDay(min(chosen, now), TODAY if chosen >= now else CHOSEN, configured, default)


def reference_day_panel(reference, keep=(), first_day=None):
    """What the shared template `reference_day.html` shows: the day, its reason, the switch's
    links (keeping the page's other parameters), and where the recorded history starts."""
    return {
        "reference": reference,
        "links": reference.switch(keep),
        "keep": list(keep),
        "first_day": first_day,
        "before_history": first_day is not None and reference.day < first_day,
        "today": today(),
        "stalled_days": settings.STALLED_AFTER_DAYS,
    }
