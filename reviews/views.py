"""The review pages (herijking): server-rendered, read-only but for holding a review and
saving filters. Every page reads through `visible_to(request.user)` (live, or on a day of
the history), the filtered lists through the API's FilterSets."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.mixins import UserPassesTestMixin
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Prefetch, Q, prefetch_related_objects
from django.http import HttpResponseRedirect, QueryDict
from django.shortcuts import get_object_or_404, redirect
from django.template.loader import render_to_string
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.generic import TemplateView

from actions.api.serializers import ActionSerializer
from actions.choices import CLOSED_STATUSES, ActionStatus
from actions.filters import ActionFilterSet
from actions.history import first_recorded_day
from actions.models import Action
from actions.querysets import overdue_q
from agenda.api.serializers import AgreementSerializer
from agenda.choices import AgreementScope, AgreementStatus, ReviewDecisionKind, ReviewStatus
from agenda.filters import AgreementFilterSet, region_lookups
from agenda.models import Agreement, AgreementParty, BudgetLine, Party, Review, Theme
from agenda.scope import OutOfScope, scope_for
from config.filters import ChoiceListFilter, CodeListFilter, SearchFilter, StrictBooleanFilter
from config.spreadsheets.writing import EXPORTERS, export_refusal, header_for, serialized_rows
from regions.models import Region
from reviews import charts, selectors
from reviews.choices import SavedViewList
from reviews.forms import DEFAULT_PAGE_SIZE, AsOfForm, HoldForm, ReportForm, SavedViewForm
from reviews.models import SavedView
from reviews.pdf import pdf_response
from reviews.services import review_hold, suggested_code

NATIONAL_LABEL = gettext_lazy("Nationwide or across agenda regions")
PARAMETER_LABELS = {
    "agreement": gettext_lazy("agreement (codes)"),
    "theme": gettext_lazy("theme"),
    "owner": gettext_lazy("owner"),
    "party": gettext_lazy("party (owner or contributor)"),
    "status": gettext_lazy("status"),
    "scope": gettext_lazy("scope"),
    "region": gettext_lazy("linked to region"),
    "applies_to": gettext_lazy("applies to"),
    "overdue": gettext_lazy("overdue"),
    "stalled": gettext_lazy("stalled"),
    "due_from": gettext_lazy("due from"),
    "due_to": gettext_lazy("due up to and including"),
    "agreed_from": gettext_lazy("agreed from"),
    "agreed_to": gettext_lazy("agreed up to and including"),
    "updated_since": gettext_lazy("changed since"),
    "q": gettext_lazy("search"),
    "ordering": gettext_lazy("sort"),
}
LIST_PARAMETERS = {"as_of", "page", "page_size", "export"}


def may_use_review_pages(user):
    return user.is_active and (user.is_staff or scope_for(user).is_member)


class ReviewPageMixin(UserPassesTestMixin):
    """Members and staff; anonymous visitors go to the login page (with `next`), other
    logged-in users get a 403."""

    def test_func(self):
        return may_use_review_pages(self.request.user)


def with_params(base, **params):
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


def day_param(day):
    return day.isoformat() if day else None


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
            return with_params(base, **{row_param: key}, as_of=day_param(as_of), **extra)

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
        reference = selectors.reference_day(user, form.cleaned_data.get("as_of"))
        day = reference.day
        actions = selectors.actions_for(user, day if reference.history else None)
        agreements = selectors.agreements_for(user, day if reference.history else None)
        by_theme = selectors.status_by_theme(actions, day)
        by_region = selectors.status_by_agenda_region(actions, day, NATIONAL_LABEL)
        last_review = selectors.last_held_review(day)
        trend = selectors.trend(until=day)
        goals = selectors.goals()
        context.update(
            reference=reference,
            as_of=day_param(reference.as_of),
            totals=selectors.totals(actions, day),
            active_agreements=agreements.filter(status=AgreementStatus.ACTIVE).count(),
            by_theme=by_theme,
            theme_rows=linked_rows(by_theme, "theme", reference.as_of),
            region_rows=linked_rows(by_region, "region", reference.as_of),
            overdue_link=with_params(
                reverse("reviews:actions"), overdue="true", as_of=day_param(reference.as_of)
            ),
            stalled_link=with_params(
                reverse("reviews:actions"), stalled="true", as_of=day_param(reference.as_of)
            ),
            actions_link=with_params(reverse("reviews:actions"), as_of=day_param(reference.as_of)),
            by_theme_chart=charts.stacked_bars(by_theme, title=_("Actions by status and theme")),
            by_region=by_region,
            by_region_chart=charts.stacked_bars(
                by_region, title=_("Actions by status and agenda region")
            ),
            national=selectors.NATIONAL,
            statuses=[(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
            stalled_days=settings.STALLED_AFTER_DAYS,
            goals=[(goal, charts.goal_chart(goal)) for goal in goals],
            last_review=last_review,
            next_review=selectors.next_planned_review(),
            changes=selectors.changes_between(user, last_review.date, day, NATIONAL_LABEL)
            if last_review
            else None,
            trend=trend,
            trend_chart=charts.trend_chart(trend),
            first_day=first_recorded_day(Action),
        )
        return context


# Filtered lists -------------------------------------------------------------------------


def filter_data(params, filterset_class):
    """The FilterSet's data: a repeated list parameter means "any of", as a comma list."""
    data = {}
    for name, values in params.lists():
        values = [v for v in values if v.strip()]
        if not values:
            continue
        is_list = isinstance(
            filterset_class.base_filters.get(name), CodeListFilter | ChoiceListFilter
        )
        data[name] = ",".join(values) if is_list else values[-1]
    return data


