"""`/reviews/<id>/report/` (and `pdf/`): a review as a printable report."""

from urllib.parse import urlencode

from django.shortcuts import get_object_or_404
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from actions.choices import ActionStatus
from actions.filters import ActionFilterSet
from actions.history import first_recorded_day
from actions.models import Action
from actions.querysets import overdue_q
from agenda.choices import AgreementStatus, ReviewStatus
from agenda.filters import AgreementFilterSet
from agenda.models import Review, ReviewDecision
from config.clock import reference_day_panel
from config.parameters import unknown_parameters, unknown_parameters_message
from config.spreadsheets.writing import gated_export
from reviews import charts, selectors
from reviews.cache import Figures
from reviews.forms import ReportForm
from reviews.pdf import pdf_response
from reviews.selectors import held_on, visible_decisions
from reviews.views.base import NATIONAL_LABEL, ReviewPageMixin, with_params
from reviews.views.reviews import decisions_by_kind, snapshot_table

# The report lists the first done and the longest overdue actions, this many of each;
# the rest are counted, with a link to the list of all.
REPORT_LIST_LIMIT = 25


class ReportView(ReviewPageMixin, TemplateView):
    template_name = "reviews/report.html"
    pdf = False

    def get(self, request, pk):
        review = get_object_or_404(Review.objects.prefetch_related("participants"), pk=pk)
        form = ReportForm(request.GET)
        unknown = unknown_parameters(request.GET, {"region", "as_of"})
        if not form.is_valid() or unknown:
            if unknown:
                form.add_error(None, unknown_parameters_message(unknown))
            return self.render_to_response({"form": form, "review": review}, status=400)
        if self.pdf:
            # A registry this large makes a long PDF: prepared by a job, as big exports are;
            # one made now holds an export slot.
            _refusal, response = gated_export(
                request,
                Action.objects.count(),
                lambda: self.pdf_response(request, self.report_context(review, form), review),
                offer=_("Report %(review)s (PDF)") % {"review": review},
            )
            return response
        return self.render_to_response(self.report_context(review, form))

    def report_context(self, review, form):
        """The report on its reference day: a held review's day, unless the user chose another
        (config.clock); a review being prepared is reported on the installation's day."""
        user = self.request.user
        region, chosen = form.cleaned_data["region"], form.cleaned_data["as_of"]
        held = review.status == ReviewStatus.HELD
        reference = form.reference(page_day=held_on(review) if held else None)
        day = reference.day
        self.figures = Figures(user, day)
        self.cache_parts = (review.pk, region.code if region else "", reference.is_today)
        figures = self.figures.get(
            "report", lambda: report_figures(user, review, reference, region), *self.cache_parts
        )
        keep = [("region", region.code)] if region is not None else []
        list_params = {"region": region.code if region else None, "as_of": reference.as_of}
        return {
            **figures,
            "review": review,
            "region": region,
            "day": day,
            "reference_panel": reference_day_panel(reference, keep, figures["first_day"]),
            "pdf_query": urlencode([*keep, *([("as_of", chosen.isoformat())] if chosen else [])]),
            "held": held,
            "statuses": [(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
            "done_more": figures["done_count"] - len(figures["done_since"]),
            "done_link": with_params(
                reverse("reviews:actions"), status=ActionStatus.DONE, **list_params
            ),
            "late_more": figures["totals"]["overdue"] - len(figures["late"]),
            "late_link": with_params(reverse("reviews:actions"), overdue="true", **list_params),
            "change_rows": figures["changes"].per_region(only=region.code if region else None)
            if figures["changes"]
            else [],
            "national": selectors.NATIONAL,
            "snapshot": snapshot_table(review.snapshot) if region is None else None,
            "generated": timezone.localtime(),
            "version": report_version(review),
        }

    def pdf_response(self, request, context, review):
        """The PDF, made once per data version (reviews.cache): WeasyPrint takes seconds."""
        name = f"herijking-{review.date.isoformat()}"
        if context["region"] is not None:
            name += f"-{context['region'].code}"

        def make():
            html = render_to_string(
                self.template_name, {**context, "for_pdf": True}, request=request
            )
            return pdf_response(html, name)

        return self.figures.get("report-pdf", make, *self.cache_parts)


def report_figures(user, review, reference, region):
    """What the report counts and lists, for the cache (reviews.cache). The lists of done and
    overdue actions are the first REPORT_LIST_LIMIT, with their full counts: the report says
    how many more there are and links to the list of all of them."""
    day = reference.day
    history_day = None if reference.is_today else day
    actions = selectors.actions_for(user, history_day)
    agreements = selectors.agreements_for(user, history_day)
    if region is not None:
        actions = ActionFilterSet({"region": region.code}, queryset=actions).qs
        agreements = AgreementFilterSet({"applies_to": region.code}, queryset=agreements).qs
    previous = selectors.last_held_review_before(review.date)
    done = actions.filter(status=ActionStatus.DONE)
    if previous is not None:
        done = done.filter(completed_on__gt=previous.date)
    counted = selectors.ActionFigures(actions, day)
    by_theme = counted.by_theme()
    decisions = list(visible_decisions(review, user))
    if region is not None:
        visible_codes = {a.code for a in agreements.only("code")}
        decisions = [d for d in decisions if d.agreement.code in visible_codes]
    return {
        "first_day": first_recorded_day(Action),
        "previous": previous,
        "totals": counted.totals(),
        "in_force": list(
            agreements.filter(status=AgreementStatus.ACTIVE)
            .select_related("theme")
            .order_by("theme__name", "code")
        ),
        "by_theme": by_theme,
        "by_theme_chart": charts.stacked_bars(by_theme, title=_("Actions by status and theme")),
        "done_count": done.count(),
        "done_since": list(
            done.select_related("agreement", "owner").order_by("completed_on", "code")[
                :REPORT_LIST_LIMIT
            ]
        ),
        "late": list(
            actions.filter(overdue_q(day))
            .select_related("agreement", "owner")
            .order_by("due_date", "code")[:REPORT_LIST_LIMIT]
        ),
        "changes": selectors.changes_between(user, previous.date, day, NATIONAL_LABEL)
        if previous
        else None,
        "groups": decisions_by_kind(decisions),
        "goals": [(goal, charts.goal_chart(goal)) for goal in selectors.goals(day)],
    }


def report_version(review):
    """The report's version: one more with every recorded change to the review or to its
    decisions (the text the report is made of; the figures are dated by the reference day)."""
    decisions = ReviewDecision.history.filter(review_id=review.pk).count()
    return review.history.count() + decisions
