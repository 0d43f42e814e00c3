"""API benchmark: medians over repeated requests, as ratios to /healthz measured in the same
run (the machines are shared and noisy, so absolute numbers mean little).

Builds a throw-away SQLite database with the real fixtures plus N synthetic actions, then
times list pages, filtered lists and the streamed CSV export in process. Usage:
    python bench/run.py [--actions 20000] [--repeat 15]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
tmp = tempfile.mkdtemp()
os.environ["DATABASE_URL"] = f"sqlite:///{tmp}/bench.sqlite3"
os.environ.setdefault("SECRET_KEY", "bench-only")
os.environ.setdefault("API_THROTTLE_ANON", "1000000/minute")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.test import Client  # noqa: E402

from actions.models import Action  # noqa: E402
from agenda.models import Agreement, Party  # noqa: E402
from regions.models import Region  # noqa: E402


def build(n_actions):
    call_command("migrate", verbosity=0)
    call_command("loaddata", *sorted(map(str, Path("fixtures").glob("*.json"))), verbosity=0)
    agreements = list(Agreement.objects.all())
    owners = list(Party.objects.filter(kind__in=["province", "rom"]))
    regions = list(Region.objects.filter(kind="province"))
    # Synthetic load only: bulk_create bypasses history on purpose (this database is discarded).
    Action.objects.bulk_create(
        Action(
            agreement=agreements[i % len(agreements)],
            owner=owners[i % len(owners)],
            region=regions[i % len(regions)]
            if agreements[i % len(agreements)].scope == "generic"
            else None,
            title=f"Bench action {i}",
            due_date=f"20{15 + i % 12}-0{1 + i % 9}-1{i % 9}",
        )
        for i in range(n_actions)
    )


def median_ms(client, url, repeat, **headers):
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        response = client.get(url, **headers)
        # Count a stream's bytes without keeping them: memory figures are the server's own.
        size = (
            sum(len(chunk) for chunk in response.streaming_content)
            if response.streaming
            else len(response.content)
        )
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        assert size > 0, url
    return statistics.median(times)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    settings.ALLOWED_HOSTS = ["*"]
    build(args.actions)
    client = Client()
    total = Action.objects.count()
    base = median_ms(client, "/healthz", args.repeat)
    print(f"{total} actions; baseline /healthz median {base:.2f} ms (= 1.0)")
    cases = [
        ("actions page_size=50", "/api/v1/actions/"),
        ("actions page_size=500", "/api/v1/actions/?page_size=500"),
        ("actions applies_to=PV29&overdue=true", "/api/v1/actions/?applies_to=PV29&overdue=true"),
        ("actions theme=INNOVATIESTIMULERING", "/api/v1/actions/?theme=INNOVATIESTIMULERING"),
        ("agreements region=AG-ZUID", "/api/v1/agreements/?region=AG-ZUID"),
    ]
    for label, url in cases:
        ms = median_ms(client, url, args.repeat)
        print(f"{label:<42} median {ms:9.2f} ms  ratio {ms / base:8.1f}")
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    admin_client = Client()
    admin_client.force_login(get_user_model().objects.create_superuser("bench", "", "x"))
    for label, url in [
        ("admin actions changelist", "/admin/actions/action/"),
        (
            "admin actions, region=PV30&overdue=true",
            "/admin/actions/action/?region=PV30&overdue=true",
        ),
        ("admin agreements changelist (counts)", "/admin/agenda/agreement/"),
    ]:
        ms = median_ms(admin_client, url, args.repeat)
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(url)
        print(f"{label:<42} median {ms:9.2f} ms  ratio {ms / base:8.1f}  queries {len(queries)}")
    for label, url in [
        ("review dashboard", "/reviews/"),
        (
            "review list region=AG-ZUID&overdue=true",
            "/reviews/actions/?region=AG-ZUID&overdue=true",
        ),
        ("review matrix", "/reviews/matrix/"),
    ]:
        ms = median_ms(admin_client, url, max(3, args.repeat // 3))
        with CaptureQueriesContext(connection) as queries:
            admin_client.get(url)
        print(f"{label:<42} median {ms:9.2f} ms  ratio {ms / base:8.1f}  queries {len(queries)}")
    ms = median_ms(client, "/api/v1/actions/?format=csv", 3)
    print(f"{'actions CSV, all ' + str(total):<42} median {ms:9.2f} ms  ratio {ms / base:8.1f}")
    # Memory on its own run: tracemalloc slows Python down several times over.
    tracemalloc.start()
    median_ms(client, "/api/v1/actions/?format=csv", 1)
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    print(f"{'actions CSV peak Python memory':<42} {peak / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
