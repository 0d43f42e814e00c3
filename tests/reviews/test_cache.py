"""The review pages' figures are cached (reviews/cache.py) per scope, reference day, data
version and language: any write shows at once, a member's figures (drafts counted) never
reach anyone else, and a cached page is the page computed afresh."""

import re

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from reviews.cache import Figures, data_version, scope_key
from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ActionFactory
from tests.reviews.conftest import build_people_and_review_agenda

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_review_agenda)
tree, parties, users, review_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "review_agenda"
)

pytestmark = pytest.mark.django_db


def pages(review):
    return [
        "/reviews/",
        "/reviews/?as_of=2016-01-04",
        "/reviews/matrix/",
        "/reviews/matrix/?as_of=2016-01-04&theme=MIT",
        f"/reviews/{review.pk}/",
        f"/reviews/{review.pk}/report/",
        f"/reviews/{review.pk}/report/?region=AG-ZUID",
    ]


def comparable(response):
    """The page without what differs per response (the CSRF token, the printing time)."""
    page = response.content.decode()
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", page)
    return re.sub(r"<dt>afgedrukt</dt><dd>[^<]*</dd>", "", page)


def test_a_cached_page_is_the_page_computed_afresh(client, users, review):
    client.force_login(users["ministry_editor"])
    for url in pages(review):
        cache.clear()
        fresh = client.get(url)
        assert fresh.status_code == 200, url
        with CaptureQueriesContext(connection) as from_cache:
            cached = client.get(url)
        assert comparable(cached) == comparable(fresh), url
        cache.clear()
        with CaptureQueriesContext(connection) as computed:
            client.get(url)
        # From the cache: fewer queries than computing them (the data version, the page's own).
        assert len(from_cache) < len(computed), url


def test_any_write_shows_at_once(client, users, review_agenda, review):
    client.force_login(users["ministry_editor"])
    before = client.get("/reviews/").context["totals"]["total"]
    version = data_version()
    ActionFactory(
        code="A-NEW", agreement=review_agenda["generic"], owner=review_agenda["actions"]["nb"].owner
    )
    assert data_version() != version
    assert client.get("/reviews/").context["totals"]["total"] == before + 1
    report = f"/reviews/{review.pk}/report/"
    total = client.get(report).context["totals"]["total"]
    action = review_agenda["actions"]["nb"]
    action.status = "cancelled"
    action.save()
    assert client.get(report).context["totals"]["total"] == total
    assert client.get(report).context["by_theme"].column_total("cancelled") >= 1


def test_a_members_figures_never_reach_others(client, users, review_agenda, review):
    """The province editor (a member: drafts counted) looks first, then a staff user without a
    membership (published only): the draft's action is not in their figures, cached or not."""
    client.force_login(users["brabant_editor"])
    member = client.get("/reviews/").context["totals"]["total"]
    client.force_login(users["outsider"])
    outsider = client.get("/reviews/")
    assert outsider.context["totals"]["total"] == member - 1
    assert "Geheim" not in outsider.content.decode()
    cache.clear()
    assert client.get("/reviews/").context["totals"]["total"] == member - 1
    for url in pages(review)[1:]:
        assert "CONCEPT" not in client.get(url).content.decode(), url


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("outsider", "published"),
        ("brabant_viewer", "members"),
        ("brabant_editor", "members"),
        ("ministry_editor", "members"),
    ],
)
def test_the_scope_key_follows_who_sees_drafts(users, role, expected):
    assert scope_key(users[role]) == expected


def test_anonymous_and_members_never_share_a_key(users, review_agenda):
    from django.contrib.auth.models import AnonymousUser

    day = review_agenda["generic"].created_at.date()
    anonymous = Figures(AnonymousUser(), day).key("dashboard")
    assert anonymous != Figures(users["brabant_editor"], day).key("dashboard")
    assert anonymous == Figures(users["outsider"], day).key("dashboard")


def test_the_language_is_part_of_the_key(client, users, review):
    client.force_login(users["ministry_editor"])
    dutch = client.get("/reviews/", HTTP_ACCEPT_LANGUAGE="nl").content.decode()
    english = client.get("/reviews/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Acties per status en thema" in dutch
    assert "Actions by status and theme" in english
    assert "Acties per status en thema" not in english
