"""Part of the benchmark (bench/run.py starts it): in-process figures on the database in
DATABASE_URL. Queries per request of every list endpoint; the medians of the API's main
cases, the admin's lists and the review dashboard, as a superuser; one line each."""

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

import django

django.setup()

from django.contrib.auth import get_user_model  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

PAGES = [
    ("api regions", "/api/v1/regions/?page_size=100"),
    ("api parties", "/api/v1/parties/?page_size=100"),
    ("api themes", "/api/v1/themes/?page_size=100"),
    ("api agreements", "/api/v1/agreements/?page_size=100"),
    ("api actions", "/api/v1/actions/?page_size=100"),
    ("api actions applies_to=PV30", "/api/v1/actions/?applies_to=PV30&page_size=100"),
    ("api reviews", "/api/v1/reviews/?page_size=100"),
    ("api goals", "/api/v1/goals/?page_size=100"),
    ("api changes", "/api/v1/changes/?since=2020-01-01&page_size=100"),
    ("admin actions", "/admin/actions/action/"),
    (
        "admin actions applies_to=PV30&overdue=true",
        "/admin/actions/action/?applies_to=PV30&overdue=true",
    ),
    ("admin agreements", "/admin/agenda/agreement/"),
    ("admin landing page", "/admin/"),
    ("review dashboard", "/reviews/"),
    ("review actions region=AG-ZUID&overdue=true", "/reviews/actions/?region=AG-ZUID&overdue=true"),
    ("review matrix", "/reviews/matrix/"),
]


class QueryCounter(list):
    def __call__(self, execute, sql, params, many, context):
        self.append(sql)
        return execute(sql, params, many, context)


def main():
    repeat = int(sys.argv[1]) if len(sys.argv) > 1 else 7
    user, _ = get_user_model().objects.get_or_create(
        username="bench", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client(HTTP_HOST="bench.local")
    client.force_login(user)
    for label, url in PAGES:
        client.get(url)  # warm
        # Counted by a wrapper, not CaptureQueriesContext: a signed-in request's queries
        # did not reach the debug log here.
        queries = QueryCounter()
        with connection.execute_wrapper(queries):
            response = client.get(url)
        assert response.status_code == 200, (url, response.status_code)
        times = []
        for _ in range(repeat):
            start = time.perf_counter()
            client.get(url)
            times.append((time.perf_counter() - start) * 1000)
        print(f"{label:<46} {statistics.median(times):8.1f} ms  {len(queries):3d} queries")


if __name__ == "__main__":
    main()
