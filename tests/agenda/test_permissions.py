"""The permission matrix of DESIGN.md ("Who may do what"), written out as tables, never derived
from the code: role × object × operation, answered the same by the querysets, the API and the
admin. Every refusal also asserts that nothing was written."""

import pytest
from django.contrib.auth.models import AnonymousUser

from actions.models import Action, ActionUpdate
from agenda.models import Agreement, AgreementParty, BudgetLine
from tests.conftest import build_parties, build_tree, build_users
from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ActionFactory, AgreementFactory, BudgetLineFactory, ThemeFactory

ROLES = [
    "anonymous",
    "outsider",
    "brabant_viewer",
    "brabant_editor",
    "holland_editor",
    "ministry_viewer",
    "ministry_editor",
    "inactive_editor",
    "superuser",
]


def build_scope_cases():
    """Agreements and actions around the Brabant editor (working area: Noord-Brabant with
    Eindhoven; Noord-Brabant, Limburg and Zeeland form agenda region Zuid), and a user per
    role."""
    t = build_tree()
    p = build_parties(t)
    users = build_users(p)
    ThemeFactory(code="MIT")
    agreements = {
        "generic": AgreementFactory(code="GEN"),
        "draft": AgreementFactory(code="DRAFT", status="draft"),
        # Brabant leads an agreement for all of Zuid.
        "led": AgreementFactory(
            code="LED",
            scope="regional",
            regions=[t["AG-ZUID"]],
            parties=[(p["PV30"], "lead"), (p["PV31"], "participant")],
        ),
        # Inside Brabant's working area, led by the ministry.
        "inside": AgreementFactory(
            code="INSIDE", scope="regional", regions=[t["GM0772"]], parties=[(p["EZ"], "lead")]
        ),
        # Zuid, led by Limburg; Brabant only participates.
        "spanning": AgreementFactory(
            code="SPAN",
            scope="regional",
            regions=[t["AG-ZUID"]],
            parties=[(p["PV31"], "lead"), (p["PV30"], "participant")],
        ),
        # One region inside Brabant's area, one outside.
        "mixed": AgreementFactory(
            code="MIXED",
            scope="regional",
            regions=[t["GM0772"], t["GM0392"]],
            parties=[(p["EZ"], "lead")],
        ),
        "other": AgreementFactory(
            code="OTHER", scope="regional", regions=[t["PV27"]], parties=[(p["PV27"], "lead")]
        ),
        # A regional agreement that lost its regions: nobody but the ministry changes it.
        "no_regions": AgreementFactory(code="NOREG", scope="regional"),
    }
    a = agreements
    actions = {
        "owned": ActionFactory(code="OWNED", agreement=a["generic"], owner=p["PV30"]),
        "contributed": ActionFactory(
            code="CONTRIB", agreement=a["generic"], owner=p["EZ"], contributors=[p["PV30"]]
        ),
        "region_inside": ActionFactory(
            code="REGION", agreement=a["spanning"], owner=p["PV31"], region=t["GM0772"]
        ),
        "region_outside": ActionFactory(
            code="REGION-OUT", agreement=a["mixed"], owner=p["EZ"], region=t["GM0392"]
        ),
        "agreement_inside": ActionFactory(code="AGR-IN", agreement=a["inside"], owner=p["EZ"]),
        "spanning": ActionFactory(code="SPAN-ACT", agreement=a["spanning"], owner=p["PV31"]),
        "mixed": ActionFactory(code="MIXED-ACT", agreement=a["mixed"], owner=p["EZ"]),
        "other": ActionFactory(code="OTHER-ACT", agreement=a["other"], owner=p["PV27"]),
        "generic_other": ActionFactory(code="GEN-OTHER", agreement=a["generic"], owner=p["EZ"]),
        "in_draft": ActionFactory(code="IN-DRAFT", agreement=a["draft"], owner=p["PV30"]),
    }
    return {"agreements": agreements, "actions": actions, "users": users, "parties": p}


scope_case_rows, scope_cases = shared_dataset("scope_cases", build_scope_cases)
users, parties = dataset_parts("scope_cases", "users", "parties")


ALL_AGREEMENTS = {"generic", "draft", "led", "inside", "spanning", "mixed", "other", "no_regions"}
ALL_ACTIONS = {
    "owned",
    "contributed",
    "region_inside",
    "region_outside",
    "agreement_inside",
    "spanning",
    "mixed",
    "other",
    "generic_other",
    "in_draft",
}
NOTHING = set()

