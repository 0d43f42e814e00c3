"""`python manage.py import_actions FILE [--dry-run] [--as USERNAME]`: an action list from a
spreadsheet (.xlsx or .csv, as the export writes it) into the registry, through the same
services and scope as the admin and the API (actions.importing). Nothing is saved unless
every row passes; exit status 1 when a row or the file is refused."""

import sys
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from actions.importing.importer import ActionImporter
from actions.importing.report import report_lines
from config.spreadsheets.reading import ImportSource

# Who an import without --as is, in the history: this account, named after the command. It
# has full rights and no usable password (nobody logs in as it).
COMMAND_USERNAME = "import_actions"
COMMAND_FULL_NAME = "manage.py import_actions"


def command_user():
    user, created = get_user_model().objects.get_or_create(
        username=COMMAND_USERNAME,
        defaults={"first_name": COMMAND_FULL_NAME, "is_superuser": True, "is_active": True},
    )
    if created:
        user.set_unusable_password()
        user.save(update_fields=["password"])
    return user


class Command(BaseCommand):
    help = (
        "Import actions from a spreadsheet (.xlsx or .csv) as the export writes it: rows with "
        "an id update that action, rows without one create one. Nothing is saved unless every "
        "row is valid."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="The .xlsx or .csv file.")
        parser.add_argument(
            "--dry-run",
            action="store_true",
            help="Check every row and report what would change; save nothing.",
        )
        parser.add_argument(
            "--as",
            dest="username",
            metavar="USERNAME",
            help="Import with this user's rights, recorded as them in the history. Without "
            f"it: full rights, recorded as the user '{COMMAND_USERNAME}'.",
        )
        parser.add_argument(
            "--language",
            default=None,
            help="Language of the report (nl or en); the site's language by default.",
        )

    def handle(self, *args, file, dry_run, username, language, **options):
        with translation.override(language or settings.LANGUAGE_CODE):
            return self._import(Path(file), dry_run=dry_run, username=username)

    def _import(self, path, *, dry_run, username):
        if not path.is_file():
            raise CommandError(_("No such file: %(path)s") % {"path": path})
        source = ImportSource.from_path(path)
        progress = self._progress if sys.stderr.isatty() else None
        # The import's own transaction is nested in this one, which also holds the creation
        # of the command's user: a dry run or a refused file leaves no trace at all.
        with transaction.atomic():
            user = self._user(username)
            report = ActionImporter(user, progress=progress).run(source, dry_run=dry_run)
            if not report.committed:
                transaction.set_rollback(True)
        if progress is not None:
            self.stderr.write("\r\033[K", style_func=str, ending="")
        for line in report_lines(report):
            self.stdout.write(line)
        if not report.ok:
            raise CommandError(_("The import was refused; see the report above."), returncode=1)

    def _user(self, username):
        if username is None:
            return command_user()
        user = get_user_model().objects.filter(username=username).first()
        if user is None:
            raise CommandError(_("No user “%(name)s”.") % {"name": username})
        if not user.is_active:
            raise CommandError(_("User “%(name)s” is inactive.") % {"name": username})
        return user

    def _progress(self, done, total):
        line = _("Row %(done)s of %(total)s…") % {"done": done, "total": total}
        self.stderr.write("\r" + line, style_func=str, ending="")
        self.stderr.flush()
