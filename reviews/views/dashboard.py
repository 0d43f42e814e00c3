"""`/reviews/`: the dashboard of a review meeting."""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from actions.choices import ActionStatus
from actions.history import first_recorded_day
from actions.models import Action
from agenda.choices import AgreementStatus
from config.clock import reference_day_panel
from reviews import charts, selectors
from reviews.cache import Figures
from reviews.forms import AsOfForm
from reviews.views.base import NATIONAL_LABEL, ReviewPageMixin, with_params

# The dashboard --------------------------------------------------------------------------


def linked_rows(table, row_param, as_of):
    """A CountTable's rows with, for each count, the link to the list that shows it."""
    base = reverse("reviews:actions")
    rows = []
    for row in table.table_rows():
        key = row["key"]

        def link(key=key, **extra):
            if key == selectors.NATIONAL:
                return None
            return with_params(base, **{row_param: key}, as_of=as_of, **extra)

        row["cells"] = [(s, n, link(status=s) if n else None) for s, n in row["cells"]]
        row["link"] = link()
        row["overdue_link"] = link(overdue="true") if row["overdue"] else None
        row["stalled_link"] = link(stalled="true") if row["stalled"] else None
        rows.append(row)
    return rows


class DashboardView(ReviewPageMixin, TemplateView):
    template_name = "reviews/dashboard.html"

    def get(self, request, *args, **kwargs):
        form = AsOfForm(request.GET)
        if not form.is_valid():
            return self.render_to_response(self.get_context_data(form=form), status=400)
        return self.render_to_response(self.get_context_data(form=form))

    def get_context_data(self, form, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = form
        if form.errors:
            return context
        user = self.request.user
        reference = form.reference()
        day = reference.day
        as_of = reference.as_of
        figures = Figures(user, day).get(
            "dashboard", lambda: dashboard_page(user, reference), reference.is_today, as_of
        )
        context.update(
            figures,
            reference=reference,
            reference_panel=reference_day_panel(reference, first_day=figures["first_day"]),
            as_of=as_of,
            overdue_link=with_params(reverse("reviews:actions"), overdue="true", as_of=as_of),
            stalled_link=with_params(reverse("reviews:actions"), stalled="true", as_of=as_of),
            actions_link=with_params(reverse("reviews:actions"), as_of=as_of),
            agreements_link=with_params(
                reverse("reviews:agreements"), status=AgreementStatus.ACTIVE, as_of=as_of
            ),
            national=selectors.NATIONAL,
            statuses=[(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
            stalled_days=settings.STALLED_AFTER_DAYS,
        )
        return context


def dashboard_page(user, reference):
    """The figures with what is drawn from them alone (charts, the tables' links): rendering
    these took as long as the page's cached queries."""
    figures = dashboard_figures(user, reference)
    by_theme, by_region, as_of = figures["by_theme"], figures["by_region"], reference.as_of
    return {
        **figures,
        "theme_rows": linked_rows(by_theme, "theme", as_of),
        "region_rows": linked_rows(by_region, "region", as_of),
        "by_theme_chart": charts.stacked_bars(by_theme, title=_("Actions by status and theme")),
        "by_region_chart": charts.stacked_bars(
            by_region, title=_("Actions by status and agenda region")
        ),
        "goals": [(goal, charts.goal_chart(goal)) for goal in figures["goals"]],
        "trend_chart": charts.trend_chart(figures["trend"]),
    }


def dashboard_figures(user, reference):
    """Everything the dashboard counts, for the cache (reviews.cache): plain data only."""
    day = reference.day
    history_day = None if reference.is_today else day
    actions = selectors.actions_for(user, history_day)
    agreements = selectors.agreements_for(user, history_day)
    last_review = selectors.last_held_review(day)
    counted = selectors.ActionFigures(actions, day)
    return {
        "first_day": first_recorded_day(Action),
        "last_change": selectors.last_change_day(user) if reference.is_today else None,
        "totals": counted.totals(),
        "active_agreements": agreements.filter(status=AgreementStatus.ACTIVE).count(),
        "by_theme": counted.by_theme(),
        "by_region": counted.by_agenda_region(NATIONAL_LABEL),
        "goals": selectors.goals(day),
        "last_review": last_review,
        "next_review": selectors.next_planned_review(),
        "changes": selectors.changes_between(user, last_review.date, day, NATIONAL_LABEL)
        if last_review
        else None,
        "trend": selectors.trend(until=day),
    }