def canonical_query(params, filterset_class, drop=("page", "export")):
    data = filter_data(params, filterset_class)
    return urlencode([(k, v) for k, v in data.items() if k not in drop])


def filter_fields(filterset, choices):
    """The filter panel, one entry per FilterSet parameter, its widget chosen by kind."""
    fields = []
    names = [n for n in filterset.filters if n not in ("ordering", "updated_since")]
    if "updated_since" in filterset.filters:
        names.append("updated_since")  # the sync filter, least used in a meeting: last
    for name in names:
        flt = filterset.filters[name]
        raw = filterset.data.get(name, "")
        entry = {
            "name": name,
            "label": PARAMETER_LABELS.get(name, name),
            "value": raw,
            "selected": {v.strip() for v in raw.split(",")} if raw else set(),
            "errors": filterset.form.errors.get(name, []),
            "help": flt.extra.get("help_text", ""),
        }
        if name in choices:
            entry["kind"] = "checks" if name == "status" else "multi"
            entry["options"] = choices[name]
        elif isinstance(flt, StrictBooleanFilter):
            entry["kind"] = "bool"
        elif isinstance(flt, SearchFilter):
            entry["kind"] = "search"
        elif isinstance(flt, CodeListFilter):
            entry["kind"] = "codes"
        elif "date" in type(flt).__name__.lower():
            entry["kind"] = "date" if type(flt).__name__ == "DateFilter" else "text"
        else:
            entry["kind"] = "text"
        fields.append(entry)
    return fields


class AsInstances:
    """Historical records as instances of the live model, with their links prefetched, for the
    API's serializer (the export of a list `as_of` a day)."""

    def __init__(self, records, prefetch):
        self.records = records
        self.prefetch = prefetch

    def iterator(self, chunk_size):
        chunk = []
        for record in self.records.iterator(chunk_size=chunk_size):
            chunk.append(record.instance)
            if len(chunk) == chunk_size:
                prefetch_related_objects(chunk, *self.prefetch)
                yield from chunk
                chunk = []
        prefetch_related_objects(chunk, *self.prefetch)
        yield from chunk


