"""Helpers for lists whose rows are built from column values instead of model instances
(actions/api/rows.py, agenda/api/rows.py): the values are formatted by the serializer's own
fields, so the representation stays the serializer's."""

import functools


@functools.cache
def formats_of(serializer_class, names):
    """`{name: format}` with each named field's `to_representation`, built once: constructing
    a serializer's fields costs milliseconds, formatting a value microseconds."""
    fields = serializer_class().fields
    return {name: fields[name].to_representation for name in names}


def plain(values, name, formats):
    value = values[name]
    return None if value is None else formats[name](value)


def brief(code, name):
    """A reference as the brief serializers show it; None when there is none."""
    return None if code is None else {"code": code, "name": name}
