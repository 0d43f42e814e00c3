"""A bounded loopback load: C clients, each with a kept-alive connection, asking the same
URL for S seconds. Reports requests per second, p50/p95/p99 and errors (anything not 200)."""

import http.client
import statistics
import threading
import time
from urllib.parse import urlsplit


def run_load(url, clients=16, seconds=20, host=None):
    parts = urlsplit(url)
    target = parts.path + (f"?{parts.query}" if parts.query else "")
    headers = {"Host": host or parts.netloc, "Accept": "application/json"}
    stop_at = time.monotonic() + seconds
    latencies, errors = [], []
    lock = threading.Lock()

    def client():
        mine, failed = [], 0
        connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
        while time.monotonic() < stop_at:
            start = time.perf_counter()
            try:
                connection.request("GET", target, headers=headers)
                response = connection.getresponse()
                response.read()
                if response.status != 200:
                    failed += 1
            except (OSError, http.client.HTTPException):
                failed += 1
                connection.close()
                connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
                continue
            mine.append(time.perf_counter() - start)
        connection.close()
        with lock:
            latencies.extend(mine)
            errors.append(failed)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - began
    latencies.sort()

    def percentile(p):
        if not latencies:
            return float("nan")
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "requests": len(latencies),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000 if latencies else float("nan"),
        "p95": percentile(0.95),
        "p99": percentile(0.99),
        "errors": sum(errors),
    }
