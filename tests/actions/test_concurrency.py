"""Editors save the same action at the same moment, all having read version 1. The
version check and the write happen under the row lock (PostgreSQL: SELECT … FOR UPDATE;
SQLite: IMMEDIATE transactions), so exactly one wins and the other is refused."""

import threading

import pytest
from django.db import connection

from actions.models import Action
from actions.services import action_update
from config.concurrency import StaleVersionError
from tests.factories import ActionFactory, AgreementFactory, PartyFactory, UserFactory


# serialized_rollback: the flush after this test must not take the migrations' data (groups)
# away from the tests that follow.
@pytest.mark.parametrize("writers", [2, 20])
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_with_the_same_version_one_wins(writers):
    editor = UserFactory(username="ez-admin", is_superuser=True)
    action = ActionFactory(agreement=AgreementFactory(), owner=PartyFactory(), title="Begin")
    barrier = threading.Barrier(writers)
    outcomes = {}

    def save(title):
        try:
            current = Action.objects.get(pk=action.pk)
            barrier.wait(timeout=10)
            action_update(action=current, user=editor, expected_version=1, title=title)
            outcomes[title] = "saved"
        except StaleVersionError:
            outcomes[title] = "refused"
        finally:
            connection.close()

    titles = [f"Versie van redacteur {n}" for n in range(1, writers + 1)]
    threads = [threading.Thread(target=save, args=(t,)) for t in titles]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values()) == ["refused"] * (writers - 1) + ["saved"]
    action.refresh_from_db()
    winner = next(title for title, outcome in outcomes.items() if outcome == "saved")
    assert (action.title, action.version) == (winner, 2)
    assert action.history.count() == 2  # created + one change: the loser wrote nothing
