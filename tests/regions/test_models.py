import pytest
from django.db import IntegrityError, transaction

from regions.models import Region, RegionClosure
from tests.factories import RegionFactory


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_within_follows_parent_and_agenda_groups(tree):
    """Inside X follows the CBS parent and the agenda groupings: Zeeland is inside LD03
    (CBS) and inside AG-ZUID (agenda); Eindhoven is inside AG-ZUID through Noord-Brabant."""
    assert codes(Region.objects.within(tree["AG-ZUID"])) == {
        "AG-ZUID",
        "PV29",
        "PV30",
        "PV31",
        "GM0772",
    }
    assert codes(Region.objects.within(tree["LD03"])) == {"LD03", "PV29", "PV27", "GM0392"}
    assert "PV29" in codes(Region.objects.within(tree["NL"]))


def test_above_follows_parent_and_agenda_groups(tree):
    """Above X: Eindhoven lies under PV30, LD04, AG-ZUID and NL, and not under LD03."""
    assert codes(Region.objects.above(tree["GM0772"])) == {
        "GM0772",
        "PV30",
        "LD04",
        "AG-ZUID",
        "NL",
    }
    assert codes(Region.objects.above(tree["PV29"])) == {"PV29", "LD03", "AG-ZUID", "NL"}


def test_within_several_regions_is_their_union(tree):
    assert codes(Region.objects.within(tree["PV27"], tree["PV31"])) == {"PV27", "GM0392", "PV31"}


def test_region_questions_are_one_query(tree, django_assert_num_queries):
    """Inside and above are each answered by one query, whatever the depth."""
    with django_assert_num_queries(1):
        list(Region.objects.within(tree["NL"]))
    with django_assert_num_queries(1):
        list(Region.objects.above(tree["GM0772"]))


def test_closure_follows_moves_and_group_changes(tree):
    """Moving a region or removing a grouping updates the answers at once."""
    tree["GM0772"].parent = tree["PV27"]
    tree["GM0772"].save()
    assert "GM0772" in codes(Region.objects.within(tree["PV27"]))
    assert "GM0772" not in codes(Region.objects.within(tree["AG-ZUID"]))

    tree["PV29"].groups.remove(tree["AG-ZUID"])
    assert "PV29" not in codes(Region.objects.within(tree["AG-ZUID"]))
    assert "PV29" in codes(Region.objects.within(tree["LD03"]))


def test_group_cycle_does_not_loop(tree):
    """A cycle through groups is tolerated: both are inside each other, nothing hangs."""
    a = RegionFactory(code="cluster-a")
    b = RegionFactory(code="cluster-b", groups=[a])
    a.groups.add(b)
    assert codes(Region.objects.within(a)) == {"cluster-a", "cluster-b"}
    assert RegionClosure.objects.filter(ancestor=a, descendant=a, depth=0).exists()


def test_database_refuses_unknown_kind(db):
    """The kind constraint holds in the database itself, not only in forms."""
    with pytest.raises(IntegrityError), transaction.atomic():
        Region(code="X1", name="X", kind="galaxy").save()
    assert not Region.objects.filter(code="X1").exists()


def test_database_refuses_duplicate_code(tree):
    with pytest.raises(IntegrityError), transaction.atomic():
        Region(code="PV30", name="Dubbel", kind="province").save()
    assert Region.objects.filter(code="PV30").count() == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_region_edits_leave_a_complete_closure():
    """Two editors save regions at the same moment: both rebuilds succeed, one after the
    other, and the closure holds every pair."""
    import threading

    from django.db import connection

    nl = RegionFactory(code="NL-C", kind="country")
    a = RegionFactory(code="A-C", parent=nl)
    b = RegionFactory(code="B-C", parent=nl)
    barrier = threading.Barrier(2)
    errors = []

    def rename(region, name):
        try:
            obj = Region.objects.get(pk=region.pk)
            obj.name = name
            barrier.wait(timeout=10)
            obj.save()
        except Exception as exc:  # any failure is what this test looks for
            errors.append(exc)
        finally:
            connection.close()

    for round_number in range(5):  # the race window is small: run it several times
        threads = [
            threading.Thread(target=rename, args=(r, f"{r.code} {round_number}")) for r in (a, b)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        barrier.reset()
    assert errors == []
    assert codes(Region.objects.within(nl)) == {"NL-C", "A-C", "B-C"}
    assert RegionClosure.objects.count() == 5
