from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from agenda.services import api_token_create


class Command(BaseCommand):
    help = "Make an API token for a user and print its key (the only time it is shown)."

    def add_arguments(self, parser):
        parser.add_argument("username")
        parser.add_argument("--name", default="", help="What the token is for.")

    def handle(self, *args, username, name, **options):
        user = get_user_model().objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(_("No active user “%(name)s”.") % {"name": username})
        token, key = api_token_create(user=user, name=name)
        self.stdout.write(key)
        self.stderr.write(
            _("Valid until %(date)s or until the password of %(name)s changes.")
            % {"date": token.expires_at.isoformat(timespec="minutes"), "name": username}
        )
