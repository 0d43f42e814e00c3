"""The benchmark (`make bench`): the registry's API against a hand-written floor, side by side
in one run, on PostgreSQL at each size asked for (SQLite's in-process figures printed too).

For each size: a fresh database with the real fixtures and `generate_demo`, the API and the
floor (bench/floor.py) each served by gunicorn with gunicorn.conf.py. Before timing a case the
two answers are compared byte for byte. Figures are medians and p90 of sequential requests,
with the API's ratio to the floor; queries per request; a bounded loopback load on the main
list for both; the admin's action list and the review dashboard; CSV and XLSX exports of all
actions (CSV against PostgreSQL's COPY); growth between the sizes. Nothing is asserted: the
figures are printed, and written to bench/last-run.md.

    python bench/run.py --sizes 10000,100000 [--repeat 15] [--clients 16] [--seconds 20]
"""

import argparse
import datetime
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PG_BASE = os.environ.get("BENCH_PG", "postgres://postgres@127.0.0.1:5432")
API_PORT, FLOOR_PORT, EXPORT_PORT = 8101, 8102, 8103
HOST = "bench.local:8000"
ENV = {
    "SECRET_KEY": "bench-only-secret-key",
    "DEBUG": "off",
    "ALLOWED_HOSTS": "*",
    "API_THROTTLE_ANON": "100000000/minute",
    "API_THROTTLE_USER": "100000000/minute",
    "SECURE_SSL_REDIRECT": "off",
    "SESSION_COOKIE_SECURE": "off",
    "CSRF_COOKIE_SECURE": "off",
    "AGENDA_SNAPSHOT_DATE": "",
    "CHANGES_SETTLE_SECONDS": "0",
    # The bench measures what a whole export costs: the per-request limits (issue 14) lifted,
    # and gunicorn given the time to finish the largest.
    "EXPORT_ANON_MAX_ROWS": "100000000",
    "EXPORT_MAX_ROWS": "100000000",
    "EXPORT_XLSX_MAX_ROWS": "100000000",
    "GUNICORN_TIMEOUT": "900",
    "DATABASE_STATEMENT_TIMEOUT": "0",
}
CASES = [
    ("actions page_size=100", "/api/v1/actions/?page_size=100"),
    (
        "actions status=in_progress,at_risk",
        "/api/v1/actions/?page_size=100&status=in_progress,at_risk",
    ),
    ("actions applies_to=PV30", "/api/v1/actions/?applies_to=PV30&page_size=100"),
    ("actions deep page (900, or the last but one)", "/api/v1/actions/?page=900&page_size=100"),
    (
        "actions sync page (updated_since)",
        "/api/v1/actions/?cursor=&page_size=100&updated_since=2020-01-01T00:00:00.000000Z",
    ),
    ("agreements theme=MIT", "/api/v1/agreements/?theme=MIT"),
]


def manage(database_url, *args, quiet=True):
    env = {**os.environ, **ENV, "DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=quiet,
        text=True,
    )


def psql(sql):
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-c", sql],
        check=True,
        capture_output=True,
    )


def build(size, name, reuse=False):
    url = f"{PG_BASE}/{name}"
    if reuse and database_exists(name):
        manage(url, "migrate", "--noinput")  # today's indexes on yesterday's rows
        print(f"  reusing {name}", flush=True)
        return url
    psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    psql(f"CREATE DATABASE {name}")
    started = time.monotonic()
    manage(url, "migrate", "--noinput")
    manage(url, "loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")))
    manage(url, "generate_demo", "--actions", str(max(1, size - 25)), "--seed", "2014")
    psql_db(name, "VACUUM ANALYZE")
    print(f"  built {name} in {time.monotonic() - started:.0f} s", flush=True)
    return url


def database_exists(name):
    found = subprocess.run(
        [
            "psql",
            "-tA",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-c",
            f"SELECT 1 FROM pg_database WHERE datname = '{name}'",
        ],
        check=True,
        capture_output=True,
        text=True,
    )
    return found.stdout.strip() == "1"


def psql_db(name, sql):
    subprocess.run(
        ["psql", "-q", "-h", "127.0.0.1", "-U", "postgres", "-d", name, "-c", sql],
        check=True,
        capture_output=True,
    )


def serve(app, port, database_url, workers=None):
    env = {**os.environ, **ENV, "DATABASE_URL": database_url, "BIND": f"127.0.0.1:{port}"}
    if workers:
        env["WEB_CONCURRENCY"] = str(workers)
    process = subprocess.Popen(
        [str(Path(sys.executable).parent / "gunicorn"), "-c", "gunicorn.conf.py", app],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    for _ in range(200):
        try:
            get(f"http://127.0.0.1:{port}/api/v1/agreements/?theme=MIT", timeout=2)
            return process
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"{app} did not start on {port}")


