"""The review pages count in SQL: the number of queries a page makes does not grow with the
number of actions, computed (an empty cache) or cached. (Times belong to bench/review_pages.py.)"""

import datetime
import itertools

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ActionFactory
from tests.reviews.conftest import backdate, build_people_and_review_agenda

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_review_agenda)
tree, parties, users, review_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "review_agenda"
)

pytestmark = pytest.mark.django_db


def urls(review):
    return [
        "/reviews/",
        "/reviews/?as_of=2016-01-04",
        "/reviews/matrix/",
        "/reviews/matrix/?as_of=2016-01-04",
        f"/reviews/{review.pk}/",
        f"/reviews/{review.pk}/report/",
        f"/reviews/{review.pk}/report/?as_of=2016-01-04",
        "/reviews/actions/?as_of=2016-01-04&overdue=true",
        "/reviews/agreements/?as_of=2016-01-04",
    ]


def more_actions(review_agenda, tree, n):
    """n actions more, over every status, region and agreement, some overdue and done."""
    agreements = [
        review_agenda["generic"],
        review_agenda["brabant"],
        review_agenda["holland"],
        review_agenda["draft"],
    ]
    regions = [tree["PV30"], tree["PV31"], tree["GM0772"], None]
    statuses = ["planned", "in_progress", "at_risk", "done", "cancelled"]
    owner = review_agenda["actions"]["nb"].owner
    combos = itertools.cycle(itertools.product(agreements, regions, statuses))
    for i in range(n):
        agreement, region, status = next(combos)
        done = status == "done"
        ActionFactory(
            code=f"A-MORE-{i}",
            agreement=agreement,
            owner=owner,
            region=region,
            status=status,
            progress=100 if done else 10,
            completed_on=datetime.date(2015, 12, 1) if done else None,
            due_date=datetime.date(2015, 10, 1 + i % 28),
        )


def queries(client, url):
    with CaptureQueriesContext(connection) as computed:
        response = client.get(url)
    assert response.status_code == 200, url
    with CaptureQueriesContext(connection) as cached:
        client.get(url)
    return len(computed), len(cached)


def test_queries_per_page_do_not_grow_with_the_actions(client, users, review_agenda, tree, review):
    client.force_login(users["ministry_editor"])
    cache.clear()
    few = {url: queries(client, url) for url in urls(review)}
    more_actions(review_agenda, tree, 60)
    backdate()
    cache.clear()
    many = {url: queries(client, url) for url in urls(review)}
    assert many == few


def test_a_cached_page_asks_the_database_little(client, users, review):
    """The dashboard, matrix, review page and report from the cache: the session and user, the
    data version, and what is not a figure (the review itself, the filter's choices)."""
    client.force_login(users["ministry_editor"])
    for url in urls(review)[:7]:
        computed, cached = queries(client, url)
        assert cached < computed, url
        assert cached <= 12, url
