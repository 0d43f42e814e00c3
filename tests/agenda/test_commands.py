from io import StringIO

from django.contrib.auth import get_user_model
from django.core.management import call_command

from agenda.models import Membership, Party


def test_demo_users_get_roles_and_printed_credentials(db, settings):
    """`make run`'s demo accounts: a superuser, a ministry editor, a Brabant editor and a
    viewer, each with one membership and nothing else (no groups, not staff); running it
    twice changes nothing but the passwords."""
    settings.DEBUG = True  # as `make run` calls it
    Party.objects.create(code="EZ", name="EZ", kind="ministry")
    Party.objects.create(code="PV30", name="Noord-Brabant", kind="province")
    Party.objects.create(code="IPO", name="IPO", kind="other")
    out = StringIO()
    call_command("create_demo_users", "--password", "demo-pass-2014", stdout=out)
    call_command("create_demo_users", "--password", "demo-pass-2014", stdout=StringIO())
    users = get_user_model().objects.order_by("username")
    assert [u.username for u in users] == ["admin", "brabant", "ez", "lezer"]
    assert users.get(username="admin").is_superuser
    assert users.get(username="brabant").check_password("demo-pass-2014")
    roles = set(Membership.objects.values_list("user__username", "party__code", "role"))
    assert roles == {
        ("ez", "EZ", "editor"),
        ("brabant", "PV30", "editor"),
        ("lezer", "IPO", "viewer"),
    }
    assert not any(u.groups.exists() for u in users)
    assert [u.username for u in users if u.is_staff] == ["admin"]
    assert "demo-pass-2014" in out.getvalue()
    assert "brabant" in out.getvalue()
