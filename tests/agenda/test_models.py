import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import ProtectedError

from actions.models import Action
from agenda.models import Agreement, BudgetLine, GoalMeasurement, Theme
from tests.factories import (
    ActionFactory,
    AgreementFactory,
    BudgetLineFactory,
    GoalFactory,
    PartyFactory,
    ThemeFactory,
)


@pytest.mark.parametrize(
    ("factory", "fields", "constraint"),
    [
        (BudgetLineFactory, {"amount": -1}, "agenda_budgetline_amount_not_negative"),
        (BudgetLineFactory, {"year": 1850}, "agenda_budgetline_year_range"),
        (
            AgreementFactory,
            {"valid_from": datetime.date(2017, 1, 1), "valid_until": datetime.date(2016, 1, 1)},
            "agenda_agreement_valid_period",
        ),
        (AgreementFactory, {"status": "approved"}, "agenda_agreement_status_valid"),
        (AgreementFactory, {"scope": "galactic"}, "agenda_agreement_scope_valid"),
        (ActionFactory, {"progress": 101}, "actions_action_progress_range"),
        (ActionFactory, {"status": "paused"}, "actions_action_status_valid"),
        (ActionFactory, {"status": "done", "progress": 100}, "actions_action_done_is_complete"),
        (
            ActionFactory,
            {"start_date": datetime.date(2017, 1, 2), "due_date": datetime.date(2017, 1, 1)},
            "actions_action_start_before_due",
        ),
    ],
)
def test_database_refuses_invalid_rows(db, factory, fields, constraint):
    """Each single-row invariant is a named constraint: full_clean names it, and a save that
    bypasses validation is refused by the database itself, writing nothing."""
    model = factory._meta.model
    related = {
        BudgetLineFactory: lambda: {"agreement": AgreementFactory(), "party": PartyFactory()},
        AgreementFactory: lambda: {"theme": ThemeFactory()},
        ActionFactory: lambda: {"agreement": AgreementFactory(), "owner": PartyFactory()},
    }[factory]()
    before = model.objects.count()
    instance = factory.build(**fields, **related)
    with pytest.raises(ValidationError):
        instance.full_clean()
    with pytest.raises(IntegrityError, match=constraint), transaction.atomic():
        instance.save()
    assert model.objects.count() == before


def test_unique_codes_are_enforced(db):
    ThemeFactory(code="MIT")
    with pytest.raises(IntegrityError), transaction.atomic():
        Theme.objects.create(code="MIT", name="Dubbel")
    assert Theme.objects.filter(code="MIT").count() == 1


def test_budget_line_unique_per_agreement_year_party_funding(db):
    line = BudgetLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        BudgetLine.objects.create(
            agreement=line.agreement, year=line.year, party=line.party, amount=5, source="x"
        )
    assert BudgetLine.objects.count() == 1


def test_goal_measurement_unique_per_year(db):
    goal = GoalFactory()
    GoalMeasurement.objects.create(goal=goal, year=2014, value=1, source="x")
    with pytest.raises(IntegrityError), transaction.atomic():
        GoalMeasurement.objects.create(goal=goal, year=2014, value=2, source="y")
    assert goal.measurements.count() == 1


def test_protected_references_cannot_be_deleted(db):
    """Deleting a party that owns actions is refused: the agenda's history stays whole."""
    owner = PartyFactory()
    ActionFactory(owner=owner)
    with pytest.raises(ProtectedError):
        owner.delete()
    assert Action.objects.filter(owner=owner).exists()
    assert Agreement.objects.count() == 1


@pytest.mark.django_db
def test_records_are_named_by_names_and_dutch_dates():
    """What the admin shows of a record (breadcrumbs, delete confirmations, history titles)
    names its party, goal and agreement, and writes dates and amounts the Dutch way."""
    from django.utils import translation

    from agenda.models import ReviewDecision
    from reviews.models import ReminderLog
    from tests.factories import MembershipFactory, ReviewFactory, UserFactory

    party = PartyFactory(code="PV30", name="Provincie Noord-Brabant")
    agreement = AgreementFactory(code="A-1", title="Samen sterker")
    line = BudgetLineFactory(agreement=agreement, year=2016, amount=1234567.5, party=party)
    user = UserFactory(username="brabant")
    membership = MembershipFactory(user=user, party=party, role="editor")
    review = ReviewFactory(date=datetime.date(2016, 6, 8), title="Herijking 2016")
    decision = ReviewDecision.objects.create(review=review, agreement=agreement, decision="stop")
    goal = GoalFactory(code="G-WEF", name="Concurrentiepositie")
    measurement = GoalMeasurement.objects.create(goal=goal, year=2016, value=Decimal("4.50"))
    reminder = ReminderLog.objects.create(
        party=party, day=datetime.date(2016, 6, 8), recipients="a@b.nl", overdue=1, stalled=0
    )
    with translation.override("nl"):
        assert str(line) == "A-1 – Samen sterker 2016: € 1.234.567,50 (Provincie Noord-Brabant)"
        assert str(membership) == "brabant – Provincie Noord-Brabant (redacteur)"
        assert str(review) == "8 juni 2016 – Herijking 2016"
        assert str(decision) == "A-1 – Samen sterker: stoppen"
        assert str(measurement) == "Concurrentiepositie 2016: 4,50"
        assert str(reminder) == "Provincie Noord-Brabant 8 juni 2016"
