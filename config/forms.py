"""Form fields the admin and the review pages share."""

from django import forms
from django.utils.translation import gettext_lazy as _

from config.clock import TODAY, reference_day, today


class ReferenceDayField(forms.DateField):
    """`as_of`: the reference day a user chooses, a day (YYYY-MM-DD) up to today, or `today`
    (judge on today whatever day the page would show; config.clock)."""

    default_error_messages = {"invalid": _("Enter a date as YYYY-MM-DD, e.g. 2016-06-08.")}

    def __init__(self, **kwargs):
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("reference date"))
        kwargs.setdefault(
            "help_text", _("The state at the end of that day, from the recorded history.")
        )
        super().__init__(input_formats=["%Y-%m-%d"], **kwargs)

    def to_python(self, value):
        if isinstance(value, str) and value.strip() == TODAY:
            return today()
        return super().to_python(value)

    def validate(self, value):
        super().validate(value)
        if value and value > today():
            raise forms.ValidationError(
                _("Choose today or a day before: the future has no state yet."), code="future"
            )


class ReferenceDayForm(forms.Form):
    """A page's `as_of`: the reference day the user chose, if any."""

    as_of = ReferenceDayField()

    def reference(self, page_day=None):
        """The page's reference day: the user's valid choice, else the page's own day, else
        the installation's (config.clock)."""
        chosen = self.cleaned_data.get("as_of") if self.is_valid() else None
        return reference_day(chosen, page_day=page_day)