class FilteredListView(ReviewPageMixin, View):
    """A list that takes exactly the API's filter parameters (the same FilterSet), plus
    `as_of`, `page`, `page_size` and `export=csv|xlsx`."""

    filterset_class = None
    serializer_class = None
    list_name = None
    template_name = None
    default_ordering = ()
    columns = ()  # (label, ordering field or None)

    def live_queryset(self, user):
        raise NotImplementedError

    def export_prefetch(self):
        raise NotImplementedError

    def choices(self):
        raise NotImplementedError

    def decorate(self, rows, user, day):
        """Extra per-row facts for the page, in a fixed number of queries."""

    def get(self, request):
        params = request.GET
        if any(
            len(params.getlist(name)) > 1 or not any(v.strip() for v in params.getlist(name))
            for name in params
        ):
            # One canonical URL (comma lists, no empty parameters): it moves to the API as is.
            query = canonical_query(params, self.filterset_class, drop=())
            return HttpResponseRedirect(f"{request.path}?{query}" if query else request.path)
        user = request.user
        day_form = AsOfForm(params)
        day = day_form.cleaned_data.get("as_of") if day_form.is_valid() else None
        if day and day >= timezone.localdate():
            day = None
        base = self.live_queryset(user) if day is None else self.history_queryset(user, day)
        filterset = self.filterset_class(
            filter_data(params, self.filterset_class), queryset=base, request=request
        )
        if "agreement" in filterset.form.fields:
            # Codes the user may not see are as unknown as codes that do not exist.
            filterset.form.fields["agreement"].queryset = Agreement.objects.visible_to(user)
        unknown = sorted(set(params) - set(self.filterset_class.base_filters) - LIST_PARAMETERS)
        export = params.get("export")
        problems = []
        if unknown:
            problems.append(
                _("Unknown parameter(s): %(names)s.")
                % {"names": ", ".join(n[:40] for n in unknown)}
            )
        if export and export not in EXPORTERS:
            problems.append(_("Export as csv or xlsx."))
        valid = filterset.is_valid() and day_form.is_valid() and not problems
        context = {
            "filterset": filterset,
            "fields": filter_fields(filterset, self.choices()),
            "day_form": day_form,
            "problems": problems,
            "list_name": self.list_name,
            "as_of": day,
            "first_day": first_recorded_day(self.filterset_class._meta.model),
        }
        if not valid:
            context["saved_views"] = self.saved_views(user)
            return self.render(request, context, status=400)
        queryset = filterset.qs
        ordering = queryset.query.order_by or self.default_ordering
        queryset = queryset.order_by(*ordering, "id")
        if export:
            refusal = export_refusal(user, export, queryset.count())
            if refusal is None:
                return self.export(queryset, export, day)
            context["problems"] = [refusal]
            context["saved_views"] = self.saved_views(user)
            return self.render(request, context, status=400)
        page_size = day_form.cleaned_data.get("page_size") or DEFAULT_PAGE_SIZE
        page = Paginator(queryset, page_size).get_page(day_form.cleaned_data.get("page") or 1)
        rows = list(page.object_list)
        self.decorate(rows, user, day or timezone.localdate())
        query = canonical_query(params, self.filterset_class)
        data = filter_data(params, self.filterset_class)
        context.update(
            page=page,
            page_links=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            rows=rows,
            query=query,
            keep_params=[(k, v) for k, v in data.items() if k not in ("as_of", "page", "export")],
            query_without_as_of=canonical_query(
                params, self.filterset_class, drop=("page", "export", "as_of")
            ),
            ordering=params.get("ordering", ""),
            headers=self.headers(params),
            export_csv=f"{request.path}?{query}&export=csv" if query else "?export=csv",
            export_xlsx=f"{request.path}?{query}&export=xlsx" if query else "?export=xlsx",
            api_url=f"/api/v1/{self.list_name}/"
            + (f"?{self.api_query(params)}" if self.api_query(params) else ""),
            saved_views=self.saved_views(user),
            save_form=SavedViewForm(),
        )
        return self.render(request, context)

    def headers(self, params):
        """Column headers; a sortable one links to the list sorted by it (again: reversed)."""
        current = params.get("ordering", "")
        rest = canonical_query(params, self.filterset_class, drop=("page", "export", "ordering"))
        headers = []
        for label, field in self.columns:
            if field is None:
                headers.append({"label": label})
                continue
            descending = current == field
            target = f"-{field}" if descending else field
            sort = None
            if current == field:
                sort = "ascending"
            elif current == f"-{field}":
                sort = "descending"
            headers.append(
                {
                    "label": label,
                    "url": f"?{rest}&ordering={target}" if rest else f"?ordering={target}",
                    "sort": sort,
                }
            )
        return headers

    def api_query(self, params):
        return canonical_query(
            params, self.filterset_class, drop=("page", "export", "as_of", "page_size")
        )

    def render(self, request, context, status=200):
        return TemplateResponse(request, self.template_name, context, status=status)

    def saved_views(self, user):
        views = (
            SavedView.objects.filter(list=self.list_name)
            .filter(Q(owner=user) | Q(shared=True))
            .select_related("owner")
        )
        return [v for v in views if saved_view_visible(v, user)]

    def export(self, queryset, fmt, day):
        if day is None:
            rows = serialized_rows(self.serializer_class, self.export_queryset(queryset), {})
        else:
            rows = serialized_rows(
                self.serializer_class, AsInstances(queryset, self.export_prefetch()), {}
            )
        header = header_for(self.serializer_class())
        stamp = (day or timezone.localdate()).isoformat()
        return EXPORTERS[fmt](header, rows, f"{self.list_name}-{stamp}")