AGREEMENTS_EDITABLE = {
    "anonymous": NOTHING,
    "outsider": NOTHING,
    "brabant_viewer": NOTHING,
    "brabant_editor": {"led", "inside"},
    "holland_editor": {"other"},
    "ministry_viewer": NOTHING,
    "ministry_editor": ALL_AGREEMENTS,
    "inactive_editor": NOTHING,
    "superuser": ALL_AGREEMENTS,
}
ACTIONS_EDITABLE = {
    "anonymous": NOTHING,
    "outsider": NOTHING,
    "brabant_viewer": NOTHING,
    "brabant_editor": {"owned", "region_inside", "agreement_inside", "in_draft"},
    "holland_editor": {"other", "region_outside"},  # in Haarlem
    "ministry_viewer": NOTHING,
    "ministry_editor": ALL_ACTIONS,
    "inactive_editor": NOTHING,
    "superuser": ALL_ACTIONS,
}
# Progress updates: what one may change, plus what one's party contributes to.
ACTIONS_UPDATABLE = {
    **ACTIONS_EDITABLE,
    "brabant_editor": ACTIONS_EDITABLE["brabant_editor"] | {"contributed"},
}
SEES_DRAFTS = {
    "anonymous": False,
    "outsider": False,
    "brabant_viewer": True,
    "brabant_editor": True,
    "holland_editor": True,
    "ministry_viewer": True,
    "ministry_editor": True,
    "inactive_editor": False,
    "superuser": True,
}


def user_for(users, role):
    return AnonymousUser() if role == "anonymous" else users[role]


def keys(objects, queryset):
    ids = set(queryset.values_list("pk", flat=True))
    return {key for key, obj in objects.items() if obj.pk in ids}


# --- the querysets ---------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
def test_agreements_editable_by(scope_cases, users, role):
    editable = Agreement.objects.editable_by(user_for(users, role))
    assert keys(scope_cases["agreements"], editable) == AGREEMENTS_EDITABLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_actions_editable_by(scope_cases, users, role):
    editable = Action.objects.editable_by(user_for(users, role))
    assert keys(scope_cases["actions"], editable) == ACTIONS_EDITABLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_actions_updatable_by(scope_cases, users, role):
    """Contributing gives the right to add progress updates, nothing more."""
    updatable = Action.objects.updatable_by(user_for(users, role))
    assert keys(scope_cases["actions"], updatable) == ACTIONS_UPDATABLE[role]


@pytest.mark.parametrize("role", ROLES)
def test_drafts_are_visible_to_members_only(scope_cases, users, role):
    """Anonymous readers, users without a membership and inactive users see everything but
    drafts; any active membership sees everything."""
    user = user_for(users, role)
    agreements = keys(scope_cases["agreements"], Agreement.objects.visible_to(user))
    actions = keys(scope_cases["actions"], Action.objects.visible_to(user))
    if SEES_DRAFTS[role]:
        assert (agreements, actions) == (ALL_AGREEMENTS, ALL_ACTIONS)
    else:
        assert (agreements, actions) == (ALL_AGREEMENTS - {"draft"}, ALL_ACTIONS - {"in_draft"})


def test_scope_takes_a_bounded_number_of_queries(scope_cases, users, django_assert_max_num_queries):
    """The scope is one query for the memberships plus one for the rows."""
    user = users["brabant_editor"]
    with django_assert_max_num_queries(2):
        list(Action.objects.editable_by(user))


# --- the API ---------------------------------------------------------------------------


def api_client(api, token_client, users, role):
    return api if role == "anonymous" else token_client(users[role])


def refused_status(role, visible=True):
    """Unauthenticated writers are refused first (401); others get a 404 for what they may
    not see, a 403 for what they may see but not change."""
    if role in ("anonymous", "inactive_editor"):
        return 401
    return 403 if visible else 404


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(ALL_ACTIONS))
def test_api_patch_action(api, token_client, users, scope_cases, role, key):
    action = scope_cases["actions"][key]
    client = api_client(api, token_client, users, role)
    response = client.patch(f"/api/v1/actions/{action.pk}/", {"title": "Gewijzigd"})
    before = action.title
    action.refresh_from_db()
    if key in ACTIONS_EDITABLE[role]:
        assert response.status_code == 200, response.content
        assert (action.title, action.version) == ("Gewijzigd", 2)
    else:
        visible = SEES_DRAFTS[role] or key != "in_draft"
        assert response.status_code == refused_status(role, visible)
        assert (action.title, action.version) == (before, 1)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(ALL_AGREEMENTS))
