"""The review pages' figures, computed once per scope, reference day, data version and
language, and kept in Django's cache (CACHE_URL; locmem by default, Redis when several
servers share it).

- **Scope**: what the user may see, as `visible_to` decides it: members see drafts, others
  do not. Two users with the same key see the same rows, so they may share figures; a
  member's figures (drafts counted) are never served to anyone else.
- **Reference day** (config.clock): the day the figures are judged on.
- **Data version**: the highest id of every table a figure reads that a change writes to (the
  recorded history of agreements, actions, reviews, goals, regions and themes, and the
  progress log). Every change through the registry (admin, API, import, services) writes a
  history record, so any write gives a new version and the next view recomputes: a figure is
  never older than the data. Reading it is one query over primary-key indexes.
- **Language**: labels are rendered in it.

Figures judged on today count "stalled" from now; they are kept at most
REVIEW_CACHE_SECONDS, so a day's turning is seen within that time even without a write."""

import hashlib

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.utils.translation import get_language

from agenda.scope import scope_for

PREFIX = "review-figures"
# (app label, model) of each table whose highest id is part of the data version.
VERSIONED = [
    ("actions", "HistoricalAction"),
    ("actions", "ActionUpdate"),
    ("agenda", "HistoricalAgreement"),
    ("agenda", "HistoricalReview"),
    ("agenda", "HistoricalReviewDecision"),
    ("agenda", "HistoricalGoal"),
    ("agenda", "HistoricalGoalMeasurement"),
    ("agenda", "HistoricalTheme"),
    ("agenda", "HistoricalParty"),
    ("regions", "HistoricalRegion"),
]


def versioned_tables():
    tables = []
    for app_label, name in VERSIONED:
        try:
            model = apps.get_model(app_label, name)
        except LookupError:  # a model without recorded history: not part of the version
            continue
        tables.append((model._meta.db_table, model._meta.pk.column))
    return tables


def data_version():
    """The highest ids of the versioned tables, as one string (one query)."""
    quote = connection.ops.quote_name
    parts = [f"(SELECT MAX({quote(pk)}) FROM {quote(table)})" for table, pk in versioned_tables()]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(parts)}")
        row = cursor.fetchone()
    return ".".join(str(value or 0) for value in row)


def scope_key(user):
    """Who may share figures: members (drafts counted) or everyone else (published only)."""
    return "members" if scope_for(user).sees_drafts else "published"


class Figures:
    """The cache of one request's figures: `figures.get(name, compute, *parts)` answers the
    cached value of (scope, day, data version, language, name, parts), or computes and keeps
    it. The data version is read once, on first use."""

    def __init__(self, user, day):
        self.scope = scope_key(user)
        self.day = day
        self._version = None

    @property
    def version(self):
        if self._version is None:
            self._version = data_version()
        return self._version

    def key(self, name, *parts):
        raw = "|".join(
            str(p)
            for p in (
                self.scope,
                self.day.isoformat(),
                self.version,
                get_language() or settings.LANGUAGE_CODE,
                settings.STALLED_AFTER_DAYS,
                name,
                *parts,
            )
        )
        return f"{PREFIX}:{hashlib.sha256(raw.encode()).hexdigest()}"

    def get(self, name, compute, *parts):
        key = self.key(name, *parts)
        value = cache.get(key)
        if value is None:
            value = compute()
            cache.set(key, value, settings.REVIEW_CACHE_SECONDS)
        return value