class ActionListView(FilteredListView):
    filterset_class = ActionFilterSet
    serializer_class = ActionSerializer
    list_name = SavedViewList.ACTIONS
    template_name = "reviews/action_list.html"
    default_ordering = ("agreement__code", "code")
    columns = (
        (gettext_lazy("action"), "code"),
        (gettext_lazy("agreement"), None),
        (gettext_lazy("owner"), None),
        (gettext_lazy("region"), None),
        (gettext_lazy("status"), "status"),
        (gettext_lazy("progress"), "progress"),
        (gettext_lazy("due date"), "due_date"),
        (gettext_lazy("last change"), "updated_at"),
    )

    def live_queryset(self, user):
        return Action.objects.visible_to(user).select_related("agreement__theme", "owner", "region")

    def history_queryset(self, user, day):
        return selectors.actions_for(user, day).select_related(
            "agreement__theme", "owner", "region"
        )

    def export_queryset(self, queryset):
        return queryset.prefetch_related(Prefetch("contributors", Party.objects.order_by("code")))

    def export_prefetch(self):
        return [
            "agreement__theme",
            "owner",
            "region",
            Prefetch("contributors", Party.objects.order_by("code")),
        ]

    def choices(self):
        parties = list(Party.objects.order_by("name").values_list("code", "name"))
        return {
            "status": [(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
            "theme": theme_choices(),
            "owner": parties,
            "party": parties,
            "region": region_lookups(),
            "applies_to": region_lookups(),
        }

    def decorate(self, rows, user, day):
        for row in rows:
            row.late = bool(
                row.due_date and row.due_date < day and row.status not in CLOSED_STATUSES
            )


class AgreementListView(FilteredListView):
    filterset_class = AgreementFilterSet
    serializer_class = AgreementSerializer
    list_name = SavedViewList.AGREEMENTS
    template_name = "reviews/agreement_list.html"
    default_ordering = ("code",)
    columns = (
        (gettext_lazy("agreement"), "code"),
        (gettext_lazy("theme"), None),
        (gettext_lazy("scope"), None),
        (gettext_lazy("status"), "status"),
        (gettext_lazy("agreed on"), "agreed_on"),
        (gettext_lazy("actions"), None),
        (gettext_lazy("lineage"), None),
    )

    def live_queryset(self, user):
        return Agreement.objects.visible_to(user).select_related("theme", "supersedes")

    def history_queryset(self, user, day):
        return selectors.agreements_for(user, day).select_related("theme", "supersedes")

    def export_queryset(self, queryset):
        return queryset.prefetch_related(
            "regions",
            Prefetch("party_links", AgreementParty.objects.select_related("party")),
            Prefetch("budget_lines", BudgetLine.objects.select_related("party")),
        )

    def export_prefetch(self):
        return [
            "theme",
            "supersedes",
            "regions",
            Prefetch("party_links", AgreementParty.objects.select_related("party")),
            Prefetch("budget_lines", BudgetLine.objects.select_related("party")),
        ]

    def choices(self):
        return {
            "status": list(AgreementStatus.choices),
            "scope": list(AgreementScope.choices),
            "theme": theme_choices(),
            "party": list(Party.objects.order_by("name").values_list("code", "name")),
            "region": region_lookups(),
            "applies_to": region_lookups(),
        }

    def decorate(self, rows, user, day):
        ids = [row.id for row in rows]
        regions = {}
        for agreement_id, name in Agreement.regions.through.objects.filter(
            agreement_id__in=ids
        ).values_list("agreement_id", "region__name"):
            regions.setdefault(agreement_id, []).append(name)
        actions = selectors.actions_for(user, None if day >= timezone.localdate() else day)
        counts = {
            row["agreement_id"]: row
            for row in actions.filter(agreement_id__in=ids)
            .values("agreement_id")
            .annotate(
                total=Count("id"),
                open=Count("id", filter=~Q(status__in=CLOSED_STATUSES)),
                late=Count("id", filter=overdue_q(day)),
            )
            .order_by()
        }
        successors = {}
        for later in Agreement.objects.visible_to(user).filter(supersedes_id__in=ids):
            successors.setdefault(later.supersedes_id, []).append(later)
        for row in rows:
            row.region_names = sorted(regions.get(row.id, []))
            row.action_counts = counts.get(row.id, {"total": 0, "open": 0, "late": 0})
            row.successors = successors.get(row.id, [])


def theme_choices():
    return [
        (t.code, f"{t.parent.name} › {t.name}" if t.parent_id else t.name)
        for t in selectors.themes_in_order()
    ]


def saved_view_visible(view, user):
    """A shared view naming an agreement the user may not see stays hidden from them."""
    if view.owner_id == user.pk or scope_for(user).sees_drafts:
        return True
    codes = []
    for value in QueryDict(view.query).getlist("agreement"):
        codes += [c.strip() for c in value.split(",") if c.strip()]
    if not codes:
        return True
    return not Agreement.objects.filter(code__in=codes, status=AgreementStatus.DRAFT).exists()


# Saved views ----------------------------------------------------------------------------


class SavedViewCreateView(ReviewPageMixin, View):
    def post(self, request):
        list_name = request.POST.get("list")
        if list_name not in SavedViewList.values:
            return redirect("reviews:dashboard")
        view_class = ActionListView if list_name == SavedViewList.ACTIONS else AgreementListView
        query = canonical_query(
            QueryDict(request.POST.get("query", "")[:2000]),
            view_class.filterset_class,
            drop=("page", "export", "page_size"),
        )
        target = reverse(f"reviews:{list_name}") + (f"?{query}" if query else "")
        form = SavedViewForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for ms in form.errors.values() for m in ms))
            return HttpResponseRedirect(target)
        filterset = view_class.filterset_class(
            QueryDict(query), queryset=view_class.filterset_class._meta.model.objects.none()
        )
        if not filterset.is_valid():
            messages.error(request, _("Only a valid filter can be saved."))
            return HttpResponseRedirect(target)
        name = form.cleaned_data["name"].strip()
        if SavedView.objects.filter(owner=request.user, list=list_name, name=name).exists():
            messages.error(request, _("You have a saved filter with that name already."))
            return HttpResponseRedirect(target)
        SavedView.objects.create(
            owner=request.user,
            list=list_name,
            name=name,
            query=query,
            shared=form.cleaned_data["shared"],
        )
        messages.success(request, _("Saved as “%(name)s”.") % {"name": name})
        return HttpResponseRedirect(target)


