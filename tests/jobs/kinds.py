"""Job kinds for the tests: real kinds (they run in the real worker), registered by the tests
that use them."""

import os
import time

from actions.import_jobs import run_import
from jobs.runner import JobResult


def count_to_three(job, progress):
    for done in range(1, 4):
        progress(done, 3)
    return JobResult(
        result={"counted": 3},
        content=b"een;twee;drie\n",
        file_name="tellen.csv",
        content_type="text/csv",
    )


def stopping_import(job, progress):
    """The import, which — once its first rows are written inside its transaction — tells the
    test (a file) and then takes its time, so that the test can kill its worker there."""
    marker = job.parameters["marker"]

    def slow(done, total=None):
        progress(done, total)
        if done and not os.path.exists(marker):
            with open(marker, "w") as f:
                f.write(str(done))
            time.sleep(60)

    return run_import(job, slow)


def quiet_for_a_while(job, progress):
    """Reports no progress for a while, then tells when its heartbeat was last written."""
    time.sleep(0.6)
    job.refresh_from_db()
    return JobResult(result={"started": str(job.started_at), "heartbeat": str(job.heartbeat_at)})
