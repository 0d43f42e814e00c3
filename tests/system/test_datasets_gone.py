"""Runs after tests/system/test_datasets.py (alphabetical within the directory, one worker per
module): that module's shared rows were rolled back with its transaction."""

from agenda.models import Party


def test_a_data_set_leaves_nothing_behind(db):
    assert not Party.objects.filter(code__startswith="DS-").exists()