class SavedViewOpenView(ReviewPageMixin, View):
    def get(self, request, pk):
        view = get_object_or_404(SavedView, pk=pk)
        if not (view.owner_id == request.user.pk or view.shared) or not saved_view_visible(
            view, request.user
        ):
            raise PermissionDenied(_("This saved filter is not shared with you."))
        return HttpResponseRedirect(view.list_url())


class SavedViewDeleteView(ReviewPageMixin, View):
    def post(self, request, pk):
        view = get_object_or_404(SavedView, pk=pk)
        if view.owner_id != request.user.pk and not request.user.is_superuser:
            raise PermissionDenied(_("Only its owner deletes a saved filter."))
        target = view.list_url()
        view.delete()
        messages.success(request, _("Deleted “%(name)s”.") % {"name": view.name})
        return HttpResponseRedirect(target)


# The implementation matrix --------------------------------------------------------------


class MatrixView(ReviewPageMixin, TemplateView):
    template_name = "reviews/matrix.html"

    def get(self, request, *args, **kwargs):
        user = request.user
        day_form = AsOfForm(request.GET)
        day = day_form.cleaned_data.get("as_of") if day_form.is_valid() else None
        if day and day >= timezone.localdate():
            day = None
        rows_filter = AgreementFilterSet(
            filter_data(request.GET, AgreementFilterSet),
            queryset=selectors.generic_only(selectors.agreements_for(user, day)),
            request=request,
        )
        unknown = sorted(set(request.GET) - set(AgreementFilterSet.base_filters) - {"as_of"})
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
            "problems": [
                _("Unknown parameter(s): %(names)s.")
                % {"names": ", ".join(n[:40] for n in unknown)}
            ]
            if unknown
            else [],
            "as_of": day,
        }
        if not (rows_filter.is_valid() and day_form.is_valid()) or unknown:
            return self.render_to_response(context, status=400)
        reference_day = day or timezone.localdate()
        agreements = list(rows_filter.qs.select_related("theme").order_by("theme__name", "code"))
        actions = selectors.actions_for(user, day)
        cells = selectors.implementation_matrix(rows_filter.qs, actions, reference_day)
        as_of = day_param(day)

        def row_cells(agreement, places):
            result = []
            for code, name in places:
                cell = cells.get((agreement.id, code))
                link = None
                if code != selectors.NATIONAL:
                    link = with_params(
                        reverse("reviews:actions"),
                        agreement=agreement.code,
                        region=code,
                        as_of=as_of,
                    )
                result.append({"place": name, "cell": cell, "link": link})
            return result

        province_places = [(p.code, p.name) for p in selectors.provinces()] + [
            (selectors.NATIONAL, _("nationwide"))
        ]
        region_places = [(r.code, r.name) for r in selectors.agenda_regions()]
        context.update(
            tables=[
                (
                    _("Provinces"),
                    [{"agreement": a, "cells": row_cells(a, province_places)} for a in agreements],
                    [name for _code, name in province_places],
                ),
                (
                    _("Agenda regions"),
                    [{"agreement": a, "cells": row_cells(a, region_places)} for a in agreements],
                    [name for _code, name in region_places],
                ),
            ],
            statuses=[
                (s, ActionStatus(s).label, selectors.STATUS_SYMBOLS[s])
                for s in selectors.STATUS_ORDER
            ],
            reference_day=reference_day,
        )
        return self.render_to_response(context)


