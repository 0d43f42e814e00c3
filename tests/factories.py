import factory
from django.contrib.auth import get_user_model

from actions.models import Action
from agenda.models import (
    Agreement,
    AgreementParty,
    BudgetLine,
    Goal,
    Membership,
    Party,
    Review,
    Theme,
)
from regions.models import Region


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)

    username = factory.Sequence(lambda n: f"user{n}")
    is_staff = True
    password = factory.django.Password("secret-pass-123")


class RegionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Region
        skip_postgeneration_save = True
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"R{n:03d}")
    name = factory.Sequence(lambda n: f"Regio {n}")
    kind = "cluster"

    @factory.post_generation
    def groups(self, create, extracted, **kwargs):
        if create and extracted:
            self.groups.set(extracted)


class PartyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Party
        skip_postgeneration_save = True
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"P{n:03d}")
    name = factory.Sequence(lambda n: f"Partij {n}")
    kind = "other"

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)


class MembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Membership

    user = factory.SubFactory(UserFactory)
    party = factory.SubFactory(PartyFactory)
    role = "editor"


class ThemeFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Theme
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"T{n:03d}")
    name = factory.Sequence(lambda n: f"Thema {n}")


class AgreementFactory(factory.django.DjangoModelFactory):
    """Regional when given regions, generic otherwise; `parties` is a list of (party, role)."""

    class Meta:
        model = Agreement
        skip_postgeneration_save = True

    code = factory.Sequence(lambda n: f"AGR-{n:04d}")
    title = factory.Sequence(lambda n: f"Afspraak {n}")
    theme = factory.SubFactory(ThemeFactory)
    status = "active"
    scope = "generic"

    @factory.post_generation
    def regions(self, create, extracted, **kwargs):
        if create and extracted:
            self.regions.set(extracted)

    @factory.post_generation
    def parties(self, create, extracted, **kwargs):
        for party, role in extracted or ():
            AgreementParty.objects.create(agreement=self, party=party, role=role)


class BudgetLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = BudgetLine

    agreement = factory.SubFactory(AgreementFactory)
    year = 2016
    amount = 1000
    party = factory.SubFactory(PartyFactory)
    source = "test"


class ActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Action
        skip_postgeneration_save = True

    agreement = factory.SubFactory(AgreementFactory)
    code = factory.Sequence(lambda n: f"ACT-{n:04d}")
    title = factory.Sequence(lambda n: f"Actie {n}")
    owner = factory.SubFactory(PartyFactory)

    @factory.post_generation
    def contributors(self, create, extracted, **kwargs):
        if create and extracted:
            self.contributors.set(extracted)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review

    date = factory.Sequence(lambda n: f"2016-{(n % 12) + 1:02d}-{(n % 28) + 1:02d}")
    title = factory.Sequence(lambda n: f"Herijking {n}")


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    code = factory.Sequence(lambda n: f"G{n:03d}")
    name = factory.Sequence(lambda n: f"Doel {n}")
    unit = "%"
    target = 10
    target_year = 2020
