"""The FilterSets' copies of their filters (config/filters.py `FilterCopies`): django-filter
deep-copies every filter per request; ours copies shallowly. These pin what that override
must keep of django-filter's own behaviour, so a django-filter upgrade cannot break it
unseen."""

import copy

from actions.filters import ActionFilterSet
from actions.models import Action
from config.filters import FilterCopies


def test_each_filterset_gets_its_own_filters(db):
    """Two FilterSets never share a filter object, its `extra` dict or its form field: what
    one request does to its filters is invisible to the next and to the class."""
    first = ActionFilterSet({}, queryset=Action.objects.all())
    second = ActionFilterSet({}, queryset=Action.objects.all())
    for name, base in ActionFilterSet.base_filters.items():
        assert first.filters[name] is not base
        assert first.filters[name] is not second.filters[name]
        assert first.filters[name].extra is not base.extra
        assert first.filters[name].extra.keys() == base.extra.keys()
    first.filters["status"].extra["help_text"] = "changed by one request"
    first.filters["status"].field.label = "changed too"
    assert ActionFilterSet.base_filters["status"].extra.get("help_text") != "changed by one request"
    assert second.filters["status"].field.label != "changed too"


def test_a_method_filter_calls_the_method_of_its_own_filterset(db):
    """A filter with `method=` calls the FilterSet that holds the copy: its FilterMethod
    (made when `method` is set) belongs to the copy, whose `parent` is this FilterSet."""
    filterset = ActionFilterSet({"overdue": "true"}, queryset=Action.objects.all())
    overdue = filterset.filters["overdue"]
    assert overdue.filter.f is overdue
    assert overdue.parent is filterset
    assert ActionFilterSet.base_filters["overdue"].filter.f is not overdue
    assert filterset.is_valid(), filterset.errors
    assert list(filterset.qs) == []


def test_deepcopy_is_the_override_and_keeps_the_keys():
    """`copy.deepcopy` of the base filters (what django-filter's FilterSet.__init__ does)
    gives a plain dict of clones, one per name, each a copy of the original's class."""
    base = ActionFilterSet.base_filters
    assert isinstance(base, FilterCopies)
    copies = copy.deepcopy(base)
    assert type(copies) is dict
    assert copies.keys() == base.keys()
    for name, clone in copies.items():
        assert type(clone) is type(base[name])
        assert clone is not base[name]
        assert "_field" not in clone.__dict__
