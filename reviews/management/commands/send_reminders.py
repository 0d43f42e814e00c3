from django.conf import settings
from django.core.mail import EmailMessage
from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation

from config.clock import CHOSEN, DATA, TODAY
from config.forms import ReferenceDayForm
from reviews.models import ReminderLog
from reviews.reminders import due_reminders

# Why the reference day is the one it is, for the operator (config.clock).
REASONS = {TODAY: "today", CHOSEN: "chosen with --as-of", DATA: "AGENDA_SNAPSHOT_DATE"}


class Command(BaseCommand):
    help = (
        "Mail each party's editors their overdue and stalled actions on the reference day "
        "(today, or AGENDA_SNAPSHOT_DATE when set), at most once a day per party (a second "
        "run the same day sends nothing)."
    )

    def add_arguments(self, parser):
        parser.add_argument(
            "--dry-run", action="store_true", help="Show what would be sent; send nothing."
        )
        parser.add_argument(
            "--as-of",
            metavar="YYYY-MM-DD|today",
            help="Judge on this reference day instead of the installation's.",
        )

    def handle(self, *args, dry_run=False, as_of=None, **options):
        form = ReferenceDayForm({"as_of": as_of or ""})
        if not form.is_valid():
            raise CommandError(f"--as-of: {' '.join(form.errors['as_of'])}")
        reference = form.reference()
        today = timezone.localdate()
        sent = skipped = quiet = recipients_total = 0
        overdue_total = stalled_total = 0
        with translation.override(settings.LANGUAGE_CODE):
            for reminder in due_reminders(reference):
                if not reminder.recipients:
                    continue
                if not reminder.overdue and not reminder.stalled:
                    quiet += 1
                    continue
                if ReminderLog.objects.filter(party=reminder.party, day=today).exists():
                    skipped += 1
                    continue
                subject, body = self.message(reminder, reference)
                if dry_run:
                    self.stdout.write(
                        f"would mail {reminder.party.code} → {', '.join(reminder.recipients)}: "
                        f"{len(reminder.overdue)} overdue, {len(reminder.stalled)} stalled"
                    )
                else:
                    try:
                        with transaction.atomic():
                            ReminderLog.objects.create(
                                party=reminder.party,
                                day=today,
                                recipients="\n".join(reminder.recipients),
                                overdue=len(reminder.overdue),
                                stalled=len(reminder.stalled),
                            )
                            EmailMessage(subject, body, to=reminder.recipients).send()
                    except IntegrityError:  # another run mailed this party a moment ago
                        skipped += 1
                        continue
                sent += 1
                recipients_total += len(reminder.recipients)
                overdue_total += len(reminder.overdue)
                stalled_total += len(reminder.stalled)
        verb = "would mail" if dry_run else "mailed"
        self.stdout.write(
            f"Reminders {today:%Y-%m-%d}, judged on {reference.day:%Y-%m-%d} "
            f"({REASONS[reference.reason]}): {verb} {sent} parties ({recipients_total} recipients; "
            f"{overdue_total} overdue and {stalled_total} stalled actions); "
            f"{skipped} already reminded today; {quiet} with nothing overdue or stalled."
        )

    def message(self, reminder, reference):
        context = {
            "reminder": reminder,
            "reference": reference,
            "as_of": f"&as_of={reference.as_of}" if reference.as_of else "",
            "site": settings.SITE_URL.rstrip("/"),
            "days": settings.STALLED_AFTER_DAYS,
        }
        subject = render_to_string("reviews/reminder_subject.txt", context).strip()
        return subject, render_to_string("reviews/reminder_body.txt", context)
