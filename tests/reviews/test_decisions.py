"""Decisions recorded on the review page and in the admin: one rule (which decision fits
which agreement), one service, refusals shown at the field with nothing written, stale edits
refused, and the admin and the review page linked both ways."""

import pytest
from django.core.exceptions import ValidationError

from agenda.choices import DECISIONS_FITTING, AgreementStatus, ReviewDecisionKind
from agenda.models import Agreement, ReviewDecision
from agenda.services import ensure_decision_fits, review_decision_save
from reviews.services import review_hold
from tests.datasets import dataset_parts, shared_dataset
from tests.factories import AgreementFactory, ReviewFactory
from tests.reviews.conftest import build_people_and_review_agenda

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_review_agenda)
tree, parties, users, review_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "review_agenda"
)


@pytest.fixture
def review(review_agenda):
    """A planned review deciding about Brabant's agreement only (so far)."""
    review = ReviewFactory(date="2016-01-05", title="Herijking 2016")
    review.decisions.create(agreement=review_agenda["brabant"], decision="continue", note="Door")
    review.refresh_from_db()
    return review


def url(review, agreement):
    return f"/reviews/{review.pk}/decisions/{agreement.pk}/"


def form_data(agreement, decision, note="", version=0):
    prefix = f"a{agreement.pk}"
    return {f"{prefix}-decision": decision, f"{prefix}-note": note, f"{prefix}-version": version}


def test_every_decision_fits_some_status_and_ended_agreements_get_none():
    assert set(DECISIONS_FITTING) == set(ReviewDecisionKind)
    for status in (AgreementStatus.FULFILLED, AgreementStatus.ENDED, AgreementStatus.REVISED):
        for kind in ReviewDecisionKind:
            with pytest.raises(ValidationError):
                ensure_decision_fits(kind, Agreement(code="X", status=status))
    ensure_decision_fits(ReviewDecisionKind.NEW, Agreement(code="X", status="draft"))
    with pytest.raises(ValidationError) as refused:
        ensure_decision_fits(ReviewDecisionKind.COMPLETE, Agreement(code="X", status="draft"))
    assert "decision" in refused.value.message_dict


def test_an_editor_records_a_decision_on_the_review_page(client, users, review_agenda, review):
    client.force_login(users["ministry_editor"])
    page = client.get(f"/reviews/{review.pk}/")
    body = page.content.decode()
    assert "Besluiten vastleggen" in body
    assert f'action="{url(review, review_agenda["holland"])}"' in body
    assert f"/admin/agenda/review/{review.pk}/change/" in body  # the link to the admin
    response = client.post(
        url(review, review_agenda["holland"]),
        form_data(review_agenda["holland"], "stop", "Klaar ermee"),
    )
    assert response.status_code == 302
    assert response["Location"].endswith(
        f"/reviews/{review.pk}/#decision-{review_agenda['holland'].pk}"
    )
    decision = review.decisions.get(agreement=review_agenda["holland"])
    assert (decision.decision, decision.note, decision.version) == ("stop", "Klaar ermee", 1)
    assert decision.history.first().history_user == users["ministry_editor"]
    # Changing it moves its version on.
    changed = client.post(
        url(review, review_agenda["holland"]),
        form_data(review_agenda["holland"], "adjust", "Toch bijstellen", 1),
    )
    assert changed.status_code == 302
    decision.refresh_from_db()
    assert (decision.decision, decision.version) == ("adjust", 2)


