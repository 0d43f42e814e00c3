"""Who gets reminded of what (`send_reminders`): each party with editors, the open actions it
owns that are overdue or stalled on the reference day (config.clock: today in a live
deployment). A fixed number of queries whatever the number of parties and actions."""

from dataclasses import dataclass, field

from django.conf import settings

from actions.history import on_day
from actions.models import Action
from agenda.choices import MembershipRole
from agenda.models import Membership, Party


@dataclass
class Reminder:
    party: Party
    recipients: list = field(default_factory=list)
    overdue: list = field(default_factory=list)
    stalled: list = field(default_factory=list)


def due_reminders(reference):
    editors = (
        Membership.objects.filter(
            role=MembershipRole.EDITOR, user__is_active=True, user__email__gt=""
        )
        .select_related("party", "user")
        .order_by("party__code", "user__email")
    )
    reminders = {}
    for membership in editors:
        reminder = reminders.setdefault(membership.party_id, Reminder(party=membership.party))
        if membership.user.email not in reminder.recipients:
            reminder.recipients.append(membership.user.email)
    actions = Action.objects.all() if reference.is_today else on_day(Action, reference.day)
    owned = actions.filter(owner_id__in=reminders).select_related("agreement")
    for action in owned.overdue(reference.day).order_by("due_date", "id"):
        reminders[action.owner_id].overdue.append(action)
    stalled = owned.stalled(settings.STALLED_AFTER_DAYS, reference.moment)
    for action in stalled.order_by("updated_at", "id"):
        reminders[action.owner_id].stalled.append(action)
    return list(reminders.values())
