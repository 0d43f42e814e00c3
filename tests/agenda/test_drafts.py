"""A draft is invisible to everyone without a membership (DESIGN.md, "Who may do what"):
anonymous readers and staff without a membership see nothing that reveals one — its code,
title, text, decisions about it or its history from before it was published — in any
response: the API, the sync feed, exports, the admin and the review pages."""

import datetime

import pytest
from django.test import Client

from actions.services import action_add_update, action_create
from agenda.choices import ReviewDecisionKind
from agenda.models import ReviewDecision
from agenda.services import agreement_create, agreement_update
from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset
from tests.factories import ReviewFactory

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

SECRET = "Geheime conceptafspraak"
SECRET_ACTION = "Geheime conceptactie"


@pytest.fixture
def published(small_agenda, users):
    """An agreement and an action written as a draft, then published under another title."""
    editor = users["ministry_editor"]
    agreement = agreement_create(
        user=editor,
        code="PUB-1",
        title=SECRET,
        theme=small_agenda["generic"].theme,
        status="draft",
    )
    action = action_create(
        user=editor,
        agreement=agreement,
        code="PUB-ACT",
        title=SECRET_ACTION,
        owner=small_agenda["own_action"].owner,
    )
    agreement_update(agreement=agreement, user=editor, title="Openbare afspraak")
    agreement = agreement_update(agreement=agreement, user=editor, status="active")
    action.refresh_from_db()
    return {"agreement": agreement, "action": action}


@pytest.fixture
def draft(small_agenda, users):
    agreement = agreement_create(
        user=users["ministry_editor"],
        code="DRAFT-1",
        title=SECRET,
        theme=small_agenda["generic"].theme,
        status="draft",
    )
    action = action_create(
        user=users["ministry_editor"],
        agreement=agreement,
        code="DRAFT-ACT",
        title=SECRET_ACTION,
        owner=small_agenda["own_action"].owner,
    )
    return {"agreement": agreement, "action": action}


def moment(text):
    return datetime.datetime.fromisoformat(text.replace("Z", "+00:00"))


def outsider_client(users):
    client = Client()
    client.force_login(users["outsider"])
    return client


def test_anonymous_agreement_history_starts_at_publication(api, published):
    """Anonymous `history/` of a published draft has no version from before publication: its
    first entry is the publication, with no old values."""
    body = api.get("/api/v1/agreements/PUB-1/history/").json()
    assert SECRET not in str(body)
    assert [e["type"] for e in body["results"]] == ["created"]
    assert body["results"][0]["changes"] == []


def test_member_agreement_history_is_complete(api, published, users):
    """Members read the whole history, drafts included."""
    api.force_authenticate(users["brabant_viewer"])
    body = api.get("/api/v1/agreements/PUB-1/history/").json()
    assert body["count"] == 3
    assert SECRET in str(body)


def test_anonymous_action_history_starts_at_publication(api, published):
    """An action written under a draft agreement shows no version from before publication."""
    action = published["action"]
    body = api.get(f"/api/v1/actions/{action.pk}/history/").json()
    assert body["count"] >= 1
    first = body["results"][-1]
    assert first["type"] == "created"
    assert first["changes"] == []
    publication = published["agreement"].history.filter(status="active").last().history_date
    assert all(moment(entry["date"]) >= publication for entry in body["results"])


def test_update_authors_are_hidden_from_non_members_like_history_users(api, published, users):
    """`updates/` shows who wrote an entry to members only, by the rule `history/` uses."""
    action = published["action"]
    action_add_update(action=action, user=users["ministry_editor"], note="Voortgang")
    anonymous = api.get(f"/api/v1/actions/{action.pk}/updates/").json()
    assert anonymous["results"]
    assert {entry["author"] for entry in anonymous["results"]} == {None}
    assert "ez" not in str(
        [e["user"] for e in api.get(f"/api/v1/actions/{action.pk}/history/").json()["results"]]
    )
    api.force_authenticate(users["outsider"])
    staff = api.get(f"/api/v1/actions/{action.pk}/updates/").json()
    assert {entry["author"] for entry in staff["results"]} == {None}
    api.force_authenticate(users["brabant_viewer"])
    member = api.get(f"/api/v1/actions/{action.pk}/updates/").json()
    assert {entry["author"] for entry in member["results"]} == {"ez"}


