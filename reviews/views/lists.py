"""`/reviews/actions/` and `/reviews/agreements/`: lists that take exactly the API's filter
parameters (the same FilterSets), with exports and saved filters."""

from urllib.parse import urlencode

from django.core.paginator import Paginator
from django.db.models import Case, Count, Prefetch, Q, When, prefetch_related_objects
from django.http import HttpResponseRedirect
from django.template.response import TemplateResponse
from django.utils.formats import date_format
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View

from actions.api.rows import ACTION_ROWS
from actions.api.serializers import ActionSerializer
from actions.choices import CLOSED_STATUSES, ActionStatus
from actions.filters import ActionFilterSet
from actions.history import first_recorded_day
from actions.models import Action
from actions.querysets import overdue_q
from actions.sheet import ACTION_SHEET
from agenda.api.rows import AGREEMENT_ROWS
from agenda.api.serializers import AgreementSerializer
from agenda.choices import AgreementScope, AgreementStatus
from agenda.filters import AgreementFilterSet, region_lookups
from agenda.models import Agreement, AgreementParty, BudgetLine, Party
from agenda.sheet import AGREEMENT_SHEET
from config.clock import end_of_day, reference_day_panel, today
from config.filters import ChoiceListFilter, CodeListFilter, SearchFilter, StrictBooleanFilter
from config.parameters import unknown_parameters, unknown_parameters_message
from config.spreadsheets.writing import (
    EXPORTERS,
    csv_separator,
    export_file_name,
    gated_export,
    serialized_rows,
    sheet_response,
    tracked,
)
from reviews import selectors
from reviews.choices import SavedViewList
from reviews.forms import DEFAULT_PAGE_SIZE, AsOfForm, SavedViewForm
from reviews.models import SavedView
from reviews.views.base import ReviewPageMixin, with_params

LIST_PARAMETERS = {"as_of", "page", "page_size", "export"}


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
            "label": flt.label,  # the FilterSet's own, as the admin's filters show it
            "value": raw,
            "selected": {v.strip() for v in raw.split(",")} if raw else set(),
            "errors": filterset.form.errors.get(name, []),
        }
        if name in choices:
            entry["kind"] = "checks" if name == "status" else "multi"
            entry["options"] = choices[name]
        elif isinstance(flt, StrictBooleanFilter):
            entry["kind"] = "bool"
            entry["options"] = [("true", _("yes")), ("false", _("no"))]
        elif isinstance(flt, SearchFilter):
            entry["kind"] = "search"
        elif isinstance(flt, CodeListFilter):
            entry["kind"] = "codes"
        elif "date" in type(flt).__name__.lower():
            entry["kind"] = "date" if type(flt).__name__ == "DateFilter" else "text"
        else:
            entry["kind"] = "text"
        entry["shown"] = shown_value(raw, entry.get("options"))
        if raw and entry.get("options") and raw not in dict(entry["options"]):
            entry["other"] = entry["shown"]  # a comma list from a link: kept, as it reads
        fields.append(entry)
    return fields


def shown_value(raw, options):
    """A filter's value as people read it: the options' labels for their codes."""
    if not raw:
        return ""
    labels = {str(value): str(label) for value, label in options or ()}
    return ", ".join(labels.get(item.strip(), item.strip()) for item in raw.split(","))


