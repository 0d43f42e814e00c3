"""Drives `scripts/load` and `scripts/faults`: a fresh PostgreSQL database (migrate, the
fixtures, the demo users, an editor's token), gunicorn with gunicorn.conf.py on a loopback
port (18300–18399), locust headless with scripts/locustfile.py, then the verdict.

- load: every answer must be a success (errors = 0), else the exit status is 1.
- faults: PostgreSQL is stopped in the middle of the run for --outage seconds and started
  again (the cluster is shared: keep it short). During the outage the API must answer JSON
  503 (counted); a 500 or a non-JSON error is a failure (counted separately); after it the
  same gunicorn must answer again (CONN_HEALTH_CHECKS) with no error past a grace period,
  and every acknowledged write must be in the database whole (its version and its text
  and progress in the history, the row at or past it).

Loopback only; the run is bounded by --seconds; the database is dropped at the end."""

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY = str(Path(sys.executable))
BIN = Path(sys.executable).parent
PG = "postgres://postgres@127.0.0.1:5432"
RECOVERY_GRACE = 5.0  # seconds after PostgreSQL is back in which a last error may land


def log(message):
    # UTC: django.setup() sets the process's TZ to the site's zone, which would switch the
    # clock of a log mid-run.
    print(f"[{time.strftime('%H:%M:%SZ', time.gmtime())}] {message}", flush=True)


def free_port():
    for port in range(18300, 18400):
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    raise SystemExit("no free port in 18300-18399")


def psql(sql):
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", sql],
        check=True,
        stdout=subprocess.DEVNULL,
    )


def manage(env, *args):
    subprocess.run(
        [PY, "manage.py", *args], cwd=ROOT, env=env, check=True, stdout=subprocess.DEVNULL
    )


def cluster():
    return sorted(os.listdir("/etc/postgresql"))[-1]


def pg_ready():
    return (
        subprocess.run(
            ["pg_isready", "-q", "-h", "127.0.0.1", "-p", "5432"], check=False
        ).returncode
        == 0
    )


def http(method, url, timeout=10):
    request = urllib.request.Request(url, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            return response.status, response.headers.get("Content-Type", "")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers.get("Content-Type", "")
    except OSError:
        return 0, ""


def prepare(env, database):
    log(f"database {database}: migrate, fixtures, demo users")
    psql(f'CREATE DATABASE "{database}"')
    setup = {**env, "DEBUG": "on"}
    manage(setup, "migrate", "--noinput", "-v0")
    fixtures = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "fixtures").glob("*.json"))
    manage(setup, "loaddata", *fixtures, "-v0")
    manage(setup, "create_demo_users")
    script = (
        "from agenda.services import api_token_create;"
        "from django.contrib.auth import get_user_model;"
        "from actions.models import Action;"
        "from agenda.models import Agreement;"
        "user = get_user_model().objects.get(username='ez');"
        "import json;"
        "print(json.dumps({'token': api_token_create(user=user, name='load')[1],"
        "'actions': list(Action.objects.filter(status__in=['planned','in_progress','at_risk'])"
        ".order_by('id').values_list('id', flat=True)),"
        "'agreements': list(Agreement.objects.filter(status='active')"
        ".values_list('code', flat=True))}))"
    )
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env=setup,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def serve(env, port):
    server_env = {
        **env,
        "BIND": f"127.0.0.1:{port}",
        "WEB_CONCURRENCY": env.get("WEB_CONCURRENCY", "2"),
        # One client address for every simulated user: the throttle is not what is measured.
        "API_THROTTLE_ANON": "1000000/minute",
        "API_THROTTLE_USER": "1000000/minute",
    }
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py", "config.wsgi:application"],
        cwd=ROOT,
        env=server_env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=Path(env["LOAD_DIR"], "gunicorn.log").open("w"),  # noqa: SIM115 (lives with it)
    )
    for _ in range(60):
        if http("GET", f"http://127.0.0.1:{port}/healthz")[0] == 200:
            return process
        time.sleep(0.5)
    process.terminate()
    raise SystemExit("gunicorn did not answer /healthz")


def outage(seconds, record):
    """Stops PostgreSQL, waits, starts it again; records when it was down and up again."""
    version = cluster()
    record["stop"] = time.time()
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "stop", "-m", "fast"],
        check=True,
    )
    record["down"] = time.time()
    time.sleep(seconds)
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"], check=True
    )
    while not pg_ready():
        time.sleep(0.1)
    record["up"] = time.time()