@pytest.mark.parametrize("model", ["agreement", "action"])
def test_admin_history_of_a_draft_is_closed_to_staff_without_membership(draft, users, model):
    """Admin history pages (and old versions) of a draft: 403 or 404 for staff without a
    membership, never the draft's text."""
    obj = draft[model]
    app = "agenda" if model == "agreement" else "actions"
    client = outsider_client(users)
    for url in (
        f"/admin/{app}/{model}/{obj.pk}/history/",
        f"/admin/{app}/{model}/{obj.pk}/history/{obj.history.first().history_id}/",
        f"/admin/{app}/{model}/{obj.pk}/change/",
    ):
        response = client.get(url, follow=True)
        assert response.status_code in (403, 404), url
        assert SECRET not in response.content.decode()
        assert SECRET_ACTION not in response.content.decode()


def test_agreement_filter_answers_a_draft_like_an_unknown_code(api, draft):
    """`?agreement=CODE` of a draft is answered exactly as a code that does not exist."""
    hidden = api.get("/api/v1/actions/", {"agreement": "DRAFT-1"})
    unknown = api.get("/api/v1/actions/", {"agreement": "NOPE-1"})
    assert hidden.status_code == unknown.status_code == 400
    assert hidden.content.replace(b"DRAFT-1", b"X") == unknown.content.replace(b"NOPE-1", b"X")


def test_admin_history_of_a_published_draft_starts_at_publication(published, users):
    """Staff without a membership read an agreement's admin history from publication on,
    without who made the changes."""
    agreement = published["agreement"]
    client = outsider_client(users)
    for url in (
        f"/admin/agenda/agreement/{agreement.pk}/history/",
        f"/admin/agenda/agreement/{agreement.pk}/change/",
    ):
        response = client.get(url)
        if response.status_code == 200:
            assert SECRET not in response.content.decode(), url
        else:
            assert response.status_code in (302, 403, 404), url


def test_review_decisions_about_drafts_are_hidden(api, draft, users):
    """`GET /api/v1/reviews/` and the review pages leave out decisions about drafts."""
    review = ReviewFactory()
    ReviewDecision.objects.create(
        review=review, agreement=draft["agreement"], decision=ReviewDecisionKind.NEW, note="n"
    )
    for body in (
        api.get("/api/v1/reviews/").content,
        api.get(f"/api/v1/reviews/{review.pk}/").content,
    ):
        assert b"DRAFT-1" not in body
        assert SECRET.encode() not in body
    client = outsider_client(users)
    for url in (f"/reviews/{review.pk}/", f"/reviews/{review.pk}/report/", "/reviews/all/"):
        response = client.get(url)
        assert response.status_code == 200, url
        assert "DRAFT-1" not in response.content.decode(), url
        assert SECRET not in response.content.decode(), url


def test_changes_feed_shows_no_draft_and_no_prepublication_record(api, draft, published):
    """The sync feed has no record of a draft, of an action under one, nor of anything from
    before a publication."""
    body = api.get("/api/v1/changes/", {"since": "2000-01-01"}).json()
    keys = {(r["type"], r["key"]) for r in body["results"]}
    assert ("agreement", "DRAFT-1") not in keys
    assert ("action", str(draft["action"].pk)) not in keys
    publication = published["agreement"].history.filter(status="active").last().history_date
    for row in body["results"]:
        if (row["type"], row["key"]) in {
            ("agreement", "PUB-1"),
            ("action", str(published["action"].pk)),
        }:
            assert moment(row["at"]) >= publication


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/agreements/?format=csv",
        "/api/v1/agreements/?format=xlsx",
        "/api/v1/actions/?format=csv",
        "/api/v1/actions/?format=xlsx",
    ],
)
def test_api_exports_show_no_draft(api, draft, url):
    response = api.get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"DRAFT-1" not in body
    assert SECRET.encode() not in body
    assert SECRET_ACTION.encode() not in body


@pytest.mark.parametrize(
    "url",
    [
        "/reviews/agreements/?export=csv",
        "/reviews/actions/?export=csv",
        "/reviews/agreements/",
        "/reviews/actions/",
        "/reviews/",
        "/reviews/matrix/",
        "/reviews/agreements/?export=xlsx",
    ],
)
def test_review_pages_and_exports_show_staff_without_membership_no_draft(draft, users, url):
    response = outsider_client(users).get(url)
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    assert b"DRAFT-1" not in body
    assert SECRET.encode() not in body
    assert SECRET_ACTION.encode() not in body
