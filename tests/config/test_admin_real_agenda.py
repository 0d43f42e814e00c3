"""On the real agenda (the shipped fixtures), every admin page of every model answers, and
reference data, reviews and goals are the ministry's to change."""

import pytest
from django.contrib import admin

from tests.datasets import build_people, dataset_parts, load_real_agenda, shared_dataset


def build_real_agenda_with_people():
    """A user per role (on the small tree the shipped regions then overwrite), and the real
    agenda, loaded once for the module."""
    people = build_people()
    load_real_agenda()
    return people


real_agenda_rows, real_agenda = shared_dataset("real_agenda", build_real_agenda_with_people)
(users,) = dataset_parts("real_agenda", "users")


@pytest.mark.parametrize("model", list(admin.site._registry), ids=lambda m: m._meta.label_lower)
def test_every_admin_search_change_form_and_filter_choice(client, users, real_agenda, model):
    """On the real agenda, for every model: search, the change form of a record, and every
    choice of every list filter answer 200."""
    client.force_login(users["superuser"])
    opts = model._meta
    base = f"/admin/{opts.app_label}/{opts.model_name}/"
    assert client.get(base, {"q": "MIT"}).status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        assert client.get(f"{base}{obj.pk}/change/").status_code == 200
    changelist = client.get(base).context["cl"]
    for spec in changelist.filter_specs:
        for choice in spec.choices(changelist):
            response = client.get(base + choice["query_string"])
            assert response.status_code == 200, (spec.title, choice["display"])


@pytest.mark.parametrize("model", ["region", "party", "membership", "theme", "review", "goal"])
def test_reference_data_reviews_and_goals_are_changed_by_the_ministry_only(
    client, users, real_agenda, model
):
    from django.apps import apps

    model_class = next(m for m in apps.get_models() if m._meta.model_name == model)
    obj = model_class._default_manager.first()
    if obj is None:
        obj = {"membership": lambda: users["brabant_editor"].memberships.first()}[model]()
    url = f"/admin/{model_class._meta.app_label}/{model}/{obj.pk}/change/"
    client.force_login(users["brabant_editor"])
    assert 'name="_save"' not in client.get(url).content.decode()
    assert client.post(url, {}).status_code == 403
    client.force_login(users["ministry_editor"])
    assert 'name="_save"' in client.get(url).content.decode()
