"""What a user's memberships allow (DESIGN.md, "Who may do what"): the one source of rights.

A membership (editor or viewer) makes a user a member: they read everything, drafts included.
An editor of the ministry changes everything; an editor of another party changes what the
`editable_by` querysets allow and links only their own parties and regions inside their
working area. The admin's permissions (`agenda.backends`), the API, the pages and the import
all ask this module; the services enforce it."""

from dataclasses import dataclass

from django.apps import apps
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
        """Refuse linking (or unlinking) parties that are not the user's own; the refusal
        names them as people know them (by name, not by code)."""
        if self.edits_everything:
            return
        foreign = sorted(
            str(p.name) for p in parties if p is not None and p.pk not in self.editor_party_ids
        )
        if foreign or any(p is None for p in parties):
            raise OutOfScope(
                _("You can only link your own parties (%(own)s) here; not: %(others)s.")
                % {"own": self.editor_party_names(), "others": "; ".join(foreign) or "—"},
                field=field,
            )

    def check_regions(self, field, regions, *, inside_ids=None):
        """Refuse setting (or removing) regions outside the user's working area, by name.
        `inside_ids`: the ids of the regions among them that lie inside the working area,
        when the caller read them already (a batch); else the database is asked."""
        if self.edits_everything or not regions:
            return
        if inside_ids is not None:
            names = sorted(str(r.name) for r in regions if r.pk not in inside_ids)
        else:
            outside = Region.objects.filter(pk__in=[r.pk for r in regions]).exclude(
                pk__in=self.working_area()
            )
            names = sorted(outside.values_list("name", flat=True))
        if names:
            raise OutOfScope(
                _(
                    "You can only set regions inside your working area (%(area)s); "
                    "outside it: %(names)s."
                )
                % {"area": self.working_area_names(), "names": "; ".join(names)},
                field=field,
            )

    def editor_party_names(self):
        """The names of the parties the user edits for, as one phrase."""
        parties = apps.get_model("agenda", "Party").objects.filter(pk__in=self.editor_party_ids)
        return join_names(parties.order_by("name").values_list("name", flat=True))

    def working_area_names(self):
        """The regions the user's editor parties work in (their working area's roots)."""
        roots = Region.objects.filter(parties__in=self.editor_party_ids).distinct()
        return join_names(roots.order_by("name").values_list("name", flat=True))

    @property
    def prepares_reviews(self):
        """Records a review's decisions and holds it: the ministry's editors."""
        return self.edits_everything

    def why_not_preparing_reviews(self):
        """Why this user reads a review's decisions but does not record them, in words."""
        if self.prepares_reviews:
            return None
        return _(
            "Only the ministry's editors record the decisions of a review and hold it; you can "
            "read them. Propose a decision to the ministry (your contact at EZ)."
        )

    def check_prepares_reviews(self):
        if not self.prepares_reviews:
            raise OutOfScope(self.why_not_preparing_reviews())

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


def read_only_reason(user, instance):
    """Why `user` may read `instance` but not change it, in words: whose record it is, what
    the user changes instead, and what else they may do (a contributor adds progress). The
    model's queryset says it beside its `editable_by` (`why_not_editable`); other records
    are the ministry's."""
    scope = scope_for(user)
    if not scope.editor_party_ids and not scope.edits_everything:
        return _(
            "You have read-only access: your membership is as a viewer. To change records you "
            "need an editor's membership; a ministry administrator gives it."
        )
    explain = getattr(type(instance).objects, "why_not_editable", None)
    if explain is not None:
        return explain(user, instance)
    return _("Only the ministry's editors change %(what)s; you can read them.") % {
        "what": instance._meta.verbose_name_plural
    }


def ensure_editable(user, instance, *, after_write=False):
    """Refuse a write to a row the user may not change (saying why), or — `after_write` —
    a write that would take the row out of what they may change."""
    if may_change(user, instance):
        return
    if after_write:
        raise outside_after_write(instance)
    raise OutOfScope(read_only_reason(user, instance))


def outside_after_write(instance):
    """The refusal of a write that would take the row out of what the writer may change."""
    return OutOfScope(
        _("With this change the %(model)s would lie outside what you may change.")
        % {"model": instance._meta.verbose_name}
    )


def join_names(names):
    """“A, B and C”: names as a sentence lists them."""
    names = [str(name) for name in names]
    if len(names) <= 1:
        return "".join(names) or "—"
    return _("%(first)s and %(last)s") % {"first": ", ".join(names[:-1]), "last": names[-1]}


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
