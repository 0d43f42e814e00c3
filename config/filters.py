"""The filter building blocks every FilterSet shares. Lists of codes and of choices refuse
unknown values with a 400 naming the parameter (django-filter's backend turns form errors
into a 400 keyed by the parameter); several values come comma-separated or as a repeated
parameter (`status=done,planned` = `status=done&status=planned`); codes match regardless of
case; every ordering ends with `id`, so pages never skip or repeat rows."""

import copy
import datetime

import django_filters
from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q
from django.db.models.functions import Upper
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from django_filters.widgets import CSVWidget
from drf_spectacular.drainage import set_override

from config.models import CODE_CHARACTERS, validate_code

MAX_LIST_ITEMS = 100
CODE_SCHEMA = {"type": "string", "maxLength": 60, "pattern": f"^[{CODE_CHARACTERS}]+$"}


class CommaListWidget(forms.TextInput):
    """Reads a repeated parameter as one comma-separated value."""

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        values = getlist(name) if getlist else [data.get(name)]
        values = [value for value in values if value is not None]
        return ",".join(values) if values else None


def describe(filter_, schema):
    """The filter's OpenAPI schema, with its help text as the description (an annotated
    filter otherwise loses it)."""
    help_text = filter_.extra.get("help_text")
    set_override(
        filter_, "field", {**schema, **({"description": str(help_text)} if help_text else {})}
    )


def split_list(value):
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise forms.ValidationError(
            _("At most %(max)s values."), code="too_many", params={"max": MAX_LIST_ITEMS}
        )
    return items


class CodeListField(forms.CharField):
    """`PV30,pv31` → the objects with those codes (any case), or a validation error naming
    the unknown ones."""

    widget = CommaListWidget

    def __init__(self, *, queryset, **kwargs):
        self.queryset = queryset
        kwargs.setdefault("max_length", 4000)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        codes = split_list(value)
        if not codes:
            return None
        found = {}
        matches = self.queryset.annotate(code_upper=Upper("code")).filter(
            code_upper__in=[code.upper() for code in codes]
        )
        for obj in matches:
            # An exact match wins over one that differs only in case.
            if obj.code_upper not in found or obj.code in codes:
                found[obj.code_upper] = obj
        unknown = [code for code in codes if code.upper() not in found]
        if unknown:
            # params, not %-formatting: the codes come from the client and may hold "%".
            raise forms.ValidationError(
                _("Unknown code(s): %(codes)s."),
                code="unknown_code",
                params={"codes": ", ".join(unknown[:10])},
            )
        return list({obj.pk: obj for obj in found.values()}.values())


class KeyListField(forms.CharField):
    """`A,B,C` (codes) or `1,2,3` (ids): the keys of the rows to fetch in one request, at most
    MAX_LIST_ITEMS. Keys that match no row are no error: a copy asks for rows that may be
    gone since."""

    widget = CommaListWidget

    def __init__(self, *, integers=False, **kwargs):
        self.integers = integers
        kwargs.setdefault("max_length", 8000)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        keys = split_list(value)
        if self.integers:
            wrong = [k for k in keys if not (k.isascii() and k.isdigit() and len(k) <= 18)]
        else:
            # Outside a code's alphabet no row can have it (config.models.validate_code).
            wrong = [k for k in keys if len(k) > 60 or not validate_code.regex.match(k)]
        if wrong:
            raise forms.ValidationError(
                _("Not a key: %(keys)s.") if not self.integers else _("Not an id: %(keys)s."),
                code="invalid",
                params={"keys": ", ".join(wrong[:10])},
            )
        return [int(k) for k in keys] if self.integers else keys or None


