"""The agreement services refuse by themselves, whatever face calls them: another province's
agreement is refused before anything is written, with the read-only reason (not the reason of
a write that would leave one's scope); a delete is refused for what refers to the agreement;
an invalid period is a form error, not a database error."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from agenda.models import Agreement
from agenda.scope import OutOfScope
from agenda.services import agreement_delete, agreement_update
from tests.factories import AgreementFactory

pytestmark = pytest.mark.django_db

AFTER_WRITE = "buiten uw bevoegdheid"  # the reason a write that leaves one's scope gets


def test_another_provinces_agreement_is_refused_before_the_write(small_agenda, users):
    other = small_agenda["other"]
    versions = other.history.count()
    with pytest.raises(OutOfScope) as refused:
        agreement_update(agreement=other, user=users["brabant_editor"], title="Overgenomen")
    assert AFTER_WRITE not in refused.value.message
    other.refresh_from_db()
    assert other.title != "Overgenomen"
    assert other.history.count() == versions


def test_another_provinces_agreement_cannot_be_deleted(small_agenda, users):
    other = small_agenda["other"]
    with pytest.raises(OutOfScope):
        agreement_delete(agreement=other, user=users["brabant_editor"])
    assert Agreement.objects.filter(pk=other.pk).exists()


def test_a_superseded_agreement_is_ended_not_deleted(small_agenda, users):
    """A later agreement refers to it (no review decision does): refused, both kept."""
    first = AgreementFactory(code="OUD", theme=small_agenda["generic"].theme)
    AgreementFactory(code="NIEUW", theme=first.theme, supersedes=first)
    with pytest.raises(ValidationError, match="beëindigd"):
        agreement_delete(agreement=first, user=users["superuser"])
    assert Agreement.objects.filter(code__in=["OUD", "NIEUW"]).count() == 2


def test_a_period_that_ends_before_it_starts_is_a_form_error(small_agenda, users):
    generic = small_agenda["generic"]
    with pytest.raises(ValidationError) as refused:
        agreement_update(
            agreement=generic,
            user=users["superuser"],
            valid_from=date(2017, 1, 1),
            valid_until=date(2016, 1, 1),
        )
    assert refused.value.message_dict
    generic.refresh_from_db()
    assert generic.valid_until != date(2016, 1, 1)
