"""Export timing (docs/reliability/exports-load.md): a fresh PostgreSQL database with
`generate_demo --actions N`, gunicorn on loopback, then medians of --repeat runs of: a JSON
page of 100 actions (the baseline), the whole list as CSV and as XLSX (limits lifted, to
measure), an anonymous export over its limit (the refusal), and /healthz while two whole
CSV exports run at once.

    .venv/bin/python scripts/export_timing.py --actions 20000 --repeat 3"""

import argparse
import os
import secrets
import shutil
import signal
import statistics
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from load_run import PG, free_port, log, manage, pg_ready, prepare, psql, serve


def fetch(url, token=None):
    """(status, seconds, bytes) for one GET, the body read to the end."""
    request = urllib.request.Request(url)
    if token:
        request.add_header("Authorization", f"Token {token}")
    start = time.perf_counter()
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            size = len(response.read())
            status = response.status
    except urllib.error.HTTPError as exc:
        size, status = len(exc.read()), exc.code
    return status, time.perf_counter() - start, size


def median_of(repeat, url, token=None):
    runs = [fetch(url, token) for _ in range(repeat)]
    return runs[0][0], statistics.median(r[1] for r in runs), runs[0][2]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--actions", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if not pg_ready():
        raise SystemExit("PostgreSQL must answer on 127.0.0.1:5432")
    database = f"mkb_exports_{os.getpid()}_{secrets.token_hex(3)}"
    workdir = tempfile.mkdtemp(prefix="mkb-exports-")
    env = {
        **os.environ,
        "DATABASE_URL": f"{PG}/{database}",
        "SECRET_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "LOAD_DIR": workdir,
        # Lifted for logged-in callers, to measure; the anonymous limit stays as shipped.
        "EXPORT_MAX_ROWS": "10000000",
        "EXPORT_XLSX_MAX_ROWS": "10000000",
        # Plain HTTP on loopback: in production the TLS proxy in front does HTTPS.
        "SECURE_SSL_REDIRECT": "off",
    }
    env.pop("DEBUG", None)
    server = None
    try:
        data = prepare(env, database)
        log(f"generate_demo --actions {args.actions}")
        manage({**env, "DEBUG": "on"}, "generate_demo", "--actions", str(args.actions))
        port = free_port()
        server = serve(env, port)
        base = f"http://127.0.0.1:{port}/api/v1/actions/"
        token = data["token"]
        _s, _t, _b = fetch(f"{base}?page_size=1", token)  # warm the workers
        rows = {}
        rows["JSON page of 100 (baseline)"] = median_of(args.repeat, f"{base}?page_size=100", token)
        rows["CSV, whole list"] = median_of(args.repeat, f"{base}?format=csv", token)
        rows["XLSX, whole list"] = median_of(args.repeat, f"{base}?format=xlsx", token)
        rows["anonymous CSV, whole list (refused)"] = median_of(args.repeat, f"{base}?format=csv")

        health = []
        exports = [
            threading.Thread(target=fetch, args=(f"{base}?format=csv", token)) for _ in range(2)
        ]
        for thread in exports:
            thread.start()
        while any(thread.is_alive() for thread in exports):
            health.append(fetch(f"http://127.0.0.1:{port}/healthz"))
            time.sleep(0.2)
        for thread in exports:
            thread.join()

        baseline = rows["JSON page of 100 (baseline)"][1]
        print(f"\n{args.actions + 25} actions (generate_demo --actions {args.actions} + fixtures)")
        print("| request | status | median s | x baseline | ms per row | bytes |")
        print("| --- | --- | --- | --- | --- | --- |")
        for name, (status, seconds, size) in rows.items():
            per_row = f"{1000 * seconds / (args.actions + 25):.2f}" if "whole" in name else ""
            if name.startswith("JSON"):
                per_row = f"{1000 * seconds / 100:.2f}"
            print(
                f"| {name} | {status} | {seconds:.2f} | {seconds / baseline:.0f} | {per_row} "
                f"| {size} |"
            )
        statuses = sorted({h[0] for h in health})
        print(
            f"\n/healthz during two whole CSV exports at once: {len(health)} probes, statuses "
            f"{statuses}, median {1000 * statistics.median(h[1] for h in health):.0f} ms, "
            f"max {1000 * max(h[1] for h in health):.0f} ms"
        )
    finally:
        if server is not None and server.poll() is None:
            os.killpg(server.pid, signal.SIGTERM)
            server.wait(timeout=30)
        if pg_ready():
            psql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
