"""The admin baseline: every model's pages open; scope and status rules hold in the admin
exactly as in the API (same QuerySet methods, same services)."""

import re

import pytest
from django.contrib import admin
from django.utils import translation

from actions.models import Action, ActionUpdate
from tests.datasets import build_people, dataset_parts, shared_dataset
from tests.factories import ActionFactory, AgreementFactory

people_rows, people = shared_dataset("people", build_people)
tree, parties, users = dataset_parts("people", "tree", "parties", "users")


@pytest.fixture
def editor_client(client, users):
    """The Brabant editor: a membership, no groups, not staff."""
    client.force_login(users["brabant_editor"])
    return client


def action_form(action, **overrides):
    data = {
        "agreement": action.agreement_id,
        "code": action.code or "",
        "title": action.title,
        "description": "",
        "owner": action.owner_id,
        "region": "",
        "progress": action.progress,
        "start_date": "",
        "due_date": "",
        "result": "",
        "source": "",
        "contributors": [],
        "new_status": "",
        "status_note": "",
        "loaded_version": action.version,
        "updates-TOTAL_FORMS": 0,
        "updates-INITIAL_FORMS": 0,
    }
    data.update(overrides)
    return data


WRITTEN_BY_THE_REGISTRY = {
    "reviews.ReminderLog",
    "axes.AccessAttempt",
    "axes.AccessLog",
    "axes.AccessFailureLog",
}


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_every_admin_changelist_and_add_page_opens(client, users, model):
    client.force_login(users["superuser"])
    opts = model._meta
    assert client.get(f"/admin/{opts.app_label}/{opts.model_name}/").status_code == 200
    add = client.get(f"/admin/{opts.app_label}/{opts.model_name}/add/").status_code
    # Logs that only the registry writes (reminders sent, login attempts) have no add page.
    assert add == (403 if model._meta.label in WRITTEN_BY_THE_REGISTRY else 200)


