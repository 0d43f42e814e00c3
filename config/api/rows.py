"""Lists whose rows are built from column values instead of model instances
(actions/api/rows.py, agenda/api/rows.py). Building model instances and running nested
serializers was ~40 % of a list page's time; a row builder gives the same representation
(its values formatted by the serializer's own fields, compared byte for byte in the tests)
from `.values()`. The API's pages and every export (API, admin, review pages) use it."""

import functools
from itertools import islice

from django.db.models import QuerySet

# serializer class → (model, builder): `builder(ids)` gives those rows, in that order.
ROW_BUILDERS = {}


def builds_rows_of(serializer_class, model):
    """Registers a row builder for `serializer_class`'s representation of `model` rows."""

    def register(builder):
        ROW_BUILDERS[serializer_class] = (model, builder)
        return builder

    return register


def row_builder(serializer_class, rows):
    """The builder for these rows, if there is one: `rows` must be a queryset of the model
    itself (not, say, its recorded history)."""
    model, builder = ROW_BUILDERS.get(serializer_class, (None, None))
    if isinstance(rows, QuerySet) and rows.model is model:
        return builder
    return None


def rows_by_ids(builder, queryset, chunk_size):
    """Every row of the queryset, in its order, a chunk of ids at a time (bounded memory)."""
    ids = queryset.prefetch_related(None).values_list("id", flat=True).iterator(chunk_size)
    while chunk := list(islice(ids, chunk_size)):
        yield from builder(chunk)


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
