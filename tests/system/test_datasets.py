"""The shared, read-only data sets (tests/datasets.py): built once per module, fresh
instances for every test, and gone when the module is done."""

import pytest

from agenda.models import Party
from tests.datasets import shared_dataset
from tests.factories import PartyFactory

built = []


def build_two_parties():
    built.append(1)
    return {"parties": [PartyFactory(code="DS-A"), PartyFactory(code="DS-B")]}


two_parties_rows, two_parties = shared_dataset("two_parties", build_two_parties)


@pytest.mark.parametrize("run", [1, 2])
def test_built_once_and_each_test_gets_fresh_instances(two_parties, two_parties_rows, run):
    """One build for the module; the instances a test gets are not the module's, so what a
    test changes in memory stays with it."""
    assert built == [1]
    first = two_parties["parties"][0]
    assert first is not two_parties_rows["parties"][0]
    assert first.name == two_parties_rows["parties"][0].name
    first.name = f"changed in memory by run {run}"


def test_a_test_writes_inside_its_own_transaction(two_parties):
    """A test's writes are undone after it; the shared rows stay."""
    Party.objects.filter(code="DS-A").update(name="written by one test")
    PartyFactory(code="DS-C")
    assert Party.objects.filter(code__startswith="DS-").count() == 3


def test_the_next_test_sees_the_shared_rows_as_built(two_parties):
    assert sorted(Party.objects.filter(code__startswith="DS-").values_list("code", flat=True)) == [
        "DS-A",
        "DS-B",
    ]
    assert Party.objects.get(code="DS-A").name != "written by one test"


def test_the_rows_exist_while_the_module_runs(db):
    """Even for a test that does not ask for the data set: the module's transaction holds
    them (tests/system/test_datasets_gone.py checks they are gone after the module)."""
    assert Party.objects.filter(code__startswith="DS-").count() == 2
