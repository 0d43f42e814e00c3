"""The agenda as it stood on a day, from the recorded history (django-simple-history).

`on_day(Action, day, user)` is a queryset of the historical records that were current at the
end of `day` (the latest record of each row by then, deleted rows left out). The API's
FilterSets run on it unchanged, so `?as_of=` takes every filter the live list takes:

- a row's own recorded fields (status, progress, dates, owner, region, agreement, texts) are
  those of that day; `overdue` and `stalled` are judged on that day;
- links the historical row does not hold itself (an agreement's parties and regions, an
  action's contributors, the agreement's theme) are matched as they are now: the FilterSets'
  subqueries (`pk__in=Action.objects.applies_to(…)`) are answered on the live tables, with
  `pk` read as the row's own id.

Loaded fixture rows have their history replayed from the dated states of the fixtures
(`fixtures/07_dated_states.json`, regions/management/commands/loaddata.py): each record
was created, and changed, on the days the sources give.
"""

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.utils import timezone
from simple_history.manager import HistoricalQuerySet

from actions.querysets import overdue_q, stalled_q
from agenda.choices import AgreementStatus
from agenda.models import Agreement
from agenda.scope import scope_for
from config.clock import end_of_day


class StateOnDay(HistoricalQuerySet):
    """Historical records current at the end of `day`, filterable like the live model."""

    day = None
    live_model = None

    def _clone(self):
        clone = super()._clone()
        clone.day = self.day
        clone.live_model = self.live_model
        return clone

    def _rewrite(self, lookup, value):
        """`pk…` is the row's own id; a lookup through a relation the historical row does not
        have (an agreement's `party_links`, an action's `updates`) asks the live table."""
        first, _sep, rest = lookup.partition("__")
        if first == "pk":
            return models.Q(**{f"id__{rest}" if rest else "id": value})
        if first in self.query.annotations:
            return models.Q(**{lookup: value})
        try:
            self.model._meta.get_field(first)
        except FieldDoesNotExist:
            live = self.live_model._default_manager.filter(**{lookup: value})
            return models.Q(id__in=live.values("pk"))
        return models.Q(**{lookup: value})

    def _rewrite_q(self, q):
        rewritten = models.Q()
        rewritten.connector, rewritten.negated = q.connector, q.negated
        for child in q.children:
            if isinstance(child, models.Q):
                rewritten.children.append(self._rewrite_q(child))
            elif isinstance(child, tuple):
                rewritten.children.append(self._rewrite(*child))
            else:  # an expression (~Exists(…)): written for both tables already
                rewritten.children.append(child)
        return rewritten

    def _filter_or_exclude(self, negate, args, kwargs):
        conditions = [self._rewrite_q(q) if isinstance(q, models.Q) else q for q in args]
        conditions += [self._rewrite(lookup, value) for lookup, value in kwargs.items()]
        return super()._filter_or_exclude(negate, conditions, {})

    # What ActionFilterSet and the review pages ask of an action queryset, on that day.

    def overdue(self, today=None):
        return self.filter(overdue_q(today or self.day))

    def not_overdue(self, today=None):
        return self.exclude(id__in=self.overdue(today).values("id"))

    def stalled(self, days, now=None):
        moment = now or min(end_of_day(self.day), timezone.now())
        return self.filter(stalled_q(days, moment, on_day=True))

    def not_stalled(self, days, now=None):
        return self.exclude(id__in=self.stalled(days, now).values("id"))

    def visible_to(self, user):
        """Members see everything; others nothing that was a draft on that day or is one now
        (an agreement's unpublished past stays unpublished)."""
        if scope_for(user).sees_drafts:
            return self
        drafts_then = on_day(Agreement, self.day).filter(status=AgreementStatus.DRAFT)
        drafts_now = Agreement.objects.filter(status=AgreementStatus.DRAFT)
        key = "id" if self.live_model is Agreement else "agreement_id"
        return self.exclude(**{f"{key}__in": drafts_then.values("id")}).exclude(
            **{f"{key}__in": drafts_now.values("pk")}
        )


def on_day(model, day, user=None):
    """The rows of `model` as they stood at the end of `day`, as historical records; only
    what `user` may see when a user is given."""
    history = model.history.model
    recorded = model.history.filter(history_date__lt=end_of_day(day))
    # The latest record of each row by then: no later one (at the same moment: one written
    # after it; simple-history's `latest_of_each` keeps both of two records of one moment).
    later = recorded.filter(id=models.OuterRef("id")).filter(
        models.Q(history_date__gt=models.OuterRef("history_date"))
        | models.Q(
            history_date=models.OuterRef("history_date"),
            history_id__gt=models.OuterRef("history_id"),
        )
    )
    base = recorded.filter(~models.Exists(later)).exclude(history_type="-")
    state = StateOnDay(model=history, query=base.query.chain(), using=base.db)
    state.day = day
    state.live_model = model
    return state if user is None else state.visible_to(user)


def first_recorded_day(model):
    """The day the history of `model` starts (None without any history)."""
    first = model.history.aggregate(first=models.Min("history_date"))["first"]
    return timezone.localtime(first).date() if first else None
