"""Running the queued jobs in this process, with the database backend's own worker
(django-tasks-db's `db_worker`): each ready task is claimed and run by its `Worker.run_task`.
(`Worker.run()` itself closes the connection between tasks, which would end a test's
transaction; the subprocess test runs the whole command.)"""

from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult


def run_jobs():
    worker = Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id="in-process",
        excluded_queue_names=[],
    )
    ran = 0
    while (result := DBTaskResult.objects.ready().order_by("enqueued_at").first()) is not None:
        result.claim(worker.worker_id)
        worker.run_task(result)
        ran += 1
    return ran