def test_api_patch_agreement(api, token_client, users, scope_cases, role, key):
    agreement = scope_cases["agreements"][key]
    client = api_client(api, token_client, users, role)
    payload = {"title": "Gewijzigd"}
    if key == "no_regions":
        payload["regions"] = ["GM0772"]  # a write must also mend the missing regions
    response = client.patch(f"/api/v1/agreements/{agreement.code}/", payload)
    before = agreement.title
    agreement.refresh_from_db()
    if key in AGREEMENTS_EDITABLE[role]:
        assert response.status_code == 200, response.content
        assert (agreement.title, agreement.version) == ("Gewijzigd", 2)
    else:
        visible = SEES_DRAFTS[role] or key != "draft"
        assert response.status_code == refused_status(role, visible)
        assert (agreement.title, agreement.version) == (before, 1)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("key", sorted(ALL_ACTIONS))
def test_api_progress_update(api, token_client, users, scope_cases, role, key):
    """`POST updates/` with a note (no status move): whoever may change the action, and its
    contributors."""
    action = scope_cases["actions"][key]
    client = api_client(api, token_client, users, role)
    response = client.post(
        f"/api/v1/actions/{action.pk}/updates/", {"progress": 40, "note": "Half af"}
    )
    action.refresh_from_db()
    if key in ACTIONS_UPDATABLE[role]:
        assert response.status_code == 201, response.content
        assert action.progress == 40
        assert action.updates.get().note == "Half af"
    else:
        visible = SEES_DRAFTS[role] or key != "in_draft"
        assert response.status_code == refused_status(role, visible)
        assert (action.progress, action.updates.count()) == (0, 0)


def test_contributor_cannot_move_the_status(token_client, users, scope_cases):
    """A contributor adds notes and progress, but moving the status changes the action."""
    action = scope_cases["actions"]["contributed"]
    client = token_client(users["brabant_editor"])
    response = client.post(
        f"/api/v1/actions/{action.pk}/updates/", {"status": "in_progress", "note": "Start"}
    )
    assert response.status_code == 403
    action.refresh_from_db()
    assert (action.status, action.updates.count()) == ("planned", 0)


@pytest.mark.parametrize("role", ["brabant_editor", "holland_editor", "ministry_editor"])
@pytest.mark.parametrize("key", ["owned", "contributed", "other"])
def test_api_delete_action(token_client, users, scope_cases, role, key):
    action = scope_cases["actions"][key]
    response = token_client(users[role]).delete(f"/api/v1/actions/{action.pk}/")
    if key in ACTIONS_EDITABLE[role]:
        assert response.status_code == 204
        assert not Action.objects.filter(pk=action.pk).exists()
    else:
        assert response.status_code == 403
        assert Action.objects.filter(pk=action.pk).exists()


@pytest.mark.parametrize("role", ["brabant_editor", "holland_editor", "ministry_editor"])
@pytest.mark.parametrize("key", ["led", "spanning", "other", "generic"])
def test_api_delete_agreement(token_client, users, scope_cases, role, key):
    agreement = scope_cases["agreements"][key]
    agreement.actions.all().delete()
    response = token_client(users[role]).delete(f"/api/v1/agreements/{agreement.code}/")
    if key in AGREEMENTS_EDITABLE[role]:
        assert response.status_code == 204
        assert not Agreement.objects.filter(pk=agreement.pk).exists()
    else:
        assert response.status_code == 403
        assert Agreement.objects.filter(pk=agreement.pk).exists()


# Creating actions: (agreement, owner, region) → may the Brabant editor add it?
CREATE_ACTION_CASES = [
    ("generic", "PV30", None, 201),  # generic agreements: anyone in scope adds actions
    ("generic", "PV30", "GM0772", 201),
    ("generic", "PV27", None, 403),  # another party as owner
    ("generic", "EZ", "GM0772", 403),  # inside the area, but another party as owner
    ("led", "PV30", None, 201),  # an agreement Brabant leads
    ("spanning", "PV30", "PV30", 201),  # a shared agreement, for Brabant's own region
    ("spanning", "PV30", None, 403),  # …but not for all of Zuid
    ("spanning", "PV30", "PV31", 403),  # …nor for Limburg
    ("other", "PV30", None, 403),  # own party planted in another province's agreement
    ("no_regions", "PV30", None, 403),
]


