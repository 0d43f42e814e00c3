"""Serializer pieces shared by the API's write serializers."""

from collections.abc import Mapping

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
        return super().to_internal_value(data)
