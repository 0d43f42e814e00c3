"""The filter building blocks every FilterSet shares: comma-separated code lists and choice
lists that refuse unknown values with a 400 naming the parameter (django-filter's backend
turns form errors into a 400 keyed by the parameter)."""

import datetime

import django_filters
from django import forms
from django.contrib import admin
from django.contrib.admin.options import IncorrectLookupParameters
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

MAX_LIST_ITEMS = 100


def split_list(value):
    items = [item.strip() for item in value.split(",") if item.strip()]
    if len(items) > MAX_LIST_ITEMS:
        raise forms.ValidationError(
            _("At most %(max)s values."), code="too_many", params={"max": MAX_LIST_ITEMS}
        )
    return items


class CodeListField(forms.CharField):
    """`PV30,PV31` → the objects with those codes, or a validation error naming the unknown."""

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
        found = {obj.code: obj for obj in self.queryset.filter(code__in=codes)}
        unknown = [code for code in codes if code not in found]
        if unknown:
            # params, not %-formatting: the codes come from the client and may hold "%".
            raise forms.ValidationError(
                _("Unknown code(s): %(codes)s."),
                code="unknown_code",
                params={"codes": ", ".join(unknown[:10])},
            )
        return list(found.values())


class ChoiceListField(forms.CharField):
    """`planned,in_progress` → the values, each checked against the choices."""

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


@extend_schema_field(OpenApiTypes.STR)
class CodeListFilter(django_filters.Filter):
    """Filters by one or more codes. Without `method`, matches `field_name__in`."""

    field_class = CodeListField

    def __init__(self, *args, queryset, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["queryset"] = queryset

    def filter(self, qs, value):
        if not value:
            return qs
        return qs.filter(**{f"{self.field_name}__in": value}).distinct()


@extend_schema_field(OpenApiTypes.STR)
class ChoiceListFilter(django_filters.Filter):
    field_class = ChoiceListField

    def __init__(self, *args, choices, **kwargs):
        super().__init__(*args, **kwargs)
        self.extra["choices"] = choices

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


@extend_schema_field(OpenApiTypes.BOOL)
class StrictBooleanFilter(django_filters.Filter):
    field_class = StrictBooleanField


class UTCIsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    """An ISO 8601 moment, compared in UTC: any offset a client sends is valid ISO 8601, but
    PostgreSQL refuses offsets beyond ±15:59 (`+20:04` would be a server error)."""

    def filter(self, qs, value):
        if value is not None and value.tzinfo is not None:
            value = value.astimezone(datetime.UTC)
        return super().filter(qs, value)


class RegistryFilterSet(django_filters.FilterSet):
    """What every FilterSet offers: the rows changed since a moment (for syncing copies)."""

    updated_since = UTCIsoDateTimeFilter(
        field_name="updated_at",
        lookup_expr="gte",
        help_text="Changed at or after this moment (ISO 8601, a date or a date and time).",
    )


class FilterSetListFilter(admin.SimpleListFilter):
    """An admin list filter that is one parameter of the model admin's FilterSet
    (`filterset_class` on the ModelAdmin): the API's name, the API's values (codes,
    comma-separated lists, true/false) and so the API's rows. A link can move between the
    admin, the API and the review pages."""

    def __init__(self, request, params, model, model_admin):
        self.filterset_class = model_admin.filterset_class
        super().__init__(request, params, model, model_admin)

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
