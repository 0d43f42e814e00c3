"""Backup and restore of the registry's database (`make backup`, `make restore`).

    python scripts/backup.py backup  FILE    # the database in DATABASE_URL to FILE
    python scripts/backup.py restore FILE    # FILE back into the database in DATABASE_URL
    python scripts/backup.py roundtrip       # CI: backup, wipe, restore, same API answers

PostgreSQL: `pg_dump --format=custom` and `pg_restore --clean --if-exists` (the restore
replaces what is there, in one transaction). SQLite: the sqlite3 online backup API, so a
running server may keep writing while the copy is made. Without DATABASE_URL: db.sqlite3,
as `make run` uses it.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def database():
    import environ

    url = os.environ.get("DATABASE_URL") or f"sqlite:///{ROOT / 'db.sqlite3'}"
    return url, environ.Env.db_url_config(url)


def backup(target):
    url, config = database()
    if "sqlite" in config["ENGINE"]:
        with sqlite3.connect(config["NAME"]) as source, sqlite3.connect(target) as copy:
            source.backup(copy)
        copy.close()
    else:
        subprocess.run(["pg_dump", "--format=custom", f"--file={target}", url], check=True)
    print(f"Backed up {config['NAME']} to {target} ({Path(target).stat().st_size:,} bytes).")


def restore(source):
    url, config = database()
    if not Path(source).is_file():
        sys.exit(f"No backup at {source}.")
    if "sqlite" in config["ENGINE"]:
        with sqlite3.connect(source) as backup_db, sqlite3.connect(config["NAME"]) as live:
            backup_db.backup(live)
        live.close()
    else:
        subprocess.run(
            [
                "pg_restore",
                "--clean",
                "--if-exists",
                "--no-owner",
                "--single-transaction",
                f"--dbname={url}",
                source,
            ],
            check=True,
        )
    print(f"Restored {config['NAME']} from {source}.")


ANSWERS = [
    "/api/v1/regions/?page_size=500",
    "/api/v1/parties/?page_size=500",
    "/api/v1/themes/?page_size=500",
    "/api/v1/agreements/?page_size=500",
    "/api/v1/actions/?page_size=500",
    "/api/v1/reviews/?page_size=500",
    "/api/v1/goals/?page_size=500",
    "/api/v1/agreements/MKB-2014-MIT-01/history/?page_size=500",
]


def answers(require_ok=True):
    """What the API answers (in a child process: a fresh connection after each step), over
    HTTPS as in production; each must be a 200 unless the database was just wiped."""
    code = (
        "import django, json; django.setup();"
        "from django.test import Client;"
        "c = Client(HTTP_HOST='localhost');"
        f"rs = [c.get(u, secure=True) for u in {ANSWERS!r}];"
        "print(json.dumps([[r.status_code, r.content.decode()] for r in rs]))"
    )
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "config.settings", "ALLOWED_HOSTS": "*"}
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, env=env, check=True, capture_output=True
    )
    found = json.loads(done.stdout)
    statuses = zip(ANSWERS, (status for status, _body in found), strict=True)
    wrong = [(url, status) for url, status in statuses if status != 200]
    if wrong and require_ok:
        sys.exit(f"The API did not answer 200: {wrong}")
    return found


def manage(*args):
    subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, check=True)


def roundtrip():
    """Load the agenda, back it up, wipe the database, restore: the API must answer the same,
    byte for byte."""
    manage("migrate", "--noinput", "-v0")
    manage("loaddata", *sorted(str(p) for p in (ROOT / "fixtures").glob("*.json")), "-v0")
    before = answers()
    with tempfile.TemporaryDirectory() as folder:
        file = str(Path(folder) / "registry.backup")
        backup(file)
        manage("flush", "--noinput", "-v0")
        if answers(require_ok=False) == before:
            sys.exit("The wipe changed nothing: this round trip would prove nothing.")
        restore(file)
    after = answers()
    if after != before:
        sys.exit("The restored database answers differently from the one backed up.")
    print(f"Round trip: the API's {len(ANSWERS)} answers are identical after the restore.")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=["backup", "restore", "roundtrip"])
    parser.add_argument("file", nargs="?")
    args = parser.parse_args()
    if args.command == "roundtrip":
        roundtrip()
    elif not args.file:
        parser.error("give the backup's file")
    elif args.command == "backup":
        backup(args.file)
    else:
        restore(args.file)


if __name__ == "__main__":
    main()
