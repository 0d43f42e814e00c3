"""What a user's memberships allow (DESIGN.md, "Who may do what"): the one source of rights.

A membership (editor or viewer) makes a user a member: they read everything, drafts included.
An editor of the ministry changes everything; an editor of another party changes what the
`editable_by` querysets allow and links only their own parties and regions inside their
working area. The admin's permissions (`agenda.backends`), the API, the pages and the import
all ask this module; the services enforce it."""

from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist, PermissionDenied
from django.db.models import OuterRef, Q, Subquery
from django.utils.translation import gettext as _

from agenda.choices import AgreementStatus, MembershipRole, PartyKind
from regions.models import Region


class OutOfScope(PermissionDenied):
    """A write refused by the scope rule; `field` names the input that crossed it (or None)."""

    def __init__(self, message, field=None):
        super().__init__(message)
        self.message = message
        self.field = field


@dataclass(frozen=True)
class UserScope:
    """A user's rights, computed from their memberships with one query and cached per user."""

    is_member: bool
    edits_everything: bool
    party_ids: frozenset
    editor_party_ids: frozenset

    @property
    def sees_drafts(self):
        return self.is_member

    @property
    def sees_authors(self):
        """Who changed what (history users, progress-log authors) is for members only."""
        return self.is_member

    def working_area(self):
        """Subquery: the regions inside the working area of the user's editor parties."""
        return Region.objects.filter(
            ancestor_links__ancestor__parties__in=self.editor_party_ids
        ).values("pk")

    def check_party_links(self, field, parties):
        """Refuse linking (or unlinking) parties that are not the user's own."""
        if self.edits_everything:
            return
        foreign = sorted(
            p.code for p in parties if p is not None and p.pk not in self.editor_party_ids
        )
        if foreign or any(p is None for p in parties):
            raise OutOfScope(
                _("You can only link your own parties here; not: %(codes)s.")
                % {"codes": ", ".join(foreign) or "—"},
                field=field,
            )

    def check_regions(self, field, regions):
        """Refuse setting (or removing) regions outside the user's working area."""
        if self.edits_everything or not regions:
            return
        outside = Region.objects.filter(pk__in=[r.pk for r in regions]).exclude(
            pk__in=self.working_area()
        )
        codes = sorted(outside.values_list("code", flat=True))
        if codes:
            raise OutOfScope(
                _("You can only set regions inside your working area; outside it: %(codes)s.")
                % {"codes": ", ".join(codes)},
                field=field,
            )

    def check_ministry_only(self, field, label):
        if not self.edits_everything:
            raise OutOfScope(_("Only ministry editors change %(what)s.") % {"what": label}, field)


DRAFT = AgreementStatus.DRAFT

NO_SCOPE = UserScope(
    is_member=False, edits_everything=False, party_ids=frozenset(), editor_party_ids=frozenset()
)


def scope_for(user):
    """The scope of a user; none for anonymous and inactive users."""
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_agenda_scope", None)
    if cached is not None:
        return cached
    memberships = list(user.memberships.values_list("party_id", "role", "party__kind"))
    editor_ids = frozenset(p for p, role, _kind in memberships if role == MembershipRole.EDITOR)
    scope = UserScope(
        is_member=user.is_superuser or bool(memberships),
        edits_everything=user.is_superuser
        or any(
            role == MembershipRole.EDITOR and kind == PartyKind.MINISTRY
            for _p, role, kind in memberships
        ),
        party_ids=frozenset(p for p, _role, _kind in memberships),
        editor_party_ids=editor_ids,
    )
    user._agenda_scope = scope
    return scope


def may_change(user, instance):
    """May this user change this row: the one spelling of the question."""
    return type(instance).objects.editable_by(user).contains(instance)


def ensure_editable(user, instance):
    if not may_change(user, instance):
        raise OutOfScope(
            _("This %(model)s is outside your scope.") % {"model": instance._meta.verbose_name}
        )


def author_shown_to(user, author):
    """The name of who made a change, as `user` may read it: the one rule for `history/`,
    `updates/` and the admin's history pages."""
    if author is None or not scope_for(user).sees_authors:
        return None
    return author.get_username()


def published_history(user, records):
    """The historical records (a simple-history queryset) that `user` may read. Readers who
    may not see drafts get none written while the agreement was a draft — an agreement's
    records with status draft, the records of a row under an agreement that was a draft when
    they were written — and none of a row under an agreement that is a draft now: a history
    starts at publication."""
    if scope_for(user).sees_drafts:
        return records
    tracked = records.model.instance_type
    if tracked._meta.label == "agenda.Agreement":
        return records.exclude(status=DRAFT)
    try:
        agreement = records.model._meta.get_field("agreement").related_model
    except FieldDoesNotExist:
        return records
    status_then = agreement.history.filter(
        id=OuterRef("agreement_id"), history_date__lte=OuterRef("history_date")
    ).order_by("-history_date", "-history_id")
    return (
        records.exclude(agreement__status=DRAFT)
        .alias(agreement_status_then=Subquery(status_then.values("status")[:1]))
        .filter(Q(agreement_status_then__isnull=True) | ~Q(agreement_status_then=DRAFT))
    )