def test_a_decision_that_does_not_fit_is_refused_with_a_form_error(
    client, users, review_agenda, review
):
    client.force_login(users["ministry_editor"])
    before = list(ReviewDecision.objects.values_list("agreement__code", "decision", "version"))
    response = client.post(
        url(review, review_agenda["draft"]),
        form_data(review_agenda["draft"], "complete", "Afronden"),
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "past niet bij CONCEPT-1 – Geheim concept, die concept is." in body
    assert "Kies daarvoor" in body
    assert 'class="decision-form has-errors"' in body
    assert "Afronden" in body  # the input is kept
    after = list(ReviewDecision.objects.values_list("agreement__code", "decision", "version"))
    assert after == before


def test_a_stale_edit_is_refused_not_overwritten(client, users, review_agenda, review):
    brabant = review_agenda["brabant"]
    read_version = review.decisions.get(agreement=brabant).version
    review_decision_save(
        review=review,
        agreement=brabant,
        user=users["superuser"],
        decision="adjust",
        note="Eerst opgeslagen",
        expected_version=read_version,
    )
    client.force_login(users["ministry_editor"])
    response = client.post(url(review, brabant), form_data(brabant, "stop", "Later", read_version))
    assert response.status_code == 400
    assert "Gewijzigd door root" in response.content.decode()
    decision = review.decisions.get(agreement=brabant)
    assert (decision.decision, decision.note) == ("adjust", "Eerst opgeslagen")
    # A decision someone else recorded first, for an agreement the editor saw undecided.
    review_decision_save(
        review=review, agreement=review_agenda["holland"], user=users["superuser"], decision="stop"
    )
    second = client.post(
        url(review, review_agenda["holland"]), form_data(review_agenda["holland"], "continue")
    )
    assert second.status_code == 400
    assert review.decisions.get(agreement=review_agenda["holland"]).decision == "stop"


@pytest.mark.parametrize("who", ["brabant_editor", "ministry_viewer", "brabant_viewer"])
def test_a_user_outside_the_scope_cannot_post_a_decision(client, users, review_agenda, review, who):
    client.force_login(users[who])
    page = client.get(f"/reviews/{review.pk}/")
    body = page.content.decode()
    assert "Besluiten vastleggen" not in body
    assert "Alleen redacteuren van het ministerie leggen de besluiten" in body  # why not
    response = client.post(
        url(review, review_agenda["holland"]), form_data(review_agenda["holland"], "stop")
    )
    assert response.status_code == 403
    assert not review.decisions.filter(agreement=review_agenda["holland"]).exists()


def test_no_decisions_change_once_the_review_is_held(client, users, review_agenda, review):
    review_hold(review=review, user=users["ministry_editor"])
    client.force_login(users["ministry_editor"])
    page = client.get(f"/reviews/{review.pk}/")
    assert "Besluiten vastleggen" not in page.content.decode()
    response = client.post(
        url(review, review_agenda["holland"]), form_data(review_agenda["holland"], "stop")
    )
    assert response.status_code == 400
    assert not review.decisions.filter(agreement=review_agenda["holland"]).exists()


def test_an_unknown_or_hidden_agreement_is_a_404(client, users, review_agenda, review):
    client.force_login(users["ministry_editor"])
    assert client.post(f"/reviews/{review.pk}/decisions/999999/", {}).status_code == 404
    assert (
        client.post(f"/reviews/999999/decisions/{review_agenda['generic'].pk}/", {}).status_code
        == 404
    )


def test_holding_refuses_a_decision_that_no_longer_fits(users, review_agenda, review):
    """The hold asks the same rule: an agreement ended since its decision was recorded."""
    ended = AgreementFactory(code="OUD", status="active")
    review.decisions.create(agreement=ended, decision="complete")
    Agreement.objects.filter(pk=ended.pk).update(status="ended")
    with pytest.raises(ValidationError) as refused:
        review_hold(review=review, user=users["ministry_editor"])
    assert "OUD" in " ".join(refused.value.messages)
    review.refresh_from_db()
    assert review.status == "planned"


# The admin ---------------------------------------------------------------------------------


def inline_data(review, rows):
    """The review's change form as the admin posts it, with `rows` of decisions."""
    data = {
        "date": review.date.isoformat(),
        "title": review.title,
        "conclusion": review.conclusion,
        "source": review.source,
        "decisions-TOTAL_FORMS": len(rows),
        "decisions-INITIAL_FORMS": sum(1 for row in rows if row.get("id")),
        "decisions-MIN_NUM_FORMS": 0,
        "decisions-MAX_NUM_FORMS": 1000,
    }
    for i, row in enumerate(rows):
        for key, value in row.items():
            data[f"decisions-{i}-{key}"] = value
        data[f"decisions-{i}-review"] = review.pk
    return data


def test_the_admin_refuses_a_decision_that_does_not_fit(client, users, review_agenda, review):
    client.force_login(users["ministry_editor"])
    existing = review.decisions.get()
    rows = [
        {
            "id": existing.pk,
            "agreement": review_agenda["brabant"].pk,
            "decision": "continue",
            "note": "Door",
            "loaded_version": existing.version,
        },
        {"agreement": review_agenda["draft"].pk, "decision": "complete", "note": "Fout"},
    ]
    response = client.post(f"/admin/agenda/review/{review.pk}/change/", inline_data(review, rows))
    assert response.status_code == 200  # the form again, with the error
    assert "past niet bij CONCEPT-1" in response.content.decode()
    assert list(review.decisions.values_list("agreement__code", flat=True)) == ["NB-1"]
    rows[1]["decision"] = "new"
    saved = client.post(f"/admin/agenda/review/{review.pk}/change/", inline_data(review, rows))
    assert saved.status_code == 302
    added = review.decisions.get(agreement=review_agenda["draft"])
    assert (added.decision, added.version) == ("new", 1)
    assert added.history.first().history_user == users["ministry_editor"]


def test_the_admin_refuses_a_stale_decision(client, users, review_agenda, review):
    existing = review.decisions.get()
    review_decision_save(
        review=review,
        agreement=review_agenda["brabant"],
        user=users["superuser"],
        decision="adjust",
        expected_version=existing.version,
    )
    client.force_login(users["ministry_editor"])
    rows = [
        {
            "id": existing.pk,
            "agreement": review_agenda["brabant"].pk,
            "decision": "stop",
            "note": "Mijn versie",
            "loaded_version": existing.version,
        }
    ]
    response = client.post(f"/admin/agenda/review/{review.pk}/change/", inline_data(review, rows))
    assert response.status_code == 200
    assert "Gewijzigd door root" in response.content.decode()
    assert review.decisions.get().decision == "adjust"


def test_the_admin_links_to_the_review_page(client, users, review):
    client.force_login(users["ministry_editor"])
    page = client.get(f"/admin/agenda/review/{review.pk}/change/")
    assert f'href="/reviews/{review.pk}/"' in page.content.decode()


def test_the_admin_removes_a_decision_through_the_service(client, users, review_agenda, review):
    existing = review.decisions.get()
    client.force_login(users["ministry_editor"])
    rows = [
        {
            "id": existing.pk,
            "agreement": review_agenda["brabant"].pk,
            "decision": "continue",
            "note": "Door",
            "loaded_version": existing.version,
            "DELETE": "on",
        }
    ]
    response = client.post(f"/admin/agenda/review/{review.pk}/change/", inline_data(review, rows))
    assert response.status_code == 302
    assert not review.decisions.exists()
    removal = existing.history.model.objects.filter(id=existing.pk, history_type="-").get()
    assert removal.history_user == users["ministry_editor"]
