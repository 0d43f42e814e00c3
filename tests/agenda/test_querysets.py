from actions.models import Action
from agenda.models import Agreement, Theme
from tests.factories import ActionFactory, AgreementFactory, ThemeFactory


def codes(queryset):
    return set(queryset.values_list("code", flat=True))


def test_agreement_linked_within_and_applies_to(tree):
    """linked_within(X): linked to X or inside it. applies_to(X): generic ones, and those
    linked to X, above it or inside it (agenda groupings count)."""
    AgreementFactory(code="GEN")
    AgreementFactory(code="ZUID", scope="regional", regions=[tree["AG-ZUID"]])
    AgreementFactory(code="EHV", scope="regional", regions=[tree["GM0772"]])
    AgreementFactory(code="NH", scope="regional", regions=[tree["PV27"]])
    assert codes(Agreement.objects.linked_within(tree["PV30"])) == {"EHV"}
    assert codes(Agreement.objects.linked_within(tree["AG-ZUID"])) == {"ZUID", "EHV"}
    assert codes(Agreement.objects.applies_to(tree["PV30"])) == {"GEN", "ZUID", "EHV"}
    assert codes(Agreement.objects.applies_to(tree["PV29"])) == {"GEN", "ZUID"}
    assert codes(Agreement.objects.applies_to(tree["GM0392"])) == {"GEN", "NH"}


def test_action_region_counts_else_its_agreements(tree, parties):
    """For actions, the action's own region counts, else its agreement's."""
    zuid = AgreementFactory(scope="regional", regions=[tree["AG-ZUID"]])
    generic = AgreementFactory()
    ActionFactory(code="ZUID-ALL", agreement=zuid)
    ActionFactory(code="ZUID-EHV", agreement=zuid, region=tree["GM0772"])
    ActionFactory(code="ZUID-LI", agreement=zuid, region=tree["PV31"])
    ActionFactory(code="GEN", agreement=generic)
    ActionFactory(code="GEN-NH", agreement=generic, region=tree["PV27"])
    assert codes(Action.objects.linked_within(tree["PV30"])) == {"ZUID-EHV"}
    assert codes(Action.objects.linked_within(tree["AG-ZUID"])) == {
        "ZUID-ALL",
        "ZUID-EHV",
        "ZUID-LI",
    }
    assert codes(Action.objects.applies_to(tree["PV30"])) == {"ZUID-ALL", "ZUID-EHV", "GEN"}
    assert codes(Action.objects.applies_to(tree["GM0392"])) == {"GEN", "GEN-NH"}


def test_main_theme_includes_its_subthemes(db):
    main = ThemeFactory(code="INNOVATIESTIMULERING")
    mit = ThemeFactory(code="MIT", parent=main)
    ThemeFactory(code="IR")
    assert codes(Theme.objects.with_subthemes(main)) == {"INNOVATIESTIMULERING", "MIT"}
    assert codes(Theme.objects.with_subthemes(mit)) == {"MIT"}
