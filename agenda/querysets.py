"""The permission scope and the region questions for parties, themes and agreements: one
place for each rule. `visible_to(user)` and `editable_by(user)` answer the admin, the API,
the pages and the import alike (DESIGN.md, "Who may do what")."""

from django.db import models
from django.utils.translation import gettext as _

from agenda.choices import AgreementPartyRole, AgreementScope, AgreementStatus
from agenda.scope import join_names, scope_for
from config.models import CodeQuerySet
from regions.models import Region


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

    def led_by(self, party_ids):
        """Agreements one of the parties leads."""
        leads = self.model.parties.through.objects.filter(
            party__in=party_ids, role=AgreementPartyRole.LEAD
        )
        return self.filter(pk__in=leads.values("agreement_id"))

    def visible_to(self, user):
        if scope_for(user).sees_drafts:
            return self.all()
        return self.exclude(status=AgreementStatus.DRAFT)

    def editable_by(self, user):
        """Ministry editors: all. Other editors: regional agreements whose regions all lie
        inside their working area, or that one of their parties leads. Generic agreements
        are national: ministry editors only."""
        scope = scope_for(user)
        if scope.edits_everything:
            return self.all()
        if not scope.editor_party_ids:
            return self.none()
        objects = self.model.objects
        return self.filter(scope=AgreementScope.REGIONAL).filter(
            models.Q(pk__in=objects.led_by(scope.editor_party_ids).values("pk"))
            | models.Q(pk__in=objects.inside_area(scope.working_area()).values("pk"))
        )

    def why_not_editable(self, user, agreement):
        """`editable_by`'s answer in words, for an editor who may not change `agreement`."""
        scope = scope_for(user)
        if agreement.scope == AgreementScope.GENERIC:
            return _(
                "This is a national (generic) agreement: only the ministry's editors change it. "
                "You may add actions to it for %(parties)s."
            ) % {"parties": scope.editor_party_names()}
        regions = agreement.regions.order_by("name").values_list("name", flat=True)
        return _(
            "This agreement applies to %(regions)s. You change regional agreements inside "
            "%(area)s and agreements led by %(parties)s."
        ) % {
            "regions": join_names(regions),
            "area": scope.working_area_names(),
            "parties": scope.editor_party_names(),
        }