# Reviews --------------------------------------------------------------------------------


class ReviewListView(ReviewPageMixin, TemplateView):
    template_name = "reviews/review_list.html"

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        points = selectors.trend()
        context.update(
            reviews=Review.objects.annotate(n_decisions=Count("decisions")).order_by("-date"),
            trend=points,
            trend_chart=charts.trend_chart(points),
            statuses=[(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
        )
        return context


def visible_decisions(review, user):
    visible = Agreement.objects.visible_to(user)
    return (
        review.decisions.filter(agreement__in=visible)
        .select_related("agreement__theme", "agreement__supersedes")
        .prefetch_related(
            Prefetch("agreement__superseded_by", visible.order_by("code"), to_attr="successors")
        )
        .order_by("agreement__code")
    )


def decisions_by_kind(decisions):
    groups = []
    for kind, label in ReviewDecisionKind.choices:
        items = [d for d in decisions if d.decision == kind]
        if items:
            groups.append({"kind": kind, "label": label, "decisions": items})
    return groups


class ReviewDetailView(ReviewPageMixin, TemplateView):
    template_name = "reviews/review_detail.html"

    def get(self, request, pk, hold_form=None, status=200):
        review = get_object_or_404(Review.objects.prefetch_related("participants"), pk=pk)
        user = request.user
        decisions = list(visible_decisions(review, user))
        previous = selectors.last_held_review_before(review.date)
        until = min(review.date, timezone.localdate())
        changes = (
            selectors.changes_between(user, previous.date, until, NATIONAL_LABEL)
            if previous
            else None
        )
        may_hold = review.status == ReviewStatus.PLANNED and scope_for(user).edits_everything
        if may_hold and hold_form is None:
            hold_form = HoldForm(
                initial={"conclusion": review.conclusion},
                adjustments=self.adjustments(decisions, review),
            )
        open_actions = 0
        ending = [
            d.agreement_id
            for d in decisions
            if d.decision in (ReviewDecisionKind.COMPLETE, ReviewDecisionKind.STOP)
        ]
        if ending and review.status == ReviewStatus.PLANNED:
            open_actions = (
                Action.objects.visible_to(user)
                .filter(agreement_id__in=ending)
                .exclude(status__in=CLOSED_STATUSES)
                .count()
            )
        context = self.get_context_data(
            review=review,
            groups=decisions_by_kind(decisions),
            previous=previous,
            changes=changes,
            national=selectors.NATIONAL,
            may_hold=may_hold,
            hold_form=hold_form,
            open_actions_under_ending=open_actions,
            snapshot=snapshot_table(review.snapshot),
            statuses=[(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
            admin_url=reverse("admin:agenda_review_change", args=[review.pk]),
            report_regions=selectors.agenda_regions(),
        )
        return self.render_to_response(context, status=status)

    @staticmethod
    def adjustments(decisions, review):
        return [
            (d, suggested_code(d.agreement, review))
            for d in decisions
            if d.decision == ReviewDecisionKind.ADJUST
        ]


class ReviewHoldView(ReviewPageMixin, View):
    def post(self, request, pk):
        review = get_object_or_404(Review, pk=pk)
        if not scope_for(request.user).edits_everything:
            raise PermissionDenied(_("Only ministry editors hold reviews."))
        decisions = list(visible_decisions(review, request.user))
        form = HoldForm(request.POST, adjustments=ReviewDetailView.adjustments(decisions, review))
        detail = ReviewDetailView(request=request, kwargs={"pk": pk})
        if not form.is_valid():
            return detail.get(request, pk, hold_form=form, status=400)
        try:
            review_hold(
                review=review,
                user=request.user,
                conclusion=form.cleaned_data["conclusion"],
                revisions=form.revisions(),
            )
        except (ValidationError, OutOfScope) as exc:
            messages_ = exc.messages if hasattr(exc, "messages") else [str(exc)]
            form.add_error(None, " ".join(messages_))
            return detail.get(request, pk, hold_form=form, status=400)
        messages.success(request, _("The review has been held; its decisions are applied."))
        return redirect("reviews:review", pk=pk)


def snapshot_table(snapshot):
    """The frozen counts as rows of (theme, agenda region) × status, for the page."""
    if not snapshot or "counts" not in snapshot:
        return None
    rows = {}
    for item in snapshot["counts"]:
        key = (item["agenda_region"], item["theme"])
        rows.setdefault(key, {})[item["status"]] = item["count"]
    names = dict(Region.objects.filter(code__in={k[0] for k in rows}).values_list("code", "name"))
    themes = dict(Theme.objects.values_list("code", "name"))
    return [
        {
            "region": names.get(region, NATIONAL_LABEL),
            "theme": themes.get(theme, theme),
            "cells": [counts.get(s, 0) for s in selectors.STATUS_ORDER],
            "total": sum(counts.values()),
        }
        for (region, theme), counts in sorted(rows.items())
    ]


# The report -----------------------------------------------------------------------------


def held_on(review):
    """The day a held review's decisions took effect: its date, or the later day on which it
    was recorded as held (a review entered after the meeting)."""
    record = review.history.filter(status=ReviewStatus.HELD).order_by("history_date").first()
    if record is None:
        return review.date
    return max(review.date, timezone.localtime(record.history_date).date())


class ReportView(ReviewPageMixin, TemplateView):
    template_name = "reviews/report.html"
    pdf = False

    def get(self, request, pk):
        review = get_object_or_404(Review.objects.prefetch_related("participants"), pk=pk)
        form = ReportForm(request.GET)
        unknown = sorted(set(request.GET) - {"region"})
        if not form.is_valid() or unknown:
            if unknown:
                form.add_error(
                    None,
                    _("Unknown parameter(s): %(names)s.")
                    % {"names": ", ".join(n[:40] for n in unknown)},
                )
            return self.render_to_response({"form": form, "review": review}, status=400)
        context = self.report_context(review, form.cleaned_data["region"])
        if self.pdf:
            return self.pdf_response(request, context, review)
        return self.render_to_response(context)

    def report_context(self, review, region):
        user = self.request.user
        today = timezone.localdate()
        held = review.status == ReviewStatus.HELD
        day = min(held_on(review), today) if held else today
        history = day < today
        actions = selectors.actions_for(user, day if history else None)
        agreements = selectors.agreements_for(user, day if history else None)
        if region is not None:
            actions = ActionFilterSet({"region": region.code}, queryset=actions).qs
            agreements = AgreementFilterSet({"applies_to": region.code}, queryset=agreements).qs
        previous = selectors.last_held_review_before(review.date)
        by_theme = selectors.status_by_theme(actions, day)
        in_force = list(
            agreements.filter(status=AgreementStatus.ACTIVE)
            .select_related("theme")
            .order_by("theme__name", "code")
        )
        done = actions.filter(status=ActionStatus.DONE)
        if previous is not None:
            done = done.filter(completed_on__gt=previous.date)
        done_since = list(
            done.select_related("agreement", "owner").order_by("completed_on", "code")[:500]
        )
        late = list(
            actions.filter(overdue_q(day))
            .select_related("agreement", "owner")
            .order_by("due_date")[:200]
        )
        changes = (
            selectors.changes_between(user, previous.date, day, NATIONAL_LABEL)
            if previous
            else None
        )
        decisions = list(visible_decisions(review, user))
        if region is not None:
            visible_codes = {a.code for a in agreements.only("code")}
            decisions = [d for d in decisions if d.agreement.code in visible_codes]
        goals = selectors.goals()
        return {
            "review": review,
            "region": region,
            "day": day,
            "held": held,
            "previous": previous,
            "totals": selectors.totals(actions, day),
            "in_force": in_force,
            "by_theme": by_theme,
            "by_theme_chart": charts.stacked_bars(by_theme, title=_("Actions by status and theme")),
            "statuses": [(s, ActionStatus(s).label) for s in selectors.STATUS_ORDER],
            "done_since": done_since,
            "late": late,
            "changes": changes,
            "change_rows": changes.per_region(only=region.code if region else None)
            if changes
            else [],
            "national": selectors.NATIONAL,
            "groups": decisions_by_kind(decisions),
            "goals": [(goal, charts.goal_chart(goal)) for goal in goals],
            "snapshot": snapshot_table(review.snapshot) if region is None else None,
            "generated": timezone.localtime(),
        }

    def pdf_response(self, request, context, review):
        html = render_to_string(self.template_name, {**context, "for_pdf": True}, request=request)
        name = f"herijking-{review.date.isoformat()}"
        if context["region"] is not None:
            name += f"-{context['region'].code}"
        return pdf_response(html, name)
