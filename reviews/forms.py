import datetime

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from regions.choices import RegionKind
from regions.models import Region
from reviews.models import SavedView

MAX_PAGE_SIZE = 500  # as the API
DEFAULT_PAGE_SIZE = 50


class DayInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if isinstance(value, datetime.date) else value


class AsOfForm(forms.Form):
    """`as_of`: the state at the end of that day, from the history; `page` and `page_size`
    as the API takes them."""

    as_of = forms.DateField(
        label=_("as of"),
        required=False,
        input_formats=["%Y-%m-%d"],
        widget=DayInput,
        help_text=_("The state at the end of that day, from the recorded history."),
        error_messages={"invalid": _("Enter a date as YYYY-MM-DD, e.g. 2016-06-08.")},
    )
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)

    def clean_as_of(self):
        day = self.cleaned_data["as_of"]
        if day and day > timezone.localdate():
            raise forms.ValidationError(
                _("Choose today or a day before: the future has no state yet.")
            )
        return day


class ReportForm(forms.Form):
    region = forms.CharField(required=False, max_length=40)

    def clean_region(self):
        code = self.cleaned_data["region"]
        if not code:
            return None
        region = Region.objects.filter(code=code, kind=RegionKind.AGENDA_REGION).first()
        if region is None:
            names = ", ".join(
                Region.objects.filter(kind=RegionKind.AGENDA_REGION)
                .order_by("code")
                .values_list("code", flat=True)
            )
            raise forms.ValidationError(
                _("Choose an agenda region: %(codes)s."), params={"codes": names}
            )
        return region


class SavedViewForm(forms.ModelForm):
    class Meta:
        model = SavedView
        fields = ["name", "shared"]
        labels = {"name": _("Save this filter as")}


class HoldForm(forms.Form):
    """Holding a review: the conclusion, and for each `adjust` decision the code and title of
    the revised agreement (suggested)."""

    conclusion = forms.CharField(
        label=_("conclusion"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )
    confirm = forms.BooleanField(
        label=_("I have checked the decisions; hold the review and apply them."), required=True
    )

    def __init__(self, *args, adjustments=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.adjustments = list(adjustments)
        for decision, suggestion in self.adjustments:
            self.fields[f"code_{decision.pk}"] = forms.CharField(
                label=_("new code"), max_length=40, initial=suggestion
            )
            self.fields[f"title_{decision.pk}"] = forms.CharField(
                label=_("new title"), max_length=300, initial=decision.agreement.title
            )

    def adjustment_rows(self):
        return [
            (decision, self[f"code_{decision.pk}"], self[f"title_{decision.pk}"])
            for decision, _suggestion in self.adjustments
        ]

    def revisions(self):
        return {
            decision.pk: {
                "code": self.cleaned_data[f"code_{decision.pk}"],
                "title": self.cleaned_data[f"title_{decision.pk}"],
            }
            for decision, _suggestion in self.adjustments
        }
