import datetime

from django import forms
from django.utils.translation import gettext_lazy as _

from agenda.choices import ReviewDecisionKind, decisions_fitting
from config.forms import ReferenceDayField, ReferenceDayForm
from regions.choices import RegionKind
from regions.models import Region
from reviews.models import SavedView

MAX_PAGE_SIZE = 500  # as the API
DEFAULT_PAGE_SIZE = 50


class DayInput(forms.DateInput):
    input_type = "date"

    def format_value(self, value):
        return value.isoformat() if isinstance(value, datetime.date) else value


class AsOfForm(ReferenceDayForm):
    """`as_of`: the reference day the user chose (config.clock); `page` and `page_size` as
    the API takes them."""

    as_of = ReferenceDayField(widget=DayInput)
    page = forms.IntegerField(required=False, min_value=1, max_value=10**9)
    page_size = forms.IntegerField(required=False, min_value=1, max_value=MAX_PAGE_SIZE)


class ReportForm(ReferenceDayForm):
    region = forms.CharField(required=False, max_length=40)
    as_of = ReferenceDayField(widget=DayInput)

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


class DecisionForm(forms.Form):
    """What a planned review decides about one agreement, on the review page. The service
    (agenda.services.review_decision_save) judges whether the decision fits; `version` is
    the decision's version the editor read (0: none yet), so a change by someone else in
    between is refused, never overwritten."""

    decision = forms.ChoiceField(
        label=_("decision"), choices=[("", "—"), *ReviewDecisionKind.choices], required=True
    )
    note = forms.CharField(
        label=_("rationale"), widget=forms.Textarea(attrs={"rows": 2}), required=False
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=0, required=False)

    def __init__(self, *args, agreement, current=None, **kwargs):
        self.agreement, self.current = agreement, current
        kwargs.setdefault("prefix", f"a{agreement.pk}")
        if current is not None:
            initial = {"decision": current.decision, "note": current.note}
            kwargs.setdefault("initial", {**initial, "version": current.version})
        else:
            kwargs.setdefault("initial", {"version": 0})
        super().__init__(*args, **kwargs)

    def fitting(self):
        """The decisions that fit the agreement as it stands, as words."""
        return [ReviewDecisionKind(kind).label for kind in decisions_fitting(self.agreement.status)]
