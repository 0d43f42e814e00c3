"""Serializer fields shared by the API's write serializers."""

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
