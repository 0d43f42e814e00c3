"""The suite's own scheduling: the modules it starts first (tests/conftest.py, SLOW_FIRST)
exist; a renamed one would silently go back to the end of the run."""

from tests.conftest import SLOW_FIRST
from tests.paths import ROOT


def test_the_modules_started_first_exist():
    missing = [path for path in SLOW_FIRST if not (ROOT / path).is_file()]
    assert not missing
