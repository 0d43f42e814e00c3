"""Lists whose rows are built from column values instead of model instances
(actions/api/rows.py, agenda/api/rows.py). Building model instances and running nested
serializers was ~40 % of a list page's time; a row builder gives the same representation
(its values formatted by the serializer's own fields, compared byte for byte in the tests)
from `.values()`. Named where it is used: the viewset's `row_builder` (the API's pages and
exports) and the sheet layout's `row_builder` (the admin's and review pages' exports)."""

import functools
from collections.abc import Callable
from dataclasses import dataclass
from itertools import islice

from django.db.models import QuerySet


@dataclass(frozen=True)
class RowBuilder:
    """`build(ids)` gives the rows of `model` with those ids, in that order, as the
    serializer represents them."""

    model: type
    build: Callable

    def builds(self, rows):
        """Whether it builds these rows: a queryset of the model itself (not, say, its
        recorded history, whose rows are other instances)."""
        return isinstance(rows, QuerySet) and rows.model is self.model


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
