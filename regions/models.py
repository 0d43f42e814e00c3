from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from config.models import CodedModel
from regions.choices import RegionKind
from regions.querysets import RegionQuerySet


class Region(CodedModel):
    """A place the agenda talks about: the country, a CBS landsdeel, one of the agenda's own
    five regions, a province, a municipality or a cluster/hotspot.

    `parent` is the CBS tree; `groups` are the other groupings a region also belongs to (the
    agenda regions, clusters spanning provinces)."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    kind = models.CharField(_("kind"), max_length=20, choices=RegionKind)
    iso_code = models.CharField(_("ISO 3166-2 code"), max_length=10, blank=True)
    parent = models.ForeignKey(
        "regions.Region",
        verbose_name=_("parent"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    groups = models.ManyToManyField(
        "regions.Region",
        verbose_name=_("also part of"),
        blank=True,
        symmetrical=False,
        related_name="members",
        help_text=_("Other groupings this region belongs to, such as an agenda region."),
    )

    objects = RegionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["groups"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=RegionKind.values),
                name="%(app_label)s_%(class)s_kind_valid",
                violation_error_message=_("Choose one of the kinds."),
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("pk")),
                name="%(app_label)s_%(class)s_not_own_parent",
                violation_error_message=_("A region cannot lie inside itself."),
            ),
        ]
        indexes = [models.Index(fields=["kind"])]

    def __str__(self):
        return f"{self.name} ({self.code})"


class RegionClosure(models.Model):
    """Derived index: one row per (ancestor, descendant) pair, itself included, following
    both `parent` and `groups`. Rebuilt whenever the tree changes (see regions.services)."""

    ancestor = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="descendant_links"
    )
    descendant = models.ForeignKey(
        "regions.Region", on_delete=models.CASCADE, related_name="ancestor_links"
    )
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["ancestor", "descendant"], name="%(app_label)s_%(class)s_unique_pair"
            ),
        ]
        indexes = [models.Index(fields=["descendant", "ancestor"])]

    def __str__(self):
        return f"{self.ancestor_id} > {self.descendant_id}"