def stop(process):
    os.killpg(process.pid, signal.SIGTERM)
    process.wait(timeout=30)


def get(url, timeout=120, connection=None):
    parts = urlsplit(url)
    own = connection is None
    connection = connection or http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=timeout
    )
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", target, headers={"Host": HOST})
    response = connection.getresponse()
    body = response.read()
    if own:
        connection.close()
    if response.status != 200:
        raise RuntimeError(f"{url}: {response.status} {body[:200]!r}")
    return body


def timed(url, repeat):
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)
    get(url, connection=connection)  # warm the worker and its connection
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        get(url, connection=connection)
        times.append((time.perf_counter() - start) * 1000)
    connection.close()
    times.sort()
    return statistics.median(times), times[min(len(times) - 1, int(len(times) * 0.9))]


def in_process(database_url, size, repeat):
    """Queries per request, the admin and the dashboard: Django's test client in a child
    process on the same database (a sibling of the servers, so nothing is shared)."""
    script = ROOT / "bench" / "in_process.py"
    env = {**os.environ, **ENV, "DATABASE_URL": database_url}
    done = subprocess.run(
        [sys.executable, str(script), str(repeat)],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        print(done.stderr[-2000:])
        raise RuntimeError("in-process measurements failed")
    return done.stdout


def import_bench(database_url, rows):
    env = {**os.environ, **ENV, "DATABASE_URL": database_url}
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "import_bench.py"),
            "--rows",
            str(rows),
            "--repeat",
            "3",
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
    if done.returncode:
        return "import benchmark failed: " + done.stderr[-1500:]
    return done.stdout


def rss_kb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0


def worker_pids(master):
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return [int(pid) for pid in children]


