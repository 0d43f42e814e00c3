"""Scope and region questions for actions. An action's own region counts, else its agreement's."""

from datetime import timedelta

from django.apps import apps
from django.db import models
from django.utils import timezone

from actions.choices import CLOSED_STATUSES
from agenda.choices import AgreementScope, AgreementStatus
from agenda.models import Agreement
from agenda.scope import scope_for
from regions.models import Region


def overdue_q(today=None, prefix=""):
    """Overdue, as a condition (also for counting an agreement's actions): due before today
    and neither done nor cancelled. Derived, never stored."""
    today = today or timezone.localdate()
    return models.Q(**{f"{prefix}due_date__lt": today}) & ~models.Q(
        **{f"{prefix}status__in": CLOSED_STATUSES}
    )


def stalled_q(days, now=None, *, on_day=False):
    """Stalled, as a condition: open, and neither changed nor given a progress-log entry in the
    `days` days before `now`. Written on `id` and `updated_at`, so that it answers on the live
    table and on the recorded history alike; `on_day` judges the state of a past moment, so
    log entries after `now` do not count either."""
    now = now or timezone.now()
    since = now - timedelta(days=days)
    log = apps.get_model("actions", "ActionUpdate").objects.filter(
        action_id=models.OuterRef("id"), created_at__gte=since
    )
    if on_day:
        log = log.filter(created_at__lt=now)
    return (
        ~models.Q(status__in=CLOSED_STATUSES) & models.Q(updated_at__lt=since) & ~models.Exists(log)
    )


class ActionQuerySet(models.QuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)

    def overdue(self, today=None):
        """Due before today and neither done nor cancelled (derived, never stored)."""
        return self.filter(overdue_q(today))

    def not_overdue(self, today=None):
        return self.exclude(pk__in=self.model.objects.overdue(today).values("pk"))

    def stalled(self, days, now=None):
        """Open actions without a progress-log entry (or any change) in the last `days` days."""
        return self.filter(stalled_q(days, now))

    def not_stalled(self, days, now=None):
        return self.exclude(pk__in=self.model.objects.stalled(days, now).values("pk"))

    def linked_within(self, *regions):
        inside = Region.objects.within(*regions).values("pk")
        return self.filter(
            models.Q(region__in=inside)
            | models.Q(
                region__isnull=True,
                agreement__in=Agreement.objects.linked_within(*regions).values("pk"),
            )
        )

    def applies_to(self, *regions):
        around = Region.objects.around(*regions).values("pk")
        return self.filter(
            models.Q(region__in=around)
            | models.Q(
                region__isnull=True,
                agreement__in=Agreement.objects.applies_to(*regions).values("pk"),
            )
        )

    def involving(self, *parties):
        """Owned by or contributed to by one of the parties."""
        contributed = self.model.contributors.through.objects.filter(party__in=parties)
        return self.filter(
            models.Q(owner__in=parties) | models.Q(pk__in=contributed.values("action_id"))
        )

    def visible_to(self, user):
        if scope_for(user).sees_drafts:
            return self.all()
        return self.exclude(agreement__status=AgreementStatus.DRAFT)

    def editable_by(self, user):
        """Ministry editors: all. Other editors: actions one of their parties owns, or whose
        region (else its agreement's regions) lies inside their working area. Contributing
        gives no edit rights (see `updatable_by`)."""
        scope = scope_for(user)
        if scope.edits_everything:
            return self.all()
        if not scope.editor_party_ids:
            return self.none()
        area = scope.working_area()
        return self.filter(
            models.Q(owner__in=scope.editor_party_ids)
            | models.Q(region__in=area)
            | models.Q(
                region__isnull=True,
                agreement__in=Agreement.objects.inside_area(area).values("pk"),
            )
        )

    def updatable_by(self, user):
        """Actions the user may add progress updates to: those they may change, and those
        one of their parties contributes to."""
        scope = scope_for(user)
        if scope.edits_everything:
            return self.all()
        contributed = self.model.contributors.through.objects.filter(
            party__in=scope.editor_party_ids
        )
        return self.filter(
            models.Q(pk__in=self.model.objects.editable_by(user).values("pk"))
            | models.Q(pk__in=contributed.values("action_id"))
        )

    def addable_by(self, user):
        """Actions the user may have added to their agreement (checked on the saved row, in
        the transaction that creates or moves it): changeable by them, and under a generic
        agreement, an agreement they may change, or with a region inside their working area.
        So an editor cannot plant their own action in another province's agreement."""
        scope = scope_for(user)
        if scope.edits_everything:
            return self.all()
        return self.filter(
            models.Q(pk__in=self.model.objects.editable_by(user).values("pk")),
            models.Q(agreement__scope=AgreementScope.GENERIC)
            | models.Q(agreement__in=Agreement.objects.editable_by(user).values("pk"))
            | models.Q(region__in=scope.working_area()),
        )
