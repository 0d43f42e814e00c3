"""A partner's script with the Python client generated from the schema (openapi-python-client):
lists sorted and filtered, several actions fetched by code in one request, one agreement, a
new action made with an Idempotency-Key (sent twice: one action), then changed with If-Match.
Run by scripts/clients/check against a live server; exits non-zero on any surprise.

    python check_python.py BASE_URL TOKEN   (the generated `mkb_client` on PYTHONPATH)"""

import sys
import uuid

from mkb_client import AuthenticatedClient
from mkb_client.api.actions import (
    actions_create,
    actions_list,
    actions_partial_update,
    actions_retrieve,
)
from mkb_client.api.agreements import agreements_list, agreements_retrieve
from mkb_client.models import (
    Action,
    ActionsListOrderingItem,
    ActionWriteRequest,
    PaginatedActionList,
    PatchedActionWriteRequest,
)


def check(condition, what):
    if not condition:
        raise SystemExit(f"python client: {what}")


def main(base_url, token):
    client = AuthenticatedClient(base_url=base_url, token=token, prefix="Token")
    page = actions_list.sync(
        client=client, ordering=[ActionsListOrderingItem("-code")], page_size=5
    )
    check(isinstance(page, PaginatedActionList), f"list: {page!r}")
    codes = [action.code for action in page.results]
    check(len(codes) == 5 and codes == sorted(codes, reverse=True), f"ordering: {codes}")
    many = actions_list.sync(client=client, code=codes[:3])
    check(sorted(a.code for a in many.results) == sorted(codes[:3]), "fetch many by code")

    agreements = agreements_list.sync(client=client, page_size=1)
    agreement = agreements_retrieve.sync(client=client, code=agreements.results[0].code)
    check(agreement.code == agreements.results[0].code, "agreement by code")

    first = page.results[0]
    body = ActionWriteRequest(
        agreement=first.agreement.code, owner=first.owner.code, title="Client check"
    )
    key = str(uuid.uuid4())
    made = actions_create.sync(client=client, body=body, idempotency_key=key)
    check(isinstance(made, Action), f"create: {made!r}")
    again = actions_create.sync(client=client, body=body, idempotency_key=key)
    check(isinstance(again, Action) and again.id == made.id, "Idempotency-Key replays")

    read = actions_retrieve.sync_detailed(client=client, id=str(made.id))
    changed = actions_partial_update.sync(
        client=client,
        id=str(made.id),
        body=PatchedActionWriteRequest(progress=40),
        if_match=read.headers["ETag"],
    )
    check(isinstance(changed, Action) and changed.progress == 40, f"patch: {changed!r}")
    check(read.headers.get("API-Version", "").count(".") == 2, "API-Version header")
    print(f"python client: ok (action {made.id})")


if __name__ == "__main__":
    main(*sys.argv[1:3])
