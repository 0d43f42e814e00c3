"""Named, read-only data sets shared by the tests of a module: Django's `setUpTestData` for
pytest. Building test data is most of a test's time; a data set is built once per module,
inside a transaction that is rolled back when the module is done.

Each test still gets its own fresh instances (one query per model), so nothing a test changes
in memory (an attribute, a cached scope) reaches the next test; and each test's own writes are
rolled back after it, as usual (its transaction is a savepoint inside the module's).

Only for modules without `transactional_db` or `live_server` tests: those commit, and the
module's transaction would hold their data back (such a module fails at once).

The data set is built before the first test's own fixtures run, autouse ones included (the
settings they change, such as `AGENDA_SNAPSHOT_DATE`, are not yet changed): a builder makes
rows and reads no setting that a test fixture changes.

    def build_scope_cases():
        tree = build_tree()
        ...
        return {"tree": tree, "agreements": {...}}

    scope_cases_rows, scope_cases = shared_dataset("scope_cases", build_scope_cases)
    tree, users = dataset_parts("scope_cases", "tree", "users")

`dataset_parts` names parts of the data set after the conftest's fixtures (`tree`, `parties`,
`users`, ...), so that the module's tests keep asking for them by name and get the shared
rows instead of building their own.
"""

import inspect
from collections import defaultdict

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command
from django.db import models, transaction

from tests.conftest import build_parties, build_small_agenda, build_tree, build_users, commits
from tests.paths import FIXTURES


def shared_dataset(name, build):
    """Two fixtures: `<name>_rows` (module scope: `build()`'s result, built once) and `name`
    (each test: the same structure with fresh instances). Assign both in the module."""
    rows_name = f"{name}_rows"

    @pytest.fixture(scope="module", name=rows_name)
    def rows(request, django_db_setup, django_db_blocker):
        committing = [
            item.name
            for item in request.session.items
            if getattr(item, "module", None) is request.module and commits(item)
        ]
        if committing:
            pytest.fail(f"a module with a shared data set has tests that commit: {committing}")
        # The database is open to the build and the rollback only: a test of the module that
        # does not ask for `db` still cannot reach it.
        with django_db_blocker.unblock():
            atomic = transaction.atomic()
            atomic.__enter__()
            try:
                built = build()
            except BaseException:
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                raise
        try:
            yield built
        finally:
            with django_db_blocker.unblock():
                transaction.set_rollback(True)
                atomic.__exit__(None, None, None)
                # Content types made inside the module's transaction are gone with it.
                ContentType.objects.clear_cache()

    def fresh(db, **built):
        return refetched(built[rows_name])

    # Named as a parameter (not fetched inside), so that pytest sets the module's rows up
    # before the test's own transaction begins: inside it, they would be rolled back with it.
    fresh.__signature__ = inspect.Signature(
        [
            inspect.Parameter("db", inspect.Parameter.POSITIONAL_OR_KEYWORD),
            inspect.Parameter(rows_name, inspect.Parameter.KEYWORD_ONLY),
        ]
    )
    return rows, pytest.fixture(fresh, name=name)


def dataset_parts(name, *parts):
    """A fixture per part, named after it, that returns `<name>[part]` for each test."""

    def part_fixture(part):
        def get(**kwargs):
            return kwargs[name][part]

        get.__signature__ = inspect.Signature(
            [inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY)]
        )
        return pytest.fixture(get, name=part)

    return tuple(part_fixture(part) for part in parts)


def build_people():
    """The small region tree, a party per kind and a user per role (tests/conftest.py)."""
    tree = build_tree()
    parties = build_parties(tree)
    return {"tree": tree, "parties": parties, "users": build_users(parties)}


def build_people_and_small_agenda():
    """`build_people` and the small agenda on it (tests/conftest.py's `small_agenda`)."""
    people = build_people()
    return {**people, "small_agenda": build_small_agenda(people["tree"], people["parties"])}


def load_real_agenda():
    """The shipped fixtures: the real agenda, as `make run` loads it."""
    call_command("loaddata", *FIXTURES, verbosity=0)
    return {}


def refetched(data):
    """`data` with every model instance in it read again from the database (one query per
    model), in the same structure (dicts, lists, tuples)."""
    wanted = defaultdict(set)
    _collect(data, wanted)
    found = {model: model._default_manager.in_bulk(pks) for model, pks in wanted.items() if pks}
    return _replace(data, found)


def _collect(value, wanted):
    if isinstance(value, models.Model):
        wanted[type(value)].add(value.pk)
    elif isinstance(value, dict):
        for item in value.values():
            _collect(item, wanted)
    elif isinstance(value, list | tuple):
        for item in value:
            _collect(item, wanted)


def _replace(value, found):
    if isinstance(value, models.Model):
        return found[type(value)][value.pk]
    if isinstance(value, dict):
        return {key: _replace(item, found) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(_replace(item, found) for item in value)
    return value
