"""pytest plugin for `make mutants` (tests/mutants.py): records which test runs which line of
the rule modules, so each mutant is tried by the tests that reach its line and no others."""

import json
import os
from collections import defaultdict

import coverage
import pytest

from tests.mutants import SHARED_BY

_coverage = None
# Seconds per test (setup, call, teardown): a mutant's time limit is a multiple of its tests'.
_durations = defaultdict(float)


def pytest_configure(config):
    global _coverage
    # One data file per process (pytest-xdist's workers), combined by tests/mutants.py.
    _coverage = coverage.Coverage(
        data_file=os.environ["MUTANTS_COVERAGE_FILE"],
        data_suffix=True,
        include=os.environ["MUTANTS_INCLUDE"].split(","),
    )
    _coverage.start()


def pytest_runtest_setup(item):
    # Setup, call and teardown of this test (its fixtures call the rules too) are this test's.
    _coverage.switch_context(item.nodeid)


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef, request):
    """A module's shared data set (tests/datasets.py) is built in its first test's setup, but
    what building it reaches, every test of the module relies on: its own context, which
    tests/mutants.py turns into the whole module."""
    if fixturedef.scope != "module":
        return (yield)
    _coverage.switch_context(f"{SHARED_BY} {request.node.nodeid}")
    try:
        return (yield)
    finally:
        _coverage.switch_context(request._pyfuncitem.nodeid)


def pytest_runtest_logreport(report):
    _durations[report.nodeid] += report.duration


def pytest_unconfigure(config):
    _coverage.stop()
    _coverage.save()
    # Beside the coverage data, not named like it (coverage's combine reads those).
    folder = os.path.dirname(os.environ["MUTANTS_COVERAGE_FILE"])
    with open(os.path.join(folder, f".mutants-durations.{os.getpid()}"), "w") as file:
        json.dump(_durations, file)
