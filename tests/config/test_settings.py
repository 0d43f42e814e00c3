"""Settings without a SECRET_KEY and DEBUG off (a fresh clone, no .env): commands that sign
nothing work; serving is refused with the reason, never a confusing error."""

import os
import subprocess
import sys

from tests.paths import ROOT


def run(*args):
    env = {"PATH": os.environ["PATH"], "HOME": os.environ.get("HOME", "/tmp")}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120
    )


def test_a_command_that_signs_nothing_needs_no_secret_key():
    done = run("manage.py", "makemigrations", "--check", "--dry-run")
    assert done.returncode == 0, done.stderr[-2000:]
    assert "No changes detected" in done.stdout
    assert "AppRegistryNotReady" not in done.stderr


def test_serving_without_a_secret_key_is_refused_with_the_reason():
    done = run("-c", "import config.wsgi")
    assert done.returncode != 0
    assert "SECRET_KEY must be set when DEBUG is off." in done.stderr
