from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from agenda.models import Membership, Party


class Command(BaseCommand):
    help = "Create (or reset) the demo accounts of `make run` and print their credentials."

    def add_arguments(self, parser):
        parser.add_argument("--password", default="mkb-agenda-2014")

    @transaction.atomic
    def handle(self, *args, password, **options):
        user_model = get_user_model()
        admin, _ = user_model.objects.get_or_create(username="admin")
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
            user, _ = user_model.objects.get_or_create(username=username)
            user.set_password(password)
            user.save()
            Membership.objects.update_or_create(user=user, party=party, defaults={"role": role})
            accounts.append((username, label))
        self.stdout.write(f"Demo accounts (wachtwoord/password: {password}):")
        for username, label in accounts:
            self.stdout.write(f"  {username:<8} {label}")
        self.stdout.write(
            "Admin: http://127.0.0.1:8000/admin/   API: http://127.0.0.1:8000/api/v1/"
        )