@pytest.mark.parametrize(("agreement", "owner", "region", "expected"), CREATE_ACTION_CASES)
def test_api_create_action_for_brabant(
    token_client, users, scope_cases, agreement, owner, region, expected
):
    payload = {
        "agreement": scope_cases["agreements"][agreement].code,
        "owner": owner,
        "title": "Nieuw",
    }
    if region:
        payload["region"] = region
    before = Action.objects.count()
    response = token_client(users["brabant_editor"]).post("/api/v1/actions/", payload)
    assert response.status_code == expected, response.content
    assert Action.objects.count() == before + (1 if expected == 201 else 0)


def test_viewers_and_outsiders_create_nothing(token_client, users, scope_cases):
    for role in ["brabant_viewer", "ministry_viewer", "outsider"]:
        response = token_client(users[role]).post(
            "/api/v1/actions/",
            {"agreement": "GEN", "owner": "EZ", "title": "Nieuw"},
        )
        assert response.status_code == 403, role
    assert not Action.objects.filter(title="Nieuw").exists()


# Links an editor sets on an action they may change: only their own parties, regions only
# inside their working area.
ACTION_LINK_CASES = [
    ("owned", {"owner": "EZ"}, 403, "owner"),  # hands the action to someone else
    ("region_inside", {"owner": "PV30"}, 200, None),  # takes over an action in their area
    ("owned", {"contributors": ["PV27"]}, 403, "contributors"),
    ("owned", {"contributors": ["PV30"]}, 200, None),
    ("owned", {"region": "GM0392"}, 403, "region"),  # Haarlem: outside the working area
    ("owned", {"region": "GM0772"}, 200, None),
    ("agreement_inside", {"agreement": "OTHER"}, 403, None),  # moved into Noord-Holland
]


@pytest.mark.parametrize(("key", "payload", "expected", "field"), ACTION_LINK_CASES)
def test_api_action_links_are_own_parties_and_own_area(
    token_client, users, scope_cases, key, payload, expected, field
):
    action = scope_cases["actions"][key]
    response = token_client(users["brabant_editor"]).patch(f"/api/v1/actions/{action.pk}/", payload)
    assert response.status_code == expected, response.content
    action.refresh_from_db()
    if expected == 200:
        assert action.version == 2
    else:
        assert action.version == 1
        if field:
            assert list(response.json()["errors"]) == [field]


def test_contributors_set_by_others_stay(token_client, users, scope_cases, parties):
    """Removing another party's contributor link is setting another party's link: refused."""
    action = scope_cases["actions"]["owned"]
    action.contributors.set([parties["PV31"]])
    response = token_client(users["brabant_editor"]).patch(
        f"/api/v1/actions/{action.pk}/", {"contributors": []}
    )
    assert response.status_code == 403
    assert list(action.contributors.values_list("code", flat=True)) == ["PV31"]


# Agreements Brabant may change: regions inside the working area only, no lead roles, no
# other parties, no `supersedes`.
AGREEMENT_LINK_CASES = [
    ("inside", {"regions": ["PV30"]}, 200),
    ("inside", {"regions": ["GM0772", "PV27"]}, 403),  # adds Noord-Holland
    ("led", {"regions": ["PV30"]}, 403),  # removes Zeeland and Limburg
    ("led", {"regions": ["AG-ZUID", "PV27"]}, 403),
    (
        "inside",
        {"parties": [{"party": "EZ", "role": "lead"}, {"party": "PV30", "role": "participant"}]},
        200,
    ),
    (
        "inside",
        {"parties": [{"party": "EZ", "role": "lead"}, {"party": "PV31", "role": "participant"}]},
        403,
    ),
    ("inside", {"parties": [{"party": "PV30", "role": "lead"}]}, 403),  # lead roles: ministry
    ("led", {"parties": [{"party": "PV30", "role": "lead"}]}, 403),  # drops Limburg
    ("inside", {"supersedes": "GEN"}, 403),
    ("inside", {"scope": "generic", "regions": []}, 403),  # generic: national, ministry only
    (
        "inside",
        {
            "budget_lines": [
                {"year": 2016, "amount": "1000", "party": "PV30", "source": "Begroting"}
            ]
        },
        200,
    ),
    (
        "inside",
        {"budget_lines": [{"year": 2016, "amount": "1000", "party": "EZ", "source": "Begroting"}]},
        403,
    ),
    (
        "inside",
        {"budget_lines": [{"year": 2016, "amount": "1000", "source": "Begroting"}]},
        403,
    ),  # joint total
]