def filter_chips(path, params, filterset_class, fields):
    """One removable chip per filter in use (as the admin's lists show them): its label, its
    value in words and the link to the same list without it."""
    chips = []
    for entry in fields:
        if not entry["value"]:
            continue
        rest = canonical_query(params, filterset_class, drop=("page", "export", entry["name"]))
        chips.append(
            {
                "title": capfirst(str(entry["label"])),
                "value": entry["shown"],
                "remove_url": f"{path}?{rest}" if rest else path,
            }
        )
    return chips


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
    row_builder = None  # config.api.rows.RowBuilder of the serializer's rows
    sheet_layout = None  # config.spreadsheets.writing.SheetLayout: the export's columns
    closed_statuses = ()  # listed after the open rows in the default order
    list_name = None
    template_name = None
    default_ordering = ()
    columns = ()  # (label, ordering field or None)

    def live_queryset(self, user):
        raise NotImplementedError

    def export_prefetch(self, day):
        """What the rows of a past `day` need beside their own fields."""
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
        reference = day_form.reference()
        day = None if reference.is_today else reference.day
        base = self.live_queryset(user) if day is None else self.history_queryset(user, day)
        filterset = self.filterset_class(
            filter_data(params, self.filterset_class), queryset=base, request=request
        )
        if "agreement" in filterset.form.fields:
            # Codes the user may not see are as unknown as codes that do not exist.
            filterset.form.fields["agreement"].queryset = Agreement.objects.visible_to(user)
        unknown = unknown_parameters(params, {*self.filterset_class.base_filters, *LIST_PARAMETERS})
        export = params.get("export")
        problems = [unknown_parameters_message(unknown)] if unknown else []
        if export and export not in EXPORTERS:
            problems.append(_("Export as csv or xlsx."))
        valid = filterset.is_valid() and day_form.is_valid() and not problems
        fields = filter_fields(filterset, self.choices())
        context = {
            "filterset": filterset,
            "fields": fields,
            "chips": filter_chips(request.path, params, self.filterset_class, fields),
            "clear_url": with_params(request.path, as_of=params.get("as_of")),
            "day_form": day_form,
            "problems": problems,
            "list_name": self.list_name,
            "as_of": day,
            "as_of_param": reference.as_of,
        }
        first_day = first_recorded_day(self.filterset_class._meta.model)
        data = filter_data(params, self.filterset_class)
        keep = [(k, v) for k, v in data.items() if k not in ("as_of", "page", "export")]
        context["reference_panel"] = reference_day_panel(reference, keep, first_day)
        if not valid:
            context["saved_views"] = self.saved_views(user)
            return self.render(request, context, status=400)
        queryset = filterset.qs
        if queryset.query.order_by:
            queryset = queryset.order_by(*queryset.query.order_by, "id")
        else:  # open work first, then the list's own order
            closed = Case(When(status__in=self.closed_statuses, then=1), default=0)
            queryset = queryset.alias(closed_last=closed).order_by(
                "closed_last", *self.default_ordering, "id"
            )
        if export:
            refusal, response = gated_export(
                request,
                queryset.count(),
                lambda: self.export(request, queryset, export, day, context["chips"]),
                kind=export,
                offer=f"{self.export_title} ({export.upper()})",
            )
            if response is not None:
                return response
            context["problems"] = [refusal]
            context["saved_views"] = self.saved_views(user)
            return self.render(request, context, status=400)
        page_size = day_form.cleaned_data.get("page_size") or DEFAULT_PAGE_SIZE
        page = Paginator(queryset, page_size).get_page(day_form.cleaned_data.get("page") or 1)
        rows = list(page.object_list)
        self.decorate(rows, user, reference.day)
        query = canonical_query(params, self.filterset_class)
        context.update(
            page=page,
            page_links=page.paginator.get_elided_page_range(page.number, on_each_side=2),
            rows=rows,
            query=query,
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
        return list(
            SavedView.objects.visible_to(user).filter(list=self.list_name).select_related("owner")
        )

    def export(self, request, queryset, fmt, day, chips):
        """The list in the sheet dialect the admin's exports have (config.spreadsheets:
        headers in the user's language, names beside codes, real dates, `;` CSV in Dutch).
        A past day's rows are read from the history: for reading, not for importing."""
        layout = self.sheet_layout
        if day is None:
            rows = serialized_rows(
                layout.serializer_class,
                queryset,
                {"request": request},
                row_builder=layout.row_builder,
            )
        else:
            rows = serialized_rows(
                layout.serializer_class, AsInstances(queryset, self.export_prefetch(day)), {}
            )
        rows = tracked(request, rows)
        model = self.filterset_class._meta.model
        title = capfirst(str(model._meta.verbose_name_plural))
        described = "; ".join(f"{chip['title']}: {chip['value']}" for chip in chips)
        if day is not None:
            described = "; ".join(
                part for part in (_("on %(day)s") % {"day": date_format(day)}, described) if part
            )
        filename = export_file_name(model)
        if day is not None:
            filename = f"{filename.rsplit('-', 3)[0]}-{day.isoformat()}"
        return sheet_response(
            layout,
            rows,
            fmt,
            separator=csv_separator(request),
            filename=filename,
            title=title,
            described=described,
            user=request.user if day is None else None,
        )


class ActionListView(FilteredListView):
    filterset_class = ActionFilterSet
    serializer_class = ActionSerializer
    row_builder = ACTION_ROWS
    sheet_layout = ACTION_SHEET
    closed_statuses = CLOSED_STATUSES
    list_name = SavedViewList.ACTIONS
    export_title = gettext_lazy("Actions")
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

    def export_prefetch(self, day):
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
    row_builder = AGREEMENT_ROWS
    sheet_layout = AGREEMENT_SHEET
    closed_statuses = (AgreementStatus.FULFILLED, AgreementStatus.REVISED, AgreementStatus.ENDED)
    list_name = SavedViewList.AGREEMENTS
    export_title = gettext_lazy("Agreements")
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

    def export_prefetch(self, day):
        # The budget lines known by the end of that day: a later year's money is no part of it.
        known = BudgetLine.objects.filter(created_at__lt=end_of_day(day))
        return [
            "theme",
            "supersedes",
            "regions",
            Prefetch("party_links", AgreementParty.objects.select_related("party")),
            Prefetch("budget_lines", known.select_related("party")),
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
        actions = selectors.actions_for(user, None if day >= today() else day)
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
