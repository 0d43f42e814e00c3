"""Serializer pieces shared by the API's serializers."""

import datetime
from collections.abc import Mapping

from django.db import models
from django.utils.translation import gettext_lazy as _
from rest_framework import serializers


class CodeField(serializers.SlugRelatedField):
    """A reference written as its plain code (`"owner": "PV30"`). Refuses values no code can
    be (not a string, too long, NUL bytes, which PostgreSQL cannot even compare) before
    touching the database."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if not isinstance(data, str) or not data or len(data) > 60 or "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:60])
        return super().to_internal_value(data)


LIST_FIELDS = (serializers.ManyRelatedField, serializers.ListSerializer, serializers.ListField)


class StrictSerializerMixin:
    """A body field the serializer does not take is refused, naming it: a typo
    (`{"progres": 50}`) must never be a silent no-op."""

    def to_internal_value(self, data):
        if isinstance(data, Mapping):
            writable = {name for name, field in self.fields.items() if not field.read_only}
            unknown = sorted(str(name) for name in data if name not in writable)
            if unknown:
                raise serializers.ValidationError(
                    {name: [_("Unknown field.")] for name in unknown[:20]}
                )
            # DRF takes any iterable where a list belongs: `"regions": {}` would be read as
            # "no regions" and write it.
            not_lists = sorted(
                name
                for name, field in self.fields.items()
                if isinstance(field, LIST_FIELDS)
                and name in data
                and not isinstance(data[name], list)
            )
            if not_lists:
                raise serializers.ValidationError(
                    {name: [_("Expected a list.")] for name in not_lists}
                )
        return super().to_internal_value(data)


class UTCDateTimeField(serializers.DateTimeField):
    """A timestamp in UTC, whatever time zone is active when it is written: the API's format
    ends in `Z` (settings.REST_FRAMEWORK["DATETIME_FORMAT"]), and a streamed export writes
    its rows after the request's middleware (which makes the API speak UTC) has returned,
    under the site's own zone (Europe/Amsterdam). Naive input is read as UTC too."""

    def default_timezone(self):
        return datetime.UTC


def register_utc_timestamps():
    """Every model serializer's timestamps in UTC (called once, when the apps are ready)."""
    serializers.ModelSerializer.serializer_field_mapping[models.DateTimeField] = UTCDateTimeField