def exports(database_url, name):
    """CSV and XLSX of all actions through one single-threaded worker: time and the growth of
    its peak memory; CSV against COPY … TO STDOUT."""
    import psycopg

    server = serve("config.wsgi:application", EXPORT_PORT, database_url, workers=1)
    try:
        time.sleep(1)
        get(f"http://127.0.0.1:{EXPORT_PORT}/api/v1/actions/?page_size=1")
        [worker] = worker_pids(server)
        before = rss_kb(worker)
        start = time.perf_counter()
        csv_bytes = len(
            get(f"http://127.0.0.1:{EXPORT_PORT}/api/v1/actions/?format=csv", timeout=900)
        )
        csv_seconds = time.perf_counter() - start
        csv_growth = (rss_kb(worker) - before) / 1024
        start = time.perf_counter()
        xlsx_bytes = len(
            get(f"http://127.0.0.1:{EXPORT_PORT}/api/v1/actions/?format=xlsx", timeout=900)
        )
        xlsx_seconds = time.perf_counter() - start
        xlsx_growth = (rss_kb(worker) - before) / 1024
    finally:
        stop(server)
    with psycopg.connect(database_url) as connection, connection.cursor() as cursor:
        start = time.perf_counter()
        copied = 0
        with cursor.copy(
            "COPY (SELECT a.*, g.code, o.code, r.code FROM actions_action a "
            "JOIN agenda_agreement g ON g.id = a.agreement_id JOIN agenda_party o "
            "ON o.id = a.owner_id LEFT JOIN regions_region r ON r.id = a.region_id "
            "ORDER BY a.id) TO STDOUT WITH CSV HEADER"
        ) as copy:
            for chunk in copy:
                copied += len(chunk)
        copy_seconds = time.perf_counter() - start
    return {
        "csv": (csv_seconds, csv_growth, csv_bytes),
        "xlsx": (xlsx_seconds, xlsx_growth, xlsx_bytes),
        "copy": (copy_seconds, copied),
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="10000,100000")
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--import-rows", type=int, default=10000, help="0: no import run")
    parser.add_argument(
        "--reuse", action="store_true", help="keep a database of that size from an earlier run"
    )
    parser.add_argument("--output", default=str(ROOT / "bench" / "last-run.md"))
    args = parser.parse_args()
    from bench.load import run_load

    sizes = [int(size) for size in args.sizes.split(",")]
    lines = [
        f"# Benchmark of {datetime.datetime.now(datetime.UTC):%Y-%m-%d}",
        "",
        f"`python bench/run.py --sizes {args.sizes} --repeat {args.repeat} --clients "
        f"{args.clients} --seconds {args.seconds}` on PostgreSQL; API and floor each served by "
        "gunicorn with gunicorn.conf.py. Times in ms; ratio = API median / floor median.",
        "",
    ]
    growth = {}
    for size in sizes:
        name = f"mkb_bench_{size}"
        print(f"size {size}:", flush=True)
        url = build(size, name, reuse=args.reuse)
        api = serve("config.wsgi:application", API_PORT, url)
        floor = serve("bench.floor:application", FLOOR_PORT, url)
        try:
            lines += [
                f"## {size} actions",
                "",
                "| case | API median | API p90 | floor median | ratio |",
                "| --- | --- | --- | --- | --- |",
            ]
            # Page 900, or the last but one when there are fewer (drafts are not counted).
            visible = json.loads(get(f"http://127.0.0.1:{API_PORT}/api/v1/actions/?page_size=1"))
            deep = min(900, max(1, -(-visible["count"] // 100) - 1))
            for label, path in CASES:
                path = path.replace("page=900", f"page={deep}")
                mine = get(f"http://127.0.0.1:{API_PORT}{path}")
                theirs = get(f"http://127.0.0.1:{FLOOR_PORT}{path}")
                if mine != theirs:
                    lines.append(f"| {label} | not identical to the floor: not timed | | | |")
                    print(f"  {label}: NOT IDENTICAL ({len(mine)} vs {len(theirs)} bytes)")
                    continue
                median, p90 = timed(f"http://127.0.0.1:{API_PORT}{path}", args.repeat)
                floor_median, _ = timed(f"http://127.0.0.1:{FLOOR_PORT}{path}", args.repeat)
                growth.setdefault(label, {})[size] = median
                ratio = median / floor_median
                lines.append(
                    f"| `{label}` | {median:.1f} | {p90:.1f} | {floor_median:.1f} | {ratio:.2f}× |"
                )
                print(f"  {label}: {median:.1f} ms, floor {floor_median:.1f} ms, {ratio:.2f}×")
            lines.append("")
            main_case = CASES[0][1]
            mine = run_load(
                f"http://127.0.0.1:{API_PORT}{main_case}", args.clients, args.seconds, HOST
            )
            theirs = run_load(
                f"http://127.0.0.1:{FLOOR_PORT}{main_case}", args.clients, args.seconds, HOST
            )
            lines += [
                f"Load on `{main_case}`, {args.clients} clients, {args.seconds} s:",
                "",
                "| server | req/s | p50 | p95 | p99 | errors |",
                "| --- | --- | --- | --- | --- | --- |",
            ]
            for label, figures in [("API", mine), ("floor", theirs)]:
                cells = [f"{figures['rps']:.0f}"]
                cells += [f"{figures[p]:.1f}" for p in ("p50", "p95", "p99")]
                lines.append(f"| {label} | {' | '.join(cells)} | {figures['errors']} |")
            lines += ["", f"API throughput: {mine['rps'] / theirs['rps']:.0%} of the floor's.", ""]
            print(
                f"  load: API {mine['rps']:.0f} req/s, floor {theirs['rps']:.0f} req/s", flush=True
            )
        finally:
            stop(api)
            stop(floor)
        lines += [
            "In process (Django's test client, same database):",
            "",
            "```",
            in_process(url, size, max(5, args.repeat // 2)).rstrip(),
            "```",
            "",
        ]
        if size == sizes[-1] and args.import_rows:
            rows = min(args.import_rows, size)
            lines += [
                "Spreadsheet import (bench/import_bench.py):",
                "",
                "```",
                import_bench(url, rows).rstrip(),
                "```",
                "",
            ]
        if not args.skip_exports and size == sizes[-1]:
            figures = exports(url, name)
            csv_seconds, csv_growth, csv_bytes = figures["csv"]
            xlsx_seconds, xlsx_growth, _ = figures["xlsx"]
            copy_seconds, _ = figures["copy"]
            lines += [
                f"Exports of all {size} actions (one worker):",
                "",
                "| export | seconds | peak memory growth | floor |",
                "| --- | --- | --- | --- |",
                f"| CSV ({csv_bytes / 1e6:.1f} MB) | {csv_seconds:.1f} | {csv_growth:.0f} MB | "
                f"COPY: {copy_seconds:.1f} s ({csv_seconds / copy_seconds:.1f}×) |",
                f"| XLSX | {xlsx_seconds:.1f} | {xlsx_growth:.0f} MB | |",
                "",
            ]
            print(
                f"  CSV {csv_seconds:.1f} s, COPY {copy_seconds:.1f} s, XLSX {xlsx_seconds:.1f} s"
            )
        if not args.reuse:  # kept for the next `--reuse` run
            psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
    if len(sizes) > 1:
        small, large = sizes[0], sizes[-1]
        lines += [
            f"Growth from {small} to {large} actions (API medians):",
            "",
            "| case | ratio |",
            "| --- | --- |",
        ]
        for label, by_size in growth.items():
            if small in by_size and large in by_size:
                lines.append(f"| `{label}` | {by_size[large] / by_size[small]:.2f}× |")
        lines.append("")
    report = "\n".join(lines)
    Path(args.output).write_text(report + "\n")
    print(report)


if __name__ == "__main__":
    main()