class KeyListFilter(django_filters.Filter):
    """Fetch many by key in one request (`?code=A,B,C`, `?id=1,2,3`), codes in any case."""

    field_class = KeyListField

    def __init__(self, *args, integers=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["integers"] = integers
        items = {"type": "integer", "minimum": 0} if integers else CODE_SCHEMA
        describe(self, {"type": "array", "items": items, "maxItems": MAX_LIST_ITEMS})

    def filter(self, qs, value):
        if not value:
            return qs
        if self.extra["integers"]:
            return qs.filter(**{f"{self.field_name}__in": value})
        return qs.alias(key_upper=Upper(self.field_name)).filter(
            key_upper__in=[key.upper() for key in value]
        )


def by_code(**kwargs):
    return KeyListFilter(
        field_name="code",
        label=_("codes"),
        help_text=f"Only these codes (any case), comma-separated or repeated: fetch up to "
        f"{MAX_LIST_ITEMS} rows by key in one request. Codes that match nothing are no error.",
        **kwargs,
    )


def by_id(**kwargs):
    return KeyListFilter(
        field_name="id",
        integers=True,
        label=_("ids"),
        help_text=f"Only these ids, comma-separated or repeated: fetch up to {MAX_LIST_ITEMS} "
        "rows by key in one request. Ids that match nothing are no error.",
        **kwargs,
    )


class ChoiceListField(forms.CharField):
    """`planned,in_progress` → the values, each checked against the choices."""

    widget = CommaListWidget

    def __init__(self, *, choices, **kwargs):
        self.allowed = [value for value, _label in choices]
        kwargs.setdefault("max_length", 1000)
        super().__init__(**kwargs)

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        items = split_list(value)
        wrong = [item for item in items if item not in self.allowed]
        if wrong:
            raise forms.ValidationError(
                _("Unknown value(s): %(wrong)s. Allowed: %(allowed)s."),
                code="invalid_choice",
                params={"wrong": ", ".join(wrong[:10]), "allowed": ", ".join(self.allowed)},
            )
        return items or None


class CodeListFilter(django_filters.Filter):
    """Filters by one or more codes. Without `method`, matches `field_name__in`."""

    field_class = CodeListField

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["queryset"] = queryset
        describe(self, {"type": "array", "items": CODE_SCHEMA})

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value}).distinct()


class ChoiceListFilter(django_filters.Filter):
    field_class = ChoiceListField

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["choices"] = choices
        values = [value for value, _label in choices]
        describe(self, {"type": "array", "items": {"type": "string", "enum": values}})

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value})


class SearchFilter(django_filters.CharFilter):
    """Case-insensitive search over several text fields (`q`)."""

    def __init__(self, *args, fields, **kwargs):
        kwargs.setdefault("max_length", 200)
        super().__init__(*args, **kwargs)
        self.search_fields = fields

    def filter(self, qs, value):
        value = (value or "").strip()
        if not value:
            return qs
        condition = Q()
        for name in self.search_fields:
            condition |= Q(**{f"{name}__icontains": value})
        return qs.filter(condition)


class StrictBooleanField(forms.CharField):
    """`true`/`false` (or `1`/`0`); anything else is an error, never silently ignored."""

    values = {"true": True, "1": True, "false": False, "0": False}

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        try:
            return self.values[value.strip().lower()]
        except KeyError:
            raise forms.ValidationError(_("Use true or false."), code="invalid") from None


class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        describe(self, {"type": "boolean"})


class TimestampField(forms.DateTimeField):
    """A date or an ISO 8601 moment, as the API writes them (`2016-06-08T10:00:00.000000Z`);
    a `+` that arrived as a space (an unencoded offset) is read as the `+` it was."""

    def to_python(self, value):
        if isinstance(value, str) and " " in value.strip() and "T" in value:
            head, _space, offset = value.strip().rpartition(" ")
            if offset[:2].isdigit() and parse_datetime(f"{head}+{offset}"):
                value = f"{head}+{offset}"
        try:
            moment = super().to_python(value)
            # In UTC here: any offset up to ±23:59 is valid ISO 8601, but PostgreSQL refuses
            # those beyond ±15:59, and a moment near the calendar's ends may leave it in UTC
            # (`0001-01-01T00:00:00+14:00`).
            return moment.astimezone(datetime.UTC) if moment is not None else None
        except OverflowError:
            raise forms.ValidationError(
                _("A moment between the years 1 and 9999 (in UTC)."), code="invalid"
            ) from None


class TimestampFilter(django_filters.Filter):
    """Compared in UTC: any offset is valid ISO 8601, but PostgreSQL refuses offsets beyond
    ±15:59 (`+20:04` would be a server error)."""

    field_class = TimestampField

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        describe(self, {"type": "string", "format": "date-time"})

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return super().filter(qs, value)


