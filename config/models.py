"""Abstract model bases every app of the registry shares (no tables of their own)."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """created_at/updated_at for every model of the registry."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, db_index=True)

    class Meta:
        abstract = True


class CodeQuerySet(models.QuerySet):
    """Rows looked up by their code, the stable public key that the API and fixtures use."""

    def get_by_natural_key(self, code):
        return self.get(code=code)


class CodedModel(TimeStampedModel):
    """A record whose public key is its `code` (regions, parties, themes, agreements, goals)."""

    code = models.CharField(_("code"), max_length=40, unique=True)

    class Meta:
        abstract = True

    def natural_key(self):
        return (self.code,)


class NaturalKeyManager(models.Manager):
    """Looks rows up by the natural key that fixtures use (codes, never ids)."""

    def __init__(self, *lookups):
        super().__init__()
        self.lookups = lookups

    def get_by_natural_key(self, *values):
        return self.get(**dict(zip(self.lookups, values, strict=True)))


def choices_constraint(field, choices):
    """The database refuses a value outside the field's choices."""
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__in": choices.values}),
        name=f"%(app_label)s_%(class)s_{field}_valid",
        violation_error_message=_("Choose one of the allowed values."),
    )
