"""Scope and region questions for actions. An action's own region counts, else its agreement's."""

from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext as _

from actions.choices import CLOSED_STATUSES
from agenda.choices import AgreementScope, AgreementStatus
from agenda.models import Agreement
from agenda.scope import join_names, scope_for
from config.clock import today as agenda_today
from regions.models import Region

# Open work first, the earliest due first (no due date last), then the closed; ties by id.
WORK_ORDER = [
    models.Case(
        # Sorted: a set iterates in another order in each process, and the index must match.
        models.When(status__in=sorted(CLOSED_STATUSES), then=models.Value(1)),
        default=models.Value(0),
        output_field=models.IntegerField(),
    ).asc(),
    models.F("due_date").asc(nulls_last=True),
    "id",
]


def overdue_q(today=None, prefix=""):
    """Overdue, as a condition (also for counting an agreement's actions): due before today
    and neither done nor cancelled. Derived, never stored."""
    today = today or agenda_today()
    return models.Q(**{f"{prefix}due_date__lt": today}) & ~models.Q(
        **{f"{prefix}status__in": CLOSED_STATUSES}
    )


def stalled_q(days=None, now=None, *, on_day=False):
    """Stalled, as a condition: open, and neither changed nor given a progress-log entry in the
    `days` days before `now` (the live state: now; a past state: the end of its reference day,
    config.clock). Written on `id` and `updated_at`, so that it answers on the live table and
    on the recorded history alike; `on_day` judges the state of a past moment, so log entries
    after `now` do not count either."""
    days = settings.STALLED_AFTER_DAYS if days is None else days
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

    def stalled(self, days=None, now=None):
        """Open actions without a progress-log entry (or any change) in the last `days` days
        (STALLED_AFTER_DAYS) before `now`: the live state, judged now. A past day's state is
        judged on that day (actions.history)."""
        return self.filter(stalled_q(days, now))

    def not_stalled(self, days=None, now=None):
        return self.exclude(pk__in=self.model.objects.stalled(days, now).values("pk"))

    def in_work_order(self):
        """Open work first, the earliest due first (no due date last), then the closed."""
        return self.order_by(*WORK_ORDER)

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
        # A subquery, not a join: counting a page of actions then reads the actions only.
        drafts = Agreement.objects.filter(status=AgreementStatus.DRAFT).values("pk")
        return self.exclude(agreement__in=drafts)

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

    def why_not_editable(self, user, action):
        """`editable_by`'s answer in words, for an editor who may not change `action`: whose
        action it is and where, what the editor changes instead, and — for a contributor —
        that they may add progress updates."""
        scope = scope_for(user)
        if action.region_id:
            where = action.region.name
        elif action.agreement.scope == AgreementScope.GENERIC:
            where = _("a national agreement")
        else:
            where = join_names(
                action.agreement.regions.order_by("name").values_list("name", flat=True)
            )
        parts = [
            _("This action belongs to %(owner)s (%(where)s).")
            % {"owner": action.owner.name, "where": where},
            _("You change the actions of %(parties)s and the actions in %(area)s.")
            % {"parties": scope.editor_party_names(), "area": scope.working_area_names()},
        ]
        if self.model.objects.updatable_by(user).contains(action):
            parts.append(_("As a contributor you may add a progress update (progress and a note)."))
        return " ".join(str(part) for part in parts)

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