class RepeatableCSVWidget(CSVWidget):
    """`a,b` and `a&a=b` alike."""

    def value_from_datadict(self, data, files, name):
        getlist = getattr(data, "getlist", None)
        values = getlist(name) if getlist else ([data[name]] if name in data else [])
        if not values:
            return None
        return [item for value in values for item in value.split(",")]


class RegistryOrderingFilter(django_filters.OrderingFilter):
    """`ordering=a,-b` (or repeated): allowed keys only; `id` always decides last, so equal
    values never make pages skip or repeat rows."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", RepeatableCSVWidget)
        super().__init__(*args, **kwargs)
        keys = list(self.param_map)
        # The items' schema: a filter of several values is an array already (drf-spectacular
        # wraps it; comma-separated, `explode: false`).
        describe(self, {"type": "string", "enum": keys + [f"-{key}" for key in keys]})

    def filter(self, qs, value):
        ordered = super().filter(qs, value)
        if value:
            fields = [f for f in ordered.query.order_by if f.lstrip("-") not in ("id", "pk")]
            ordered = ordered.order_by(*fields, "id")
        return ordered


def multiple_value_filters(filterset_class):
    """Names of the filters that take several values (and so may be repeated)."""
    if filterset_class is None:
        return set()
    kinds = (CodeListFilter, ChoiceListFilter, KeyListFilter, django_filters.OrderingFilter)
    return {name for name, f in filterset_class.base_filters.items() if isinstance(f, kinds)}


class FilterCopies(dict):
    """A FilterSet's filters, copied for each FilterSet as django-filter does, but without
    `copy.deepcopy`: deep-copying their querysets and choices cost ~5 ms a request (a
    quarter of the whole floor's answer). A filter keeps nothing of a request but its
    `model`, `parent` and `extra` (which gets its own dict); its form field is built afresh
    and its `method` bound to the copy."""

    def __deepcopy__(self, memo):
        copies = {}
        for name, original in self.items():
            clone = copy.copy(original)
            clone.extra = dict(original.extra)
            clone.__dict__.pop("_field", None)
            if original.method is not None:
                clone.method = original.method  # binds the method to the clone, not the original
            copies[name] = clone
        return copies


class RegistryFilterSetMetaclass(django_filters.filterset.FilterSetMetaclass):
    def __new__(cls, name, bases, attrs):
        new_class = super().__new__(cls, name, bases, attrs)
        new_class.base_filters = FilterCopies(new_class.base_filters)
        return new_class


class RegistryFilterSet(django_filters.FilterSet, metaclass=RegistryFilterSetMetaclass):
    """What every FilterSet offers: the rows changed since a moment (for syncing copies)."""

    updated_since = TimestampFilter(
        field_name="updated_at",
        lookup_expr="gte",
        label=_("changed since"),
        help_text="Changed at or after this moment: a date (`2016-06-08`) or an ISO 8601 "
        "moment as the API writes them (`2016-06-08T10:00:00.000000Z`).",
    )


class FilterSetListFilter(admin.SimpleListFilter):
    """An admin list filter that is one parameter of the model admin's FilterSet
    (`filterset_class` on the ModelAdmin): the API's name, the API's values (codes,
    comma-separated lists, true/false) and so the API's rows. A link can move between the
    admin, the API and the review pages."""

    select_template = "admin/registry/filter_select.html"

    def __init__(self, request, params, model, model_admin):
        self.filterset_class = model_admin.filterset_class
        super().__init__(request, params, model, model_admin)
        # The other active parameters, carried along when a drop-down is submitted.
        self.other_parameters = [
            (name, value)
            for name, values in request.GET.lists()
            if name not in (self.parameter_name, "p", "e")
            for value in values
        ]

    def chip(self):
        """(title, shown value) of the active filter, or None."""
        value = self.value()
        if not value:
            return None
        labels = dict(self.lookup_choices)
        shown = ", ".join(str(labels.get(item, item)) for item in value.split(","))
        return self.title, shown

    def queryset(self, request, queryset):
        value = self.value()
        if not value:
            return queryset
        filterset = self.filterset_class(
            {self.parameter_name: value}, queryset=queryset, request=request
        )
        if not filterset.is_valid():
            raise IncorrectLookupParameters(filterset.errors)
        return filterset.qs


class DropDownListFilter(FilterSetListFilter):
    """A FilterSetListFilter shown as a drop-down: for filters with many values."""

    template = FilterSetListFilter.select_template
