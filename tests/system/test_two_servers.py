"""Two app servers on one PostgreSQL and one Redis behave as one (scripts/two-servers):
sessions and throttle counts are shared. Needs PostgreSQL and Redis on loopback."""

import os
import shutil
import subprocess

import redis
from django.conf import settings

from tests.conftest import require_or_skip


def test_two_servers_share_sessions_and_throttle():
    pg = subprocess.run(["pg_isready", "-q", "-h", "127.0.0.1"], check=False).returncode == 0
    require_or_skip(shutil.which("psql") and pg, "PostgreSQL is not reachable on 127.0.0.1")
    url = os.environ.get("TWO_SERVERS_REDIS_URL", "redis://127.0.0.1:6379/13")
    try:
        reachable = redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        reachable = False
    require_or_skip(reachable, f"Redis at {url} is not reachable")
    result = subprocess.run(
        [str(settings.BASE_DIR / "scripts" / "two-servers")],
        env={**os.environ, "REDIS_URL": url, "PG_DB": f"mkb_two_servers_{os.getpid()}"},
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "two servers behave as one" in result.stdout