def locust(env, host, users, seconds, workdir):
    prefix = f"{workdir}/locust"
    command = [
        str(BIN / "locust"),
        "-f",
        str(ROOT / "scripts/locustfile.py"),
        "--headless",
        "-u",
        str(users),
        "-r",
        str(users),
        "-t",
        f"{seconds}s",
        "--host",
        host,
        "--csv",
        prefix,
        "--only-summary",
        "--stop-timeout",
        "10",
        "--loglevel",
        "WARNING",
    ]
    result = subprocess.run(command, cwd=ROOT, env=env, check=False)
    return result.returncode, prefix


def aggregated(prefix):
    import csv

    with open(f"{prefix}_stats.csv") as source:
        for row in csv.DictReader(source):
            if row["Name"] == "Aggregated":
                return row
    raise SystemExit("locust wrote no statistics")


def verify_writes(env, writes_file):
    """Every acknowledged write whole in the database: its version in the history with its
    own text and progress, and the row itself at that version or later."""
    script = r"""
import json, os
from actions.models import Action
acked = [json.loads(line) for line in open(os.environ["LOAD_WRITES"]) if line.strip()]
lost, half, rows = [], [], {a.pk: a for a in Action.objects.filter(pk__in={w['id'] for w in acked})}
for w in acked:
    record = Action.history.filter(id=w['id'], version=w['version']).first()
    if record is None or rows[w['id']].version < w['version']:
        lost.append(w)
    elif (record.result, record.progress) != (w['result'], w['progress']):
        half.append(w)
for row in rows.values():
    latest = Action.history.filter(id=row.pk).order_by('-version').first()
    if (latest.version, latest.result, latest.progress) != (row.version, row.result, row.progress):
        half.append({'id': row.pk, 'row': 'differs from its latest history record'})
print(json.dumps({'acked': len(acked), 'lost': lost, 'half': half}))
"""
    out = subprocess.run(
        [PY, "manage.py", "shell", "-c", script],
        cwd=ROOT,
        env={**env, "DEBUG": "on", "LOAD_WRITES": writes_file},
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def load(args, env, data, host, server, workdir):
    """The run itself: locust against the server (with an outage if asked), then what the
    server answers afterwards and what became of the acknowledged writes."""
    health = {m: http(m, f"{host}/healthz")[0] for m in ("GET", "HEAD")}
    log(
        f"gunicorn on {host} (pid {server.pid}); "
        f"/healthz GET {health['GET']}, HEAD {health['HEAD']}"
    )
    load_env = {
        **env,
        "LOAD_TOKEN": data["token"],
        "LOAD_ACTION_IDS": ",".join(map(str, data["actions"])),
        "LOAD_AGREEMENTS": ",".join(data["agreements"]),
        "LOAD_USERS": str(args.users),
        "LOAD_WRITES": f"{workdir}/writes.jsonl",
        "LOAD_STATUSES": f"{workdir}/statuses.json",
    }
    Path(load_env["LOAD_WRITES"]).touch()
    record = {}
    if args.faults:
        timer = threading.Timer(args.seconds / 3, outage, (args.outage, record))
        timer.start()
    log(
        f"locust: {args.users} users, {args.seconds} s" + (" with an outage" if args.faults else "")
    )
    _code, prefix = locust(load_env, host, args.users, args.seconds, workdir)
    if args.faults:
        timer.join()
    seen = json.loads(Path(load_env["LOAD_STATUSES"]).read_text())
    statuses = seen["statuses"]
    return {
        "health": health,
        "after": {m: http(m, f"{host}/healthz")[0] for m in ("GET", "HEAD")},
        "api_after": http("GET", f"{host}/api/v1/actions/?page_size=1")[0],
        "alive": server.poll() is None,
        "writes": verify_writes(env, load_env["LOAD_WRITES"]),
        "stats": aggregated(prefix),
        "seen": seen,
        "statuses": statuses,
        "record": record,
        "requests": sum(statuses.values()),
        "errors": sum(n for s, n in statuses.items() if s == "0" or int(s) >= 400),
        "unexpected": {
            s: n for s, n in statuses.items() if (s == "0" or int(s) >= 400) and s != "503"
        },
    }


def report(outcome, args):
    stats, statuses, writes = outcome["stats"], outcome["statuses"], outcome["writes"]
    print()
    print(
        f"users {args.users}, seconds {args.seconds}, requests {outcome['requests']}, "
        f"errors {outcome['errors']}, p50 {stats['50%']} ms, p95 {stats['95%']} ms, "
        f"statuses {dict(sorted(statuses.items()))}"
    )
    print(
        f"/healthz after the run: GET {outcome['after']['GET']}, HEAD {outcome['after']['HEAD']}; "
        f"API {outcome['api_after']}; same gunicorn alive: {outcome['alive']}"
    )
    print(
        f"writes acknowledged {writes['acked']}, lost {len(writes['lost'])}, "
        f"half-written {len(writes['half'])}"
    )
    if args.faults:
        record, seen = outcome["record"], outcome["seen"]
        server_errors = statuses.get("500", 0)
        print(
            f"outage {record['up'] - record['stop']:.1f} s (PostgreSQL stopped {args.outage:g} s); "
            f"503 {statuses.get('503', 0)} (not JSON: {seen['non_json_errors'].get('503', 0)}), "
            f"500 {server_errors}, other errors "
            f"{sum(outcome['unexpected'].values()) - server_errors}, errors later than "
            f"{RECOVERY_GRACE:g} s after recovery {len(late_errors(outcome))}"
        )


def late_errors(outcome):
    return [
        t for t in outcome["seen"]["error_times"] if t > outcome["record"]["up"] + RECOVERY_GRACE
    ]


def judged(outcome, args):
    """What went wrong, in words; nothing when the run passed."""
    writes, seen, unexpected = outcome["writes"], outcome["seen"], outcome["unexpected"]
    failures = []
    if writes["lost"] or writes["half"]:
        failures.append(f"lost or half-written writes: {writes['lost'][:3] + writes['half'][:3]}")
    if not writes["acked"]:
        failures.append("no write was acknowledged")
    answered = {*outcome["health"].values(), *outcome["after"].values(), outcome["api_after"]}
    if answered != {200} or not outcome["alive"]:
        failures.append("/healthz, the API or gunicorn did not answer after the run")
    if not args.faults:
        if outcome["errors"]:
            failures.append(f"{outcome['errors']} errors: {unexpected or outcome['statuses']}")
        return failures
    if unexpected:
        failures.append(f"errors other than 503: {unexpected}")
    if seen["non_json_errors"]:
        failures.append(f"errors that are not JSON: {seen['non_json_errors']}")
    if late := late_errors(outcome):
        failures.append(f"{len(late)} errors after recovery")
    if not outcome["statuses"].get("503"):
        failures.append("no 503 seen: the outage was not observed")
    return failures


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--faults", action="store_true", help="stop PostgreSQL mid-run")
    parser.add_argument("--outage", type=float, default=2.0, help="seconds PostgreSQL is down")
    parser.add_argument("--keep", action="store_true", help="keep the database and the files")
    args = parser.parse_args()
    if not shutil.which("psql") or not pg_ready():
        raise SystemExit("PostgreSQL must answer on 127.0.0.1:5432")

    database = f"mkb_load_{os.getpid()}_{secrets.token_hex(3)}"
    workdir = tempfile.mkdtemp(prefix="mkb-load-")
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "SECRET_KEY": os.environ.get("SECRET_KEY") or secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOAD_DIR": workdir,
        # Plain HTTP on loopback: in production the TLS proxy in front does HTTPS.
        "SECURE_SSL_REDIRECT": "off",
    }
    env.pop("DEBUG", None)
    server = None
    try:
        data = prepare(env, database)
        port = free_port()
        server = serve(env, port)
        outcome = load(args, env, data, f"http://127.0.0.1:{port}", server, workdir)
        report(outcome, args)
        failures = judged(outcome, args)
        for failure in failures:
            print(f"FAIL: {failure}")
        print("OK" if not failures else "FAILED")
        return 1 if failures else 0
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if not args.keep:
            if pg_ready():
                psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
            shutil.rmtree(workdir, ignore_errors=True)
        else:
            log(f"kept database {database} and {workdir}")


if __name__ == "__main__":
    sys.exit(main())
