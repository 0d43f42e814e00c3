"""`create_demo_users` sets known passwords: only with DEBUG on, or when asked explicitly."""

import subprocess
import sys

import pytest
from django.conf import settings as django_settings
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command


def test_refuses_to_set_passwords_when_debug_is_off(db, settings):
    """With DEBUG off: a clear error and no account created or changed."""
    settings.DEBUG = False
    admin = get_user_model().objects.create_user("admin", password="a-real-secret-2024")
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("create_demo_users")
    admin.refresh_from_db()
    assert admin.check_password("a-real-secret-2024")
    assert list(get_user_model().objects.values_list("username", flat=True)) == ["admin"]


def test_the_explicit_flag_sets_them_anyway(db, settings):
    settings.DEBUG = False
    call_command("create_demo_users", "--allow-without-debug", "--password", "p-2014-demo")
    assert get_user_model().objects.get(username="admin").check_password("p-2014-demo")


def test_the_command_line_exits_non_zero_without_debug():
    """Run as `manage.py create_demo_users` with DEBUG off: exit status 1, the reason on
    stderr, no traceback (refused before the database is touched)."""
    result = subprocess.run(
        [sys.executable, "manage.py", "create_demo_users"],
        cwd=django_settings.BASE_DIR,
        env={
            "SECRET_KEY": "x" * 60,
            "DEBUG": "off",
            "PATH": "/usr/bin:/bin",
            "DATABASE_URL": "sqlite:////nonexistent/never-created.sqlite3",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert "DEBUG" in result.stderr
    assert "Traceback" not in result.stderr
