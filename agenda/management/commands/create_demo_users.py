from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils.translation import gettext as _

from agenda.models import Membership, Party


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts of `make run` and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="mkb-agenda-2014")
        parser.add_argument(
            "--allow-without-debug",
            action="store_true",
            help="Set the demo passwords even though DEBUG is off (a production-like setup).",
        )

    def handle(self, *args, password, allow_without_debug, **options):
        # Known passwords on a real registry (admin included) would open it to anyone.
        if not settings.DEBUG and not allow_without_debug:
            raise CommandError(
                _(
                    "Refusing to set the demo accounts' passwords: DEBUG is off, so this may "
                    "be a real registry. Run it with DEBUG=on, or add --allow-without-debug "
                    "if you mean it."
                )
            )
        accounts = self._create(password)
        self.stdout.write(f"Demo accounts (wachtwoord/password: {password}):")
        for username, label in accounts:
            self.stdout.write(f"  {username:<8} {label}")
        self.stdout.write(
            "Admin: http://127.0.0.1:8000/admin/   API: http://127.0.0.1:8000/api/v1/"
        )

    @transaction.atomic
    def _create(self, password):
        user_model = get_user_model()
        admin = user_model.objects.get_or_create(username="admin")[0]
        admin.is_staff = admin.is_superuser = True
        admin.set_password(password)
        admin.save()
        accounts = [("admin", "superuser (ministerie, alles)")]
        for username, party_code, role, label in [
            ("ez", "EZ", "editor", "redacteur Ministerie van EZ (alles)"),
            ("brabant", "PV30", "editor", "redacteur Provincie Noord-Brabant"),
            ("lezer", "IPO", "viewer", "lezer (alleen lezen)"),
        ]:
            party = Party.objects.filter(code=party_code).first()
            if party is None:
                continue
            # Not staff: the membership alone gives their rights (agenda.backends).
            user = user_model.objects.get_or_create(username=username)[0]
            user.set_password(password)
            user.save()
            Membership.objects.update_or_create(user=user, party=party, defaults={"role": role})
            accounts.append((username, label))
        return accounts
