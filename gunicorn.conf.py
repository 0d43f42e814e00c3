"""gunicorn in production (`make serve`) and in the benchmark: the same settings.

Threads per worker keep a worker answering while one of its threads streams a long export;
workers give the cores. Every value can be set from the environment."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2))
threads = int(os.environ.get("GUNICORN_THREADS", "4"))
worker_class = "gthread"
# A request timeout in two parts. gunicorn restarts a worker that has not answered for
# `timeout` seconds; with threads (gthread) a worker stays alive while one thread is busy, so
# the limit a single slow request meets is the database's: no statement runs longer than
# DATABASE_STATEMENT_TIMEOUT (config/settings.py, 20 s by default), and the request then gets
# a 503 page instead of holding a thread. Keep `timeout` above it.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# The longest request line the API documents must reach the API: 100 keys of up to 60
# characters (`?code=…&code=…`, config/filters.py) make ~6,700 bytes, past gunicorn's default
# of 4,094, which it refuses with its own HTML 414. 8,190 is gunicorn's maximum and nginx's
# default buffer size (large_client_header_buffers 8k).
limit_request_line = 8190
# Recycle workers now and then: a slow leak never takes a server down.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