def test_admin_speaks_dutch_by_default_and_english_on_request(client, users):
    client.force_login(users["superuser"])
    assert "MKB-samenwerkingsagenda" in client.get("/admin/").content.decode()
    dutch = client.get("/admin/actions/action/").content.decode()
    english = client.get("/admin/actions/action/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Selecteer actie om te wijzigen" in dutch
    assert "Select" in english


def test_editor_moves_own_action_through_the_status_service(editor_client, parties):
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV30"])
    url = f"/admin/actions/action/{action.pk}/change/"
    response = editor_client.post(url, action_form(action, new_status="in_progress"))
    assert response.status_code == 302
    action.refresh_from_db()
    assert action.status == "in_progress"
    assert ActionUpdate.objects.get().author.username == "brabant"


def test_illegal_move_in_the_admin_is_refused_and_saves_nothing(editor_client, parties):
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV30"])
    url = f"/admin/actions/action/{action.pk}/change/"
    response = editor_client.post(
        url, action_form(action, new_status="done", title="Gewijzigd"), follow=True
    )
    assert response.status_code == 200
    form = response.context["adminform"].form
    assert "afgerond" in " ".join(form.errors["new_status"])  # at the field, in Dutch
    assert form["title"].value() == "Gewijzigd"  # what was typed is kept
    action.refresh_from_db()
    assert (action.status, action.title) == ("planned", action.title)
    assert action.title != "Gewijzigd"
    assert not ActionUpdate.objects.exists()


def test_second_editor_with_a_stale_version_overwrites_nothing(editor_client, parties):
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV30"])
    url = f"/admin/actions/action/{action.pk}/change/"
    stale = action_form(action, title="Tweede")
    assert editor_client.post(url, action_form(action, title="Eerste")).status_code == 302
    response = editor_client.post(url, stale, follow=True)
    page = response.content.decode().lower()
    assert "brabant" in page  # who changed it
    assert "herlaad de pagina" in page
    action.refresh_from_db()
    assert (action.title, action.version) == ("Eerste", 2)


def test_editor_cannot_change_another_provinces_action(editor_client, parties):
    action = ActionFactory(agreement=AgreementFactory(), owner=parties["PV27"])
    url = f"/admin/actions/action/{action.pk}/change/"
    page = editor_client.get(url)
    assert page.status_code == 200  # read-only view for members
    assert 'name="_save"' not in page.content.decode()
    assert editor_client.post(url, action_form(action, title="Van ons")).status_code == 403
    assert (
        editor_client.post(
            f"/admin/actions/action/{action.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    action.refresh_from_db()
    assert action.title != "Van ons"
    assert Action.objects.filter(pk=action.pk).exists()


@pytest.fixture
def admin_world(small_agenda, users):
    return small_agenda


# (role, object, may change) over agreements and actions: the admin's answer must be
# exactly editable_by's.
ADMIN_MATRIX = [
    ("brabant_editor", "own", True),
    ("brabant_editor", "generic", False),
    ("brabant_editor", "other", False),
    ("brabant_editor", "own_action", True),
    ("brabant_editor", "own_regional", True),
    ("brabant_editor", "other_action", False),
    ("brabant_viewer", "own", False),
    ("brabant_viewer", "own_action", False),
    ("ministry_editor", "generic", True),
    ("ministry_editor", "other_action", True),
]


def admin_url(obj, view="change"):
    opts = obj._meta
    return f"/admin/{opts.app_label}/{opts.model_name}/{obj.pk}/{view}/"


@pytest.mark.parametrize(("role", "key", "may_change"), ADMIN_MATRIX)
def test_admin_scope_matrix_view_change_delete(client, users, admin_world, role, key, may_change):
    """Members see everything; the save button and delete appear only inside their scope,
    and out-of-scope POSTs are 403 with nothing changed."""
    obj = admin_world[key]
    client.force_login(users[role])
    page = client.get(admin_url(obj))
    assert page.status_code == 200
    assert ('name="_save"' in page.content.decode()) is may_change
    delete_page = client.get(admin_url(obj, "delete"))
    assert (delete_page.status_code == 200) is may_change
    if not may_change:
        assert client.post(admin_url(obj, "delete"), {"post": "yes"}).status_code == 403
        assert type(obj).objects.filter(pk=obj.pk).exists()


def test_bulk_status_moves_report_per_row(client, users, admin_world):
    """A provincial editor selects three actions; the two in scope move, the other province's
    is refused with its reason, and nothing else changes."""
    client.force_login(users["brabant_editor"])
    selected = [admin_world[k].pk for k in ("own_action", "own_regional", "other_action")]
    response = client.post(
        "/admin/actions/action/",
        {"action": "move_to_in_progress", "_selected_action": selected, "note": ""},
        follow=True,
    )
    messages = [str(m) for m in response.context["messages"]]
    titles = {k: admin_world[k].title for k in ("own_action", "own_regional", "other_action")}
    # By title, as the list shows them; the refusal says why, naming the owner.
    assert messages[0].startswith("Naar “in uitvoering” gezet (2):")
    assert f"“{titles['own_action']}”" in messages[0]
    assert messages[1].startswith(f"Niet gewijzigd: “{titles['other_action']}”: Deze actie is van")
    assert "OTHER" not in " ".join(messages)
    statuses = dict(Action.objects.filter(pk__in=selected).values_list("code", "status"))
    assert statuses == {"OWN": "in_progress", "OWN-REG": "in_progress", "OTHER": "planned"}
    assert ActionUpdate.objects.count() == 2


def test_bulk_risk_without_a_note_moves_nothing(client, users, admin_world):
    client.force_login(users["ministry_editor"])
    action = admin_world["own_action"]
    client.post(
        "/admin/actions/action/",
        {"action": "move_to_in_progress", "_selected_action": [action.pk]},
    )
    client.post(
        "/admin/actions/action/",
        {"action": "move_to_at_risk", "_selected_action": [action.pk], "note": ""},
    )
    action.refresh_from_db()
    assert action.status == "in_progress"
    client.post(
        "/admin/actions/action/",
        {"action": "move_to_at_risk", "_selected_action": [action.pk], "note": "Vertraging"},
    )
    action.refresh_from_db()
    assert action.status == "at_risk"
    assert action.updates.first().note == "Vertraging"


@pytest.mark.parametrize("confirmed", [False, True])
def test_bulk_delete_goes_through_scope_all_or_nothing(client, users, admin_world, confirmed):
    """A selection holding another's row is refused before the confirmation page (and a
    forged confirmation too), naming that row by its title and saying why; nothing goes."""
    client.force_login(users["brabant_editor"])
    other = admin_world["other_action"]
    selected = [admin_world["own_action"].pk, other.pk]
    response = client.post(
        "/admin/actions/action/",
        {
            "action": "delete_selected",
            "_selected_action": selected,
            **({"post": "yes"} if confirmed else {}),
        },
        follow=True,
    )
    assert response.redirect_chain == [("/admin/actions/action/", 302)]
    assert Action.objects.filter(pk__in=selected).count() == 2
    [message] = [str(m) for m in response.context["messages"]]
    assert message.startswith(f"Er is niets verwijderd: u mag “{other}” niet wijzigen. ")
    assert other.code not in message.replace(str(other), "")


def test_bulk_delete_of_ones_own_rows_asks_for_confirmation(client, users, admin_world):
    client.force_login(users["brabant_editor"])
    own = admin_world["own_action"]
    response = client.post(
        "/admin/actions/action/", {"action": "delete_selected", "_selected_action": [own.pk]}
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert "Ja, ik weet het zeker" in page
    assert str(own) in page
    assert Action.objects.filter(pk=own.pk).exists()


def test_owner_and_region_choices_are_scoped(client, users, admin_world, tree):
    """A provincial editor is offered their own parties as owner and their working area as
    region: in the form, in autocomplete, and a forged POST is a form error."""
    client.force_login(users["brabant_editor"])
    action = admin_world["own_action"]
    autocomplete = client.get(
        "/admin/autocomplete/",
        {"app_label": "actions", "model_name": "action", "field_name": "owner", "term": ""},
    ).json()
    assert {r["text"].split("(")[-1].rstrip(")") for r in autocomplete["results"]} == {"PV30"}
    regions = client.get(
        "/admin/autocomplete/",
        {"app_label": "actions", "model_name": "action", "field_name": "region", "term": ""},
    ).json()
    assert {r["text"] for r in regions["results"]} == {"Noord-Brabant (PV30)", "Eindhoven (GM0772)"}
    forged = client.post(
        admin_url(action), action_form(action, owner=admin_world["other_action"].owner_id)
    )
    assert forged.status_code == 200  # re-rendered with a form error
    assert "owner" in forged.context["adminform"].form.errors
    action.refresh_from_db()
    assert action.owner.code == "PV30"


def test_history_pages_are_read_only(client, users, admin_world):
    """The history shows who changed what, in Dutch; an old version is no form: its page
    leads to the history and cannot write (for anyone)."""
    client.force_login(users["superuser"])
    action = admin_world["own_action"]
    client.post(
        admin_url(action), action_form(action, title="Nieuwe titel", new_status="in_progress")
    )
    page = client.get(admin_url(action)).content.decode()
    assert "recorded-changes" in page
    assert "Nieuwe titel" in page
    history = client.get(f"/admin/actions/action/{action.pk}/history/").content.decode()
    assert "Titel" in history  # the field's label, not its name
    assert "gepland" in history
    assert "in uitvoering" in history
    assert "in_progress" not in history
    assert "View history" not in history
    assert "Changed by" not in history
    history_id = action.history.last().history_id
    url = f"/admin/actions/action/{action.pk}/history/{history_id}/"
    assert client.get(url).status_code == 302
    assert client.post(url, action_form(action, title="Teruggedraaid")).status_code == 403
    action.refresh_from_db()
    assert action.title == "Nieuwe titel"


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("theme=INNOVATIESTIMULERING", {"GEN-A", "NB-A"}),
        ("theme=MIT", {"GEN-A", "NB-A"}),
        ("theme=MIT,IR", {"GEN-A", "NB-A", "EHV-A", "NH-A"}),
        ("region=PV30", {"NB-A", "EHV-A"}),
        ("region=AG-ZUID", {"NB-A", "EHV-A"}),
        ("applies_to=PV30", {"GEN-A", "NB-A", "EHV-A"}),
        ("applies_to=GM0392", {"GEN-A", "NH-A"}),
        ("overdue=true", {"EHV-A"}),
        ("overdue=false", {"GEN-A", "NB-A", "NH-A"}),
        ("status=planned", {"GEN-A", "NB-A", "EHV-A", "NH-A"}),
        ("status=done,cancelled", set()),
        ("owner=PV27", {"EHV-A", "NH-A"}),
        ("owner=PV27&applies_to=PV30", {"EHV-A"}),
        ("q=EHV", {"EHV-A"}),
        ("updated_since=2000-01-01", {"GEN-A", "NB-A", "EHV-A", "NH-A"}),
        ("updated_since=2999-01-01", set()),
    ],
)
def test_action_changelist_filters(client, users, tree, parties, query, expected):
    from tests.factories import ThemeFactory

    main = ThemeFactory(code="INNOVATIESTIMULERING")
    mit = ThemeFactory(code="MIT", parent=main)
    ir = ThemeFactory(code="IR")
    generic = AgreementFactory(theme=mit)
    nb = AgreementFactory(theme=mit, scope="regional", regions=[tree["PV30"]])
    nh = AgreementFactory(theme=ir, scope="regional", regions=[tree["PV27"]])
    ActionFactory(code="GEN-A", agreement=generic, owner=parties["EZ"])
    ActionFactory(code="NB-A", agreement=nb, owner=parties["PV30"])
    ActionFactory(
        code="EHV-A",
        agreement=nh,
        owner=parties["PV27"],
        region=tree["GM0772"],
        due_date="2015-01-01",
    )
    ActionFactory(code="NH-A", agreement=nh, owner=parties["PV27"])
    client.force_login(users["superuser"])
    response = client.get(f"/admin/actions/action/?{query}")
    assert response.status_code == 200
    shown = {a.code for a in response.context["cl"].result_list}
    assert shown == expected
    # The same parameters, the same rows in the API: one filter dialect.
    api = client.get(f"/api/v1/actions/?{query}&page_size=500").json()
    assert {a["code"] for a in api["results"]} == expected


@pytest.mark.parametrize("query", ["overdue=maybe", "status=paused", "owner=NOPE", "theme=%00"])
def test_bad_admin_filter_values_are_not_server_errors(client, users, small_agenda, query):
    """A value the FilterSet refuses is Django's "invalid lookup" (?e=1), never a 500."""
    client.force_login(users["superuser"])
    response = client.get(f"/admin/actions/action/?{query}", follow=True)
    assert response.status_code == 200
    assert response.redirect_chain[-1][0].endswith("e=1")


def test_agreement_changelist_counts_without_a_query_per_row(
    client, users, tree, parties, django_assert_max_num_queries
):
    """Actions and overdue actions are counted in the list's own query: 5 or 60 agreements,
    the same number of queries."""
    client.force_login(users["superuser"])

    def make(n):
        for _ in range(n):
            agreement = AgreementFactory(parties=[(parties["EZ"], "lead")])
            ActionFactory(agreement=agreement, owner=parties["EZ"], due_date="2015-01-01")
            ActionFactory(agreement=agreement, owner=parties["EZ"])

    make(5)
    urls = ["/admin/agenda/agreement/?all=", "/admin/actions/action/?all="]
    baseline = {}
    for url in urls:
        with django_assert_max_num_queries(40) as counted:
            page = client.get(url)
        assert page.status_code == 200
        baseline[url] = len(counted.captured_queries)
    first = client.get(urls[0]).context["cl"].result_list[0]
    assert (first.action_total, first.overdue_total) == (2, 1)
    make(55)
    for url in urls:
        with django_assert_max_num_queries(baseline[url]):
            assert client.get(url).status_code == 200


def test_region_list_shows_the_tree(client, users, tree):
    client.force_login(users["superuser"])
    page = client.get("/admin/regions/region/?kind__exact=municipality").content.decode()
    assert "Nederland › Zuid-Nederland › Noord-Brabant" in page


def test_own_texts_are_translated_to_dutch_and_english_on_request(client, users, admin_world):
    client.force_login(users["brabant_editor"])
    dutch = client.get("/admin/actions/action/").content.decode()
    assert "Naar “in uitvoering” (vanuit gepland, risico, afgerond (met toelichting))" in dutch
    assert "gewijzigd sinds" in dutch
    assert "geldt voor" in dutch
    english = client.get("/admin/actions/action/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Move to “in progress” (from planned, at risk, done (with a note))" in english
    assert "changed since" in english


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_admin_exports_selected_rows_for_excel(client, users, admin_world, fmt):
    """The export actions write the selected rows for people: the API's columns under Dutch
    headers, codes with their names beside them; CSV separated by `;` (Dutch Excel)."""
    client.force_login(users["brabant_viewer"])
    selected = [admin_world["own_action"].pk, admin_world["other_action"].pk]
    response = client.post(
        "/admin/actions/action/", {"action": f"export_{fmt}", "_selected_action": selected}
    )
    assert response.status_code == 200
    body = b"".join(response.streaming_content)
    if fmt == "csv":
        import csv
        import io

        text = body.decode("utf-8").lstrip("\ufeff")
        rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
        assert sorted(int(r["ID"]) for r in rows) == sorted(selected)
        assert {r["Eigenaar"] for r in rows} == {"PV30", "PV27"}
    else:
        import io

        from openpyxl import load_workbook

        rows = list(load_workbook(io.BytesIO(body)).worksheets[0].iter_rows(values_only=True))
        assert rows[0][0] == "ID"
        assert sorted(r[0] for r in rows[1:]) == sorted(selected)


def test_provincial_editor_adds_a_regional_agreement_in_their_area(
    client, users, admin_world, tree
):
    from agenda.models import Agreement, Theme

    client.force_login(users["brabant_editor"])
    form = client.get("/admin/agenda/agreement/add/").context["adminform"].form
    assert [value for value, _label in form.fields["scope"].choices] == ["regional"]
    assert set(form.fields["regions"].queryset.values_list("code", flat=True)) == {"PV30", "GM0772"}
    theme = Theme.objects.first()
    data = {
        "code": "NB-NEW",
        "title": "Nieuwe Brabantse afspraak",
        "theme": theme.pk,
        "scope": "regional",
        "status": "draft",
        "regions": [tree["GM0772"].pk],
        "party_links-TOTAL_FORMS": 1,
        "party_links-INITIAL_FORMS": 0,
        "party_links-0-party": admin_world["own_action"].owner_id,
        "party_links-0-role": "participant",
        "budget_lines-TOTAL_FORMS": 0,
        "budget_lines-INITIAL_FORMS": 0,
        "actions-TOTAL_FORMS": 0,
        "actions-INITIAL_FORMS": 0,
    }
    response = client.post("/admin/agenda/agreement/add/", data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    created = Agreement.objects.get(code="NB-NEW")
    assert created.party_links.get().party.code == "PV30"
    assert created.history.count() == 1  # one record: the agreement with its parties
    lead = client.post(
        "/admin/agenda/agreement/add/",
        {**data, "code": "NB-LEAD", "party_links-0-role": "lead"},
    )
    assert lead.status_code == 200  # lead roles are the ministry's: shown on the form
    assert "ministerie" in lead.content.decode().lower()
    assert lead.context["adminform"].form["code"].value() == "NB-LEAD"  # input kept
    assert not Agreement.objects.filter(code="NB-LEAD").exists()
    generic = client.post(
        "/admin/agenda/agreement/add/", {**data, "code": "NB-GEN", "scope": "generic"}
    )
    assert generic.status_code == 200  # form error: not a valid choice
    assert not Agreement.objects.filter(code="NB-GEN").exists()


def test_row_checkbox_is_djangos_named_by_its_title(db):
    """The list's row checkbox is written without the form templates (a fifth of the list's
    time): Django's input (name, value, class), named for a screen reader as the list shows
    the row, by its title and not its code, with the title escaped."""
    from django.contrib.admin import ModelAdmin

    action = ActionFactory(code="ZW-1", title='Zuid <b>&</b> "West"')
    with translation.override("nl"):
        ours = admin.site._registry[Action].action_checkbox(action)
    djangos = ModelAdmin.action_checkbox(admin.site._registry[Action], action)

    def unnamed(html):
        return re.sub(r' aria-label="[^"]*"', "", html)

    assert unnamed(ours) == unnamed(djangos)
    assert 'aria-label="Selecteer “Zuid &lt;b&gt;&amp;&lt;/b&gt; &quot;West&quot;”"' in ours
    assert "ZW-1" not in ours.replace(f'value="{action.pk}"', "")