@pytest.mark.parametrize(("key", "payload", "expected"), AGREEMENT_LINK_CASES)
def test_api_agreement_links_are_own_parties_and_own_area(
    token_client, users, scope_cases, key, payload, expected
):
    agreement = scope_cases["agreements"][key]
    before = (
        sorted(agreement.regions.values_list("code", flat=True)),
        sorted(agreement.party_links.values_list("party__code", "role")),
        BudgetLine.objects.count(),
    )
    response = token_client(users["brabant_editor"]).patch(
        f"/api/v1/agreements/{agreement.code}/", payload
    )
    assert response.status_code == expected, response.content
    agreement.refresh_from_db()
    after = (
        sorted(agreement.regions.values_list("code", flat=True)),
        sorted(agreement.party_links.values_list("party__code", "role")),
        BudgetLine.objects.count(),
    )
    if expected == 200:
        assert agreement.version == 2
    else:
        assert (agreement.version, after) == (1, before)


def test_ministry_editor_sets_every_link(token_client, users, scope_cases):
    agreement = scope_cases["agreements"]["led"]
    response = token_client(users["ministry_editor"]).patch(
        f"/api/v1/agreements/{agreement.code}/",
        {
            "regions": ["PV30"],
            "parties": [{"party": "PV31", "role": "lead"}],
            "supersedes": "GEN",
            "budget_lines": [{"year": 2016, "amount": "1000", "source": "Begroting"}],
        },
    )
    assert response.status_code == 200, response.content
    agreement.refresh_from_db()
    assert agreement.version == 2
    assert list(agreement.party_links.values_list("party__code", "role")) == [("PV31", "lead")]
    assert agreement.supersedes.code == "GEN"


# Creating agreements.
CREATE_AGREEMENT_CASES = [
    ("brabant_editor", {"scope": "regional", "regions": ["PV30"]}, 201),
    ("brabant_editor", {"scope": "regional", "regions": ["GM0772"]}, 201),
    ("brabant_editor", {"scope": "regional", "regions": ["PV27"]}, 403),
    ("brabant_editor", {"scope": "regional", "regions": ["AG-ZUID"]}, 403),
    ("brabant_editor", {"scope": "generic"}, 403),
    (
        "brabant_editor",
        {"scope": "regional", "regions": ["PV30"], "parties": [{"party": "PV30", "role": "lead"}]},
        403,
    ),
    (
        "brabant_editor",
        {
            "scope": "regional",
            "regions": ["PV27"],
            "parties": [{"party": "PV30", "role": "participant"}],
        },
        403,
    ),
    ("holland_editor", {"scope": "regional", "regions": ["PV30"]}, 403),
    ("ministry_editor", {"scope": "generic"}, 201),
    ("ministry_viewer", {"scope": "generic"}, 403),
]


@pytest.mark.parametrize(("role", "payload", "expected"), CREATE_AGREEMENT_CASES)
def test_api_create_agreement(token_client, users, scope_cases, role, payload, expected):
    before = Agreement.objects.count()
    response = token_client(users[role]).post(
        "/api/v1/agreements/",
        {"code": "NEW-1", "title": "Nieuw", "theme": "MIT", "status": "active", **payload},
    )
    assert response.status_code == expected, response.content
    assert Agreement.objects.count() == before + (1 if expected == 201 else 0)
    if expected != 201:
        assert not AgreementParty.objects.filter(agreement__code="NEW-1").exists()


# --- the admin -------------------------------------------------------------------------


def admin_form_data(response, **overrides):
    """The POST a browser would send for the change form as rendered (inlines included)."""
    data = {}

    def add(form, prefix=""):
        for name in form.fields:
            value = form[name].value()
            key = f"{prefix}{name}"
            if value is None or value is False:
                continue
            if isinstance(value, list | tuple):
                data[key] = [str(v) for v in value]
            else:
                data[key] = str(value) if not isinstance(value, bool) else "on"

    add(response.context["adminform"].form)
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        for name in formset.management_form.fields:
            data[f"{formset.prefix}-{name}"] = formset.management_form[name].value() or 0
        for form in formset.forms:
            add(form, f"{form.prefix}-")
    data.update(overrides)
    return data


def admin_change_url(obj):
    return f"/admin/{obj._meta.app_label}/{obj._meta.model_name}/{obj.pk}/change/"


