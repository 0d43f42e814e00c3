"""`/reviews/matrix/`: generic agreements × provinces and agenda regions."""

from urllib.parse import urlencode

from django.conf import settings
from django.urls import reverse
from django.utils.functional import SimpleLazyObject
from django.utils.translation import gettext as _
from django.views.generic import TemplateView

from actions.choices import ActionStatus
from actions.history import first_recorded_day
from agenda.choices import AgreementStatus
from agenda.filters import AgreementFilterSet
from agenda.models import Agreement
from config.clock import reference_day_panel
from config.parameters import unknown_parameters, unknown_parameters_message
from reviews import selectors
from reviews.cache import Figures
from reviews.forms import AsOfForm
from reviews.views.base import ReviewPageMixin, with_params
from reviews.views.lists import filter_data, filter_fields, theme_choices


class MatrixView(ReviewPageMixin, TemplateView):
    template_name = "reviews/matrix.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        day_form = AsOfForm(request.GET)
        reference = day_form.reference()
        day = None if reference.is_today else reference.day
        data = filter_data(request.GET, AgreementFilterSet)
        rows_filter = AgreementFilterSet(
            data,
            queryset=selectors.generic_only(selectors.agreements_for(user, day)),
            request=request,
        )
        unknown = unknown_parameters(request.GET, {*AgreementFilterSet.base_filters, "as_of"})
        context = {
            "day_form": day_form,
            "filterset": rows_filter,
            "fields": filter_fields(
                rows_filter,
                {
                    "status": list(AgreementStatus.choices),
                    "theme": theme_choices(),
                },
            ),
            "problems": [unknown_parameters_message(unknown)] if unknown else [],
            "as_of": day,
            "as_of_param": reference.as_of,
            "reference_panel": reference_day_panel(
                reference,
                [(k, v) for k, v in data.items() if k != "as_of"],
                first_recorded_day(Agreement),
            ),
        }
        if not (rows_filter.is_valid() and day_form.is_valid()) or unknown:
            return self.render_to_response(context, status=400)
        figures = Figures(user, reference.day)
        parts = (
            reference.is_today,
            reference.as_of,
            urlencode(sorted((k, v) for k, v in data.items() if k != "as_of")),
        )
        context.update(
            # Built only when the template's cached fragment (matrix_key) is missing: the
            # tables of 500 agreements took seconds to build and render.
            tables=SimpleLazyObject(
                lambda: matrix_tables(user, rows_filter.qs, reference, figures, parts)
            ),
            matrix_key=figures.key("matrix-html", *parts),
            cache_seconds=settings.REVIEW_CACHE_SECONDS,
            statuses=[
                (s, ActionStatus(s).label, selectors.STATUS_SYMBOLS[s])
                for s in selectors.STATUS_ORDER
            ],
        )
        return self.render_to_response(context)


# Reviews --------------------------------------------------------------------------------


def matrix_tables(user, agreements_qs, reference, figures, parts):
    """The two tables (provinces, agenda regions): a row per agreement, a cell per place."""
    day = None if reference.is_today else reference.day
    agreements = list(agreements_qs.select_related("theme").order_by("theme__name", "code"))
    actions = selectors.actions_for(user, day)
    cells = figures.get(
        "matrix",
        lambda: selectors.implementation_matrix(agreements_qs, actions, reference.day),
        *parts,
    )
    as_of = reference.as_of
    actions_url = reverse("reviews:actions")

    def row_cells(agreement, places):
        result = []
        for code, name in places:
            link = None
            if code != selectors.NATIONAL:
                link = with_params(actions_url, agreement=agreement.code, region=code, as_of=as_of)
            result.append({"place": name, "cell": cells.get((agreement.id, code)), "link": link})
        return result

    province_places = [(p.code, p.name) for p in selectors.provinces()] + [
        (selectors.NATIONAL, _("nationwide"))
    ]
    region_places = [(r.code, r.name) for r in selectors.agenda_regions()]
    return [
        (
            title,
            [{"agreement": a, "cells": row_cells(a, places)} for a in agreements],
            [name for _code, name in places],
        )
        for title, places in (
            (_("Provinces"), province_places),
            (_("Agenda regions"), region_places),
        )
    ]
