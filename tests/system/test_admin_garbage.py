"""NUL bytes and garbage in the admin's list filters, ordering, search and object URLs: a
4xx, a redirect or the page with a message, never a 500."""

import pytest
from django.contrib import admin
from django.db import transaction

from tests.datasets import build_people_and_small_agenda, dataset_parts, shared_dataset

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_small_agenda)
tree, parties, users, small_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "small_agenda"
)

MODELS = list(admin.site._registry)
GARBAGE = ["\x00", "garbage", "1\r\n2", "9" * 40, "-1", "0915-09-15T13:36:55-16:50", "%00"]


def probe(client, url, data=None):
    """One request in a savepoint: a query the database refuses aborts PostgreSQL's
    transaction, which in production (autocommit) ends with the request but here is the
    test's own."""
    savepoint = transaction.savepoint()
    response = client.get(url, data)
    transaction.savepoint_rollback(savepoint)
    return response


def changelist_parameters(model_admin, request):
    """Every parameter the list knows (its filters' and the admin's own) and a few it does
    not."""
    names = {"o", "q", "p", "e", "all", "_changelist_filters", "status", "updated_since", "x"}
    for list_filter in model_admin.get_list_filter(request):
        if isinstance(list_filter, str):
            names.add(list_filter)
            names.add(f"{list_filter}__exact")
        elif isinstance(list_filter, tuple | list):
            names.add(list_filter[0])
        else:
            names.add(getattr(list_filter, "parameter_name", None) or "x")
    return sorted(names)


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
def test_garbage_in_changelist_parameters_is_never_a_server_error(
    client, rf, users, small_agenda, model
):
    superuser = users["superuser"]
    client.force_login(superuser)
    request = rf.get("/")
    request.user = superuser
    opts = model._meta
    url = f"/admin/{opts.app_label}/{opts.model_name}/"
    failures = []
    for name in changelist_parameters(admin.site._registry[model], request):
        for value in GARBAGE:
            response = probe(client, url, {name: value})
            if response.status_code >= 500:
                failures.append((name, value, response.status_code))
    assert not failures


@pytest.mark.parametrize("model", MODELS, ids=lambda m: m._meta.label_lower)
@pytest.mark.parametrize("view", ["change", "history", "delete"])
def test_garbage_object_ids_in_admin_urls_are_never_a_server_error(
    client, users, small_agenda, model, view
):
    client.force_login(users["superuser"])
    opts = model._meta
    failures = []
    for key in ["%00", "garbage", "9" * 40, "-1", "%0d%0a", "%C0%AF"]:
        response = probe(client, f"/admin/{opts.app_label}/{opts.model_name}/{key}/{view}/")
        if response.status_code >= 500:
            failures.append((key, response.status_code))
    assert not failures