ADMIN_ROLES = [r for r in ROLES if r not in ("anonymous", "inactive_editor")]


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("key", ["owned", "contributed", "region_inside", "other", "in_draft"])
def test_admin_change_action(client, users, scope_cases, role, key):
    """The same answers as the API: the form saves for those in scope; everyone else gets a
    read-only page and a 403 on POST (a 404 where they may not even see it)."""
    action = scope_cases["actions"][key]
    client.force_login(users["superuser"])
    data = admin_form_data(client.get(admin_change_url(action)), title="Gewijzigd")
    client.force_login(users[role])
    page = client.get(admin_change_url(action))
    response = client.post(admin_change_url(action), data)
    action.refresh_from_db()
    if key in ACTIONS_EDITABLE[role]:
        assert b'name="title"' in page.content
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert (action.title, action.version) == ("Gewijzigd", 2)
    else:
        assert action.title != "Gewijzigd"
        if role == "outsider":
            assert (page.status_code, response.status_code) in {(403, 403), (302, 302)}
        elif key == "in_draft" and not SEES_DRAFTS[role]:
            assert response.status_code in (302, 404)
        else:
            assert page.status_code == 200
            assert b'name="title"' not in page.content
            assert response.status_code == 403


@pytest.mark.parametrize("role", ADMIN_ROLES)
@pytest.mark.parametrize("key", ["led", "spanning", "inside", "other", "generic"])
def test_admin_change_agreement_with_its_inlines(client, users, scope_cases, role, key):
    """Agreements are saved with their parties and budget lines by one service call: one
    version, one history record."""
    agreement = scope_cases["agreements"][key]
    BudgetLineFactory(agreement=agreement, party=scope_cases["agreements"]["led"].parties.first())
    client.force_login(users["superuser"])
    data = admin_form_data(client.get(admin_change_url(agreement)), title="Gewijzigd")
    client.force_login(users[role])
    recorded = agreement.history.count()
    response = client.post(admin_change_url(agreement), data)
    agreement.refresh_from_db()
    if key in AGREEMENTS_EDITABLE[role]:
        assert response.status_code == 302, response.context["adminform"].form.errors
        assert (agreement.title, agreement.version) == ("Gewijzigd", 2)
        assert agreement.history.count() == recorded + 1
    else:
        assert response.status_code in (302, 403) if role == "outsider" else 403
        assert (agreement.title, agreement.version) == (agreement.title, 1)
        assert agreement.title != "Gewijzigd"


def test_membership_is_all_it_takes_to_work_in_the_admin(client, users, scope_cases):
    """A user who is not staff, with one editor membership, logs in and changes their action."""
    editor = users["brabant_editor"]
    editor.set_password("Bestuur-2016!")
    editor.save()
    assert not editor.is_staff
    assert not editor.groups.exists()
    response = client.post(
        "/admin/login/?next=/admin/actions/action/",
        {"username": "brabant", "password": "Bestuur-2016!"},
    )
    assert response.status_code == 302
    assert client.get("/admin/actions/action/").status_code == 200
    action = scope_cases["actions"]["owned"]
    page = client.get(admin_change_url(action))
    response = client.post(admin_change_url(action), admin_form_data(page, progress="60"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.progress == 60


def test_users_without_a_membership_cannot_log_in_unless_staff(client, db):
    from tests.factories import UserFactory

    UserFactory(username="nobody", is_staff=False, password="Bestuur-2016!")
    response = client.post("/admin/login/", {"username": "nobody", "password": "Bestuur-2016!"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_staff_without_a_membership_sees_no_drafts_not_even_in_history(client, users, scope_cases):
    """Staff without a membership: no model in the admin, no draft through history pages."""
    draft = scope_cases["agreements"]["draft"]
    client.force_login(users["outsider"])
    assert client.get("/admin/agenda/agreement/").status_code == 403
    for url in [
        f"/admin/agenda/agreement/{draft.pk}/history/",
        f"/admin/agenda/agreement/{draft.pk}/change/",
    ]:
        response = client.get(url)
        assert response.status_code in (403, 404), url
        assert b"DRAFT" not in response.content


def test_contributor_progress_update_in_the_admin_is_refused(client, users, scope_cases):
    """In the admin, a contributor reads the action; the form is not theirs to save."""
    action = scope_cases["actions"]["contributed"]
    client.force_login(users["brabant_editor"])
    page = client.get(admin_change_url(action))
    assert page.status_code == 200
    assert b'name="title"' not in page.content
    assert ActionUpdate.objects.count() == 0
