"""Abstract model bases every app of the registry shares (no tables of their own)."""

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

# A code is a public key that goes into URLs, filters (`?agreement=A,B`) and spreadsheets:
# ASCII letters, digits, "-" and "_" only. That also shuts out look-alikes (Cyrillic "А",
# zero-width spaces, un-normalised accents), which would make two codes that read the same.
CODE_CHARACTERS = "A-Za-z0-9_-"  # a code's alphabet: the validator's, the API schema's
validate_code = RegexValidator(
    rf"\A[{CODE_CHARACTERS}]+\Z",
    message=_(
        "Use only letters A–Z, digits, “-” and “_” in a code (no spaces, accents or other signs)."
    ),
    code="invalid_code",
)


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


class CaseInsensitiveCodeMixin:
    """Codes match regardless of case everywhere (`?agreement=gen`, `/agreements/gen/`), so
    two codes that differ only in case (`GEN`, `gen`) would be one key for two rows: refused
    like a duplicate."""

    def validate_unique(self, exclude=None):
        super().validate_unique(exclude)
        if self.code and "code" not in (exclude or ()):
            others = type(self)._default_manager.filter(code__iexact=self.code)
            if self.pk is not None:
                others = others.exclude(pk=self.pk)
            taken = others.values_list("code", flat=True).first()
            if taken is not None:
                raise ValidationError(
                    {
                        "code": _("The code %(code)s exists already (in other letter case).")
                        % {"code": taken}
                    }
                )


class CodedModel(CaseInsensitiveCodeMixin, TimeStampedModel):
    """A record whose public key is its `code` (regions, parties, themes, agreements, goals)."""

    code = models.CharField(_("code"), max_length=40, unique=True, validators=[validate_code])

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
