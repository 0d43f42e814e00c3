"""The load mix of `scripts/load` and `scripts/faults` (locust, headless): what partners and
editors do — API lists with filters, details, the `changes/` feed, small exports — and
editors' writes (PATCH an action with `If-Match`, as the API guide says).

Every simulated editor writes only its own actions (no two users race for a row, so a 412 is
a real fault), and records every acknowledged write (2xx: id, version, the unique text it
wrote) in LOAD_WRITES, one JSON line each, for the driver to check against the database.
Every answer's status is counted, with its time and whether an error was JSON, in
LOAD_STATUSES, written when locust quits."""

import itertools
import json
import os
import random
import threading
import time
import uuid
from collections import Counter

from locust import HttpUser, between, events, task

TOKEN = os.environ.get("LOAD_TOKEN", "")
WRITES_FILE = os.environ.get("LOAD_WRITES", "load-writes.jsonl")
STATUSES_FILE = os.environ.get("LOAD_STATUSES", "load-statuses.json")
AGREEMENTS = [a for a in os.environ.get("LOAD_AGREEMENTS", "").split(",") if a]
ACTION_IDS = [int(i) for i in os.environ.get("LOAD_ACTION_IDS", "").split(",") if i]
USERS = int(os.environ.get("LOAD_USERS", "1"))
STATUSES = ["planned", "in_progress", "at_risk", "done"]

_numbers = itertools.count()
_lock = threading.Lock()
_counts = Counter()
_error_times = []
_non_json_errors = Counter()


@events.request.add_listener
def count(request_type, name, response_time, response_length, response=None, exception=None, **kw):
    status = getattr(response, "status_code", 0) if response is not None else 0
    with _lock:
        _counts[str(status)] += 1
        if status == 0 or status >= 500:
            _error_times.append(time.time())
            content_type = response.headers.get("Content-Type", "") if status else ""
            if not content_type.startswith("application/json"):
                _non_json_errors[str(status)] += 1


@events.quitting.add_listener
def write_statuses(environment, **kw):
    with open(STATUSES_FILE, "w") as target:
        json.dump(
            {
                "statuses": dict(_counts),
                "non_json_errors": dict(_non_json_errors),
                "error_times": _error_times,
            },
            target,
        )


class Partner(HttpUser):
    """Anonymous reads: lists with filters, details, the feed, small exports, health."""

    wait_time = between(0.1, 0.5)
    weight = 3

    def on_start(self):
        self.headers = {"Accept": "application/json", "Accept-Language": "nl"}

    @task(6)
    def actions_filtered(self):
        params = {"status": random.choice(STATUSES), "page_size": 20}
        if AGREEMENTS and random.random() < 0.5:
            params["agreement"] = random.choice(AGREEMENTS)
        self.client.get("/api/v1/actions/", params=params, headers=self.headers, name="actions")

    @task(3)
    def agreements(self):
        self.client.get(
            "/api/v1/agreements/",
            params={"status": "active"},
            headers=self.headers,
            name="agreements",
        )

    @task(4)
    def action_detail(self):
        if ACTION_IDS:
            self.client.get(
                f"/api/v1/actions/{random.choice(ACTION_IDS)}/",
                headers=self.headers,
                name="action",
            )

    @task(2)
    def changes(self):
        self.client.get(
            "/api/v1/changes/",
            params={"since": "2016-01-01", "page_size": 50},
            headers=self.headers,
            name="changes",
        )

    @task(1)
    def small_export(self):
        if AGREEMENTS:
            self.client.get(
                "/api/v1/actions/",
                params={"format": "csv", "agreement": random.choice(AGREEMENTS)},
                name="export csv",
            )

    @task(1)
    def health(self):
        self.client.head("/healthz", name="healthz")


class Editor(HttpUser):
    """Writes its own actions: read the ETag, PATCH with If-Match, record what was acked."""

    wait_time = between(0.2, 0.8)
    weight = 1

    def on_start(self):
        number = next(_numbers)
        self.mine = [a for i, a in enumerate(ACTION_IDS) if i % USERS == number % USERS]
        self.headers = {
            "Accept": "application/json",
            "Authorization": f"Token {TOKEN}",
            "Accept-Language": "nl",
        }

    @task
    def patch_action(self):
        if not self.mine:
            return
        action = random.choice(self.mine)
        url = f"/api/v1/actions/{action}/"
        read = self.client.get(url, headers=self.headers, name="action (editor)")
        etag = read.headers.get("ETag")
        if read.status_code != 200 or not etag:
            return
        mark = f"load-{uuid.uuid4().hex}"
        progress = random.randint(0, 100)
        with self.client.patch(
            url,
            json={"progress": progress, "result": mark},
            headers={**self.headers, "If-Match": etag},
            name="PATCH action",
            catch_response=True,
        ) as response:
            if 200 <= response.status_code < 300:
                body = response.json()
                with _lock, open(WRITES_FILE, "a") as target:
                    target.write(
                        json.dumps(
                            {
                                "id": action,
                                "version": body["version"],
                                "result": mark,
                                "progress": progress,
                                "at": time.time(),
                            }
                        )
                        + "\n"
                    )
