import time

from django.core.management.base import BaseCommand

from jobs.schedule import enqueue_due


class Command(BaseCommand):
    help = (
        "Put the periodic tasks on the queue when they are due (daily reminders at "
        "REMINDERS_AT, clean-up every CLEAN_UP_MINUTES); the workers run them. Several "
        "schedulers may run: each run is enqueued once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--once", action="store_true", help="Check once, then stop.")
        parser.add_argument(
            "--interval", type=float, default=30, help="Seconds between checks (30)."
        )

    def handle(self, *args, once=False, interval=30, **options):
        while True:
            for name in enqueue_due():
                self.stdout.write(f"enqueued {name}")
            if once:
                return
            time.sleep(interval)
