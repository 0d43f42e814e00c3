"""The review pages at N actions (`make bench-reviews`): dashboard, the dashboard on a past
peildatum, the upcoming review's page, its report and PDF, the matrix and the lists with
`?as_of=`, each timed through Django's test client on PostgreSQL, against /healthz in the
same run (the baseline: a request that does one `SELECT 1`).

For each size a database `<prefix>_<size>` is built as `make bench` builds its own (the real
fixtures, then `generate_demo`), a planned review is added, and each page is timed twice:

- "after a write": an action is changed (as an editor would) before every request, so no
  figure can come from a cache: the cost of the first view after any change;
- "repeat": the same page again without a write in between (what most views are).

Medians of `--repeat` requests; the ratio is the median over the baseline's median. Nothing
is asserted: the figures are printed (BENCHMARKS.md keeps the last full run).

    python bench/review_pages.py --sizes 2000,20000,100000 [--repeat 5] [--reuse]
"""

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# (Named review_pages.py, not reviews.py: this folder is first on the path, and `reviews` is
# the app.)
sys.path.insert(0, str(ROOT))
PREFIX = os.environ.get("BENCH_DB_PREFIX", "mkb_bench_reviews")
PAST_DAY = "2016-06-08"
BASELINE = ("baseline /healthz", "/healthz")


def pages(review_id):
    return [
        ("dashboard", "/reviews/"),
        (f"dashboard as_of={PAST_DAY}", f"/reviews/?as_of={PAST_DAY}"),
        ("review page (planned)", f"/reviews/{review_id}/"),
        ("report (planned)", f"/reviews/{review_id}/report/"),
        ("report PDF (planned)", f"/reviews/{review_id}/report/pdf/"),
        ("matrix", "/reviews/matrix/"),
        (f"matrix as_of={PAST_DAY}", f"/reviews/matrix/?as_of={PAST_DAY}"),
        (f"actions as_of={PAST_DAY}", f"/reviews/actions/?as_of={PAST_DAY}&overdue=true"),
        (f"agreements as_of={PAST_DAY}", f"/reviews/agreements/?as_of={PAST_DAY}"),
    ]


# The parent: databases, one child per size ---------------------------------------------


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="2000,20000,100000")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--reuse", action="store_true", help="keep an existing database")
    parser.add_argument("--measure", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        return measure(args.repeat)
    from bench.run import ENV, build  # bench/run.py: the same databases, the same environment

    for size in [int(s) for s in args.sizes.split(",")]:
        print(f"\n== {size:,} actions", flush=True)
        url = build(size, f"{PREFIX}_{size}", reuse=args.reuse)
        env = {**os.environ, **ENV, "DATABASE_URL": url}
        subprocess.run(
            [sys.executable, __file__, "--measure", "--repeat", str(args.repeat)],
            cwd=ROOT,
            env=env,
            check=True,
        )
    return 0


# The child: Django in this process, on the size's database --------------------------------


def measure(repeat):
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    import logging

    import django

    django.setup()
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    from django.contrib.auth import get_user_model
    from django.db import connection
    from django.test import Client

    from actions.choices import ActionStatus
    from actions.models import Action
    from agenda.models import Review
    from config.clock import today

    review, _ = Review.objects.get_or_create(
        date=today().replace(year=today().year + 1),
        defaults={"title": "Benchmark: de volgende herijking"},
    )
    user, _ = get_user_model().objects.get_or_create(
        username="bench-reviews", defaults={"is_superuser": True, "is_staff": True}
    )
    client = Client(HTTP_HOST="bench.local")
    client.force_login(user)
    action = Action.objects.filter(status=ActionStatus.IN_PROGRESS).order_by("id").first()

    def write():
        """An editor's change: a new history record, so every figure's data version moves."""
        action.progress = 10 if action.progress != 10 else 20
        action.save()

    def timed(url, before=None):
        times, queries = [], 0
        for _ in range(repeat):
            if before:
                before()
            start = time.perf_counter()
            with Counter() as counter, connection.execute_wrapper(counter):
                response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            queries = counter.n
            if response.status_code != 200:
                raise RuntimeError(f"{url}: {response.status_code}")
        return statistics.median(times), queries

    client.get(BASELINE[1])
    base, _q = timed(BASELINE[1])
    print(f"{'page':<34} {'after a write':>15} {'ratio':>7} {'repeat':>11} {'ratio':>7} queries")
    print(f"{BASELINE[0]:<34} {base:12.1f} ms {1:7.1f} {base:8.1f} ms {1:7.1f}")
    for label, url in pages(review.pk):
        first, queries = timed(url, before=write)
        again, queries_again = timed(url)
        print(
            f"{label:<34} {first:12.1f} ms {first / base:7.0f} {again:8.1f} ms "
            f"{again / base:7.0f} {queries:3d}/{queries_again}",
            flush=True,
        )
    return 0


class Counter:
    def __init__(self):
        self.n = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def __call__(self, execute, sql, params, many, context):
        self.n += 1
        return execute(sql, params, many, context)


if __name__ == "__main__":
    sys.exit(main())
