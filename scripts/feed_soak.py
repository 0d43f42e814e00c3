"""A partner's copy kept only by `changes/`, for as long as you like (issue 18's "an hour of
mixed writes"): the verdict is whether it equals a fresh export at the end.

    .venv/bin/python scripts/feed_soak.py --minutes 60     # PostgreSQL on 127.0.0.1:5432

A fresh PostgreSQL database (migrate, the reference data, the demo users), gunicorn with
gunicorn.conf.py on a loopback port. Writers in this process, each in its own thread and
transactions, do what editors do through the services, about --rate writes a second in all:
new, changed, re-coded, moved and deleted actions; agreements published, taken back to draft,
re-coded, renamed and superseded; parties renamed; review decisions; now and then the region
and the theme every lane's records show are renamed (the write mix of
tests/config/api/test_feed_mirror.py). Two copies sync over HTTP through `changes/` all the
while: an anonymous reader's and a ministry editor's (who sees drafts). When the time is up
the writers stop, both copies sync once more and each is compared, row by row, with every
list endpoint as it answers then. Exit status 1 on any row missing, extra or stale."""

import argparse
import json
import os
import random
import secrets
import signal
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "scripts"))
from load_run import PG, free_port, log, pg_ready, prepare, serve  # noqa: E402


class HttpClient:
    """What the feed test's Mirror and export ask of a client, over real HTTP."""

    def __init__(self, base, token=None):
        self.base, self.token = base, token

    def get(self, url):
        request = urllib.request.Request(url if url.startswith("http") else self.base + url)
        if self.token:
            request.add_header("Authorization", f"Token {self.token}")
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return Answer(response.status, response.read())
        except urllib.error.HTTPError as exc:
            return Answer(exc.code, exc.read())


class Answer:
    def __init__(self, status_code, content):
        self.status_code, self.content = status_code, content

    def json(self):
        return json.loads(self.content)


def compare(mirror, expected):
    missing = sorted(set(expected) - set(mirror.rows))
    extra = sorted(set(mirror.rows) - set(expected))
    stale = sorted(k for k in set(expected) & set(mirror.rows) if expected[k] != mirror.rows[k])
    return missing, extra, stale


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60)
    parser.add_argument("--rate", type=float, default=5, help="writes a second, in all")
    parser.add_argument("--lanes", type=int, default=2, help="writer threads")
    parser.add_argument("--seed", type=int, default=18)
    args = parser.parse_args()
    if not pg_ready():
        raise SystemExit("PostgreSQL must answer on 127.0.0.1:5432")
    database = f"mkb_soak_{os.getpid()}_{secrets.token_hex(3)}"
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOAD_DIR": tempfile.mkdtemp(prefix="mkb-soak-"),
        "SECURE_SSL_REDIRECT": "off",
        "AGENDA_SNAPSHOT_DATE": "",
    }
    env.pop("DEBUG", None)
    data = prepare(env, database)
    os.environ.update(env)
    import django

    django.setup()
    port = free_port()
    server = serve(env, port)
    try:
        return soak(args, f"http://127.0.0.1:{port}", data["token"])
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        log(f"database {database} kept for inspection; drop it with: dropdb {database}")


def soak(args, base, token):
    from django.contrib.auth import get_user_model
    from django.db import connection, transaction

    from agenda.models import Theme
    from tests.config.api.test_feed_mirror import Lane, Mirror, shared_renames
    from tests.factories import ReviewFactory

    editor = get_user_model().objects.create_superuser("soak", password=None)
    theme = Theme.objects.get(code="MIT")
    review = ReviewFactory(title="Soak: een herijking")
    lanes = [Lane(number, editor, theme, review) for number in range(args.lanes)]
    connection.close()
    mirrors = {
        "anonymous": Mirror(HttpClient(base)),
        "ministry editor": Mirror(HttpClient(base, token)),
    }
    end = time.monotonic() + args.minutes * 60
    writes, failures = [0] * len(lanes), []

    def write(lane, seed):
        rnd = random.Random(seed)
        pause = len(lanes) / args.rate
        try:
            while time.monotonic() < end:
                with transaction.atomic():
                    lane.write(rnd)
                    time.sleep(rnd.random() * 0.03)  # transactions overlap, commit out of order
                writes[lane.n] += 1
                time.sleep(rnd.random() * 2 * pause)
        except Exception as exc:  # reported below: a thread's exception is otherwise lost
            failures.append(f"lane {lane.n}: {exc!r}")
        finally:
            connection.close()

    threads = [
        threading.Thread(target=write, args=(lane, args.seed * 100 + lane.n)) for lane in lanes
    ]
    log(f"{args.minutes:g} minutes of writes at about {args.rate:g}/s; two copies syncing")
    for thread in threads:
        thread.start()
    renamed, syncs, last_report = 0, 0, time.monotonic()
    rnd = random.Random(args.seed)
    while any(thread.is_alive() for thread in threads):
        for mirror in mirrors.values():
            mirror.sync()
        syncs += 1
        if syncs % 15 == 0:  # now and then: what every lane's records show
            shared_renames(rnd, renamed)
            renamed += 1
            connection.close()
        if time.monotonic() - last_report > 60:
            log(f"{sum(writes)} writes, {syncs} syncs")
            last_report = time.monotonic()
        time.sleep(2)
    for thread in threads:
        thread.join()
    log(f"{sum(writes)} writes by {len(lanes)} writers, {renamed} shared renames, {syncs} syncs")
    for failure in failures:
        log(f"FAIL: {failure}")
    same = verdict(mirrors) and not failures
    print("OK: both copies equal a fresh export" if same else "FAILED")
    return 0 if same else 1


def verdict(mirrors):
    """Each copy, synced once more, against every list endpoint as it answers now."""
    from tests.config.api.test_feed_mirror import export

    same = True
    for who, mirror in mirrors.items():
        mirror.sync()
        missing, extra, stale = compare(mirror, export(mirror.client))
        log(
            f"{who}: {len(mirror.rows)} rows in the copy, {mirror.requests} fetches; "
            f"missing {len(missing)}, extra {len(extra)}, stale {len(stale)}"
        )
        for kind, keys in (("missing", missing), ("extra", extra), ("stale", stale)):
            if keys:
                log(f"  {kind}: {keys[:10]}")
        same = same and not (missing or extra or stale)
    return same


if __name__ == "__main__":
    sys.exit(main())
