"""The permission scope and the region questions for agreements: one place for each rule.

`visible_to(user)` and `editable_by(user)` answer the admin, the API, the pages and the
import alike (DESIGN.md, "Who may do what")."""

from dataclasses import dataclass

from django.db import models

from agenda.choices import AgreementScope, AgreementStatus, MembershipRole, PartyKind
from regions.models import Region


@dataclass(frozen=True)
class UserScope:
    """What a user's memberships allow; computed with one query and cached on the user."""

    sees_drafts: bool
    edits_everything: bool
    editor_party_ids: frozenset

    def working_area(self):
        """Subquery: the regions inside the working area of the user's editor parties."""
        return Region.objects.filter(
            ancestor_links__ancestor__parties__in=self.editor_party_ids
        ).values("pk")


NO_SCOPE = UserScope(sees_drafts=False, edits_everything=False, editor_party_ids=frozenset())


def scope_for(user):
    if user is None or not user.is_authenticated or not user.is_active:
        return NO_SCOPE
    cached = getattr(user, "_agenda_scope", None)
    if cached is not None:
        return cached
    memberships = list(user.memberships.values_list("party_id", "role", "party__kind"))
    editor_ids = frozenset(p for p, role, _kind in memberships if role == MembershipRole.EDITOR)
    scope = UserScope(
        sees_drafts=user.is_superuser or bool(memberships),
        edits_everything=user.is_superuser
        or any(
            role == MembershipRole.EDITOR and kind == PartyKind.MINISTRY
            for _p, role, kind in memberships
        ),
        editor_party_ids=editor_ids,
    )
    user._agenda_scope = scope
    return scope


class CodeQuerySet(models.QuerySet):
    def get_by_natural_key(self, code):
        return self.get(code=code)


class PartyQuerySet(CodeQuerySet):
    def linked_within(self, *regions):
        """Parties whose working area touches a region inside any of `regions`."""
        return self.filter(regions__in=Region.objects.within(*regions).values("pk")).distinct()


class ThemeQuerySet(CodeQuerySet):
    def with_subthemes(self, *themes):
        """The given themes and the themes under them (main themes include sub-themes)."""
        return self.filter(models.Q(pk__in=[t.pk for t in themes]) | models.Q(parent__in=themes))


class AgreementQuerySet(CodeQuerySet):
    def _linked(self, regions_subquery):
        through = self.model.regions.through.objects
        return models.Q(pk__in=through.filter(region__in=regions_subquery).values("agreement_id"))

    def linked_within(self, *regions):
        """Agreements linked to one of `regions` or to a region inside one of them."""
        return self.filter(self._linked(Region.objects.within(*regions).values("pk")))

    def applies_to(self, *regions):
        """Everything that applies at the regions: generic agreements, and those linked to
        them, to a region above them or to a region inside them."""
        around = Region.objects.around(*regions).values("pk")
        return self.filter(models.Q(scope=AgreementScope.GENERIC) | self._linked(around))

    def inside_area(self, area):
        """Regional agreements that have regions, all of them inside `area` (a subquery)."""
        through = self.model.regions.through.objects
        return self.filter(
            models.Q(scope=AgreementScope.REGIONAL),
            models.Q(pk__in=through.values("agreement_id")),
            ~models.Q(pk__in=through.exclude(region__in=area).values("agreement_id")),
        )

    def visible_to(self, user):
        if scope_for(user).sees_drafts:
            return self.all()
        return self.exclude(status=AgreementStatus.DRAFT)

    def editable_by(self, user):
        """Ministry editors: all. Other editors: regional agreements to which one of their
        parties is a party, or whose regions all lie inside their working area. Generic
        agreements are national: ministry editors only."""
        scope = scope_for(user)
        if scope.edits_everything:
            return self.all()
        if not scope.editor_party_ids:
            return self.none()
        from agenda.models import AgreementParty

        own = AgreementParty.objects.filter(party__in=scope.editor_party_ids)
        inside = self.model.objects.inside_area(scope.working_area())
        return self.filter(scope=AgreementScope.REGIONAL).filter(
            models.Q(pk__in=own.values("agreement_id")) | models.Q(pk__in=inside.values("pk"))
        )


class NaturalKeyManager(models.Manager):
    """Looks rows up by the natural key that fixtures use (codes, never ids)."""

    def __init__(self, *lookups):
        super().__init__()
        self.lookups = lookups

    def get_by_natural_key(self, *values):
        return self.get(**dict(zip(self.lookups, values, strict=True)))
