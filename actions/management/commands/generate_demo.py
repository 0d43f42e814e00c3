"""`python manage.py generate_demo --actions M [--agreements N] [--seed S]`: a large,
deterministic, clearly synthetic agenda on top of the real fixtures, for benchmarks and
demonstrations. Everything it makes is marked: codes start with `DEMO-`, names with
"Demo", sources say "Synthetische demodata". Written with bulk inserts, its history too
(one "created" record per row, a "changed" record and a progress log per moved action)."""

import datetime
import random
from contextlib import contextmanager
from itertools import islice

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.utils import timezone

from actions.choices import ActionStatus
from actions.models import Action, ActionUpdate
from agenda.choices import AgreementPartyRole, AgreementScope, AgreementStatus, PartyKind
from agenda.models import Agreement, AgreementParty, Party, Theme
from config.history import record_in_bulk, record_initial_history
from regions.choices import RegionKind
from regions.models import Region
from regions.services import rebuild_region_closure

SOURCE = "Synthetische demodata (generate_demo), geen feit uit de agenda."
BATCH = 5000
MUNICIPALITIES_PER_PROVINCE = 10
STATUS_WEIGHTS = {
    ActionStatus.PLANNED: 30,
    ActionStatus.IN_PROGRESS: 35,
    ActionStatus.AT_RISK: 10,
    ActionStatus.DONE: 20,
    ActionStatus.CANCELLED: 5,
}
START = datetime.datetime(2015, 1, 1, tzinfo=datetime.UTC)
SPAN_DAYS = 11 * 365


@contextmanager
def own_timestamps(*models):
    """Lets bulk inserts keep the created_at/updated_at they are given (spread over the
    years, as real data is) instead of now."""
    fields = [
        f for model in models for f in model._meta.fields if f.name in ("created_at", "updated_at")
    ]
    saved = [(f, f.auto_now, f.auto_now_add) for f in fields]
    for field in fields:
        field.auto_now = field.auto_now_add = False
    try:
        yield
    finally:
        for field, auto_now, auto_now_add in saved:
            field.auto_now, field.auto_now_add = auto_now, auto_now_add


class Progress:
    """A count on stderr, redrawn in place when it is a terminal."""

    def __init__(self, label, total, stream):
        self.label, self.total, self.stream, self.done = label, total, stream, 0
        self.live = stream.isatty()

    def add(self, n):
        self.done += n
        if self.live:
            self.stream.write(f"\r{self.label}: {self.done}/{self.total}")
            self.stream.flush()

    def finish(self):
        self.stream.write(("\r" if self.live else "") + f"{self.label}: {self.done}/{self.total}\n")


class Command(BaseCommand):
    help = "Add a large synthetic agenda (marked DEMO-) to the real one, for benchmarks."

    def add_arguments(self, parser):
        parser.add_argument("--actions", type=int, required=True)
        parser.add_argument("--agreements", type=int, default=None)
        parser.add_argument("--seed", type=int, default=2014)

    def handle(self, *args, actions, agreements, seed, **options):
        if actions < 1 or actions > 5_000_000:
            raise CommandError("--actions takes a number from 1 to 5,000,000.")
        if Agreement.objects.filter(code__startswith="DEMO-").exists():
            raise CommandError("This database already holds demo data (codes DEMO-…).")
        if not Region.objects.filter(kind=RegionKind.PROVINCE).exists():
            call_command("loaddata", *sorted(fixture_paths()), verbosity=0)
        agreements = agreements or max(20, actions // 200)
        rng = random.Random(seed)
        started = timezone.now()
        timestamped = (Region, Agreement, AgreementParty, Action, ActionUpdate)
        with transaction.atomic(), own_timestamps(*timestamped):
            municipalities = self.make_municipalities(rng)
            made = self.make_agreements(rng, agreements, municipalities)
            self.make_actions(rng, actions, made, municipalities)
            self.stderr.write("history…\n")
            record_initial_history([Region, Agreement])
        seconds = (timezone.now() - started).total_seconds()
        self.stdout.write(
            f"Made {len(municipalities)} demo municipalities, {agreements} agreements and "
            f"{actions} actions in {seconds:.0f} s (seed {seed})."
        )

    def make_municipalities(self, rng):
        provinces = list(Region.objects.filter(kind=RegionKind.PROVINCE).order_by("code"))
        rows = [
            Region(
                code=f"DEMO-GM-{province.code}-{n:02d}",
                name=f"Demogemeente {n} ({province.name})",
                kind=RegionKind.MUNICIPALITY,
                parent=province,
                created_at=START,
                updated_at=START,
            )
            for province in provinces
            for n in range(1, MUNICIPALITIES_PER_PROVINCE + 1)
        ]
        Region.objects.bulk_create(rows)
        rebuild_region_closure()
        return list(Region.objects.filter(code__startswith="DEMO-GM-").select_related("parent"))

    def make_agreements(self, rng, count, municipalities):
        themes = list(Theme.objects.filter(parent__isnull=False)) or list(Theme.objects.all())
        provinces = list(Region.objects.filter(kind=RegionKind.PROVINCE))
        agenda_regions = list(Region.objects.filter(kind=RegionKind.AGENDA_REGION))
        province_party = {
            p.regions.first().pk: p for p in Party.objects.filter(kind=PartyKind.PROVINCE)
        }
        ministry = Party.objects.get(code="EZ")
        agreements, regions_of, links = [], {}, []
        for n in range(count):
            moment = START + datetime.timedelta(days=rng.randrange(SPAN_DAYS))
            regional = rng.random() < 0.7
            status = rng.choices(
                [AgreementStatus.ACTIVE, AgreementStatus.DRAFT, AgreementStatus.ENDED],
                [85, 5, 10],
            )[0]
            agreement = Agreement(
                code=f"DEMO-A{n + 1:05d}",
                title=f"Demo-afspraak {n + 1}",
                description="Synthetische afspraak voor benchmarks en demonstraties.",
                theme=rng.choice(themes),
                scope=AgreementScope.REGIONAL if regional else AgreementScope.GENERIC,
                status=status,
                agreed_on=moment.date(),
                source=SOURCE,
                created_at=moment,
                updated_at=moment,
            )
            agreements.append(agreement)
            if regional:
                region = rng.choice(rng.choice([provinces, agenda_regions, municipalities]))
                regions_of[agreement.code] = region
        Agreement.objects.bulk_create(agreements, batch_size=BATCH)
        saved = {a.code: a for a in Agreement.objects.filter(code__startswith="DEMO-A")}
        through = Agreement.regions.through
        through.objects.bulk_create(
            through(agreement_id=saved[code].pk, region_id=region.pk)
            for code, region in regions_of.items()
        )
        for code, agreement in saved.items():
            region = regions_of.get(code)
            lead = province_party.get(getattr(region, "pk", None)) or ministry
            links.append(
                AgreementParty(
                    agreement=agreement,
                    party=lead,
                    role=AgreementPartyRole.LEAD,
                    created_at=agreement.created_at,
                    updated_at=agreement.created_at,
                )
            )
        AgreementParty.objects.bulk_create(links, batch_size=BATCH)
        return [(saved[a.code], regions_of.get(a.code)) for a in agreements]

    def make_actions(self, rng, count, agreements, municipalities):
        owners = list(Party.objects.filter(kind__in=[PartyKind.PROVINCE, PartyKind.ROM]))
        ministry = Party.objects.get(code="EZ")
        municipalities_in = {}
        for municipality in municipalities:
            municipalities_in.setdefault(municipality.parent_id, []).append(municipality)
        provinces = list(Region.objects.filter(kind=RegionKind.PROVINCE))
        statuses, weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())
        progress = Progress("actions", count, self.stderr)
        numbers = iter(range(1, count + 1))
        while batch := list(islice(numbers, BATCH)):
            rows, moved = [], []
            for n in batch:
                agreement, agreement_region = rng.choice(agreements)
                region = None
                if agreement_region is None and rng.random() < 0.7:
                    province = rng.choice(provinces)
                    region = rng.choice([province, *municipalities_in.get(province.pk, [])])
                elif agreement_region is not None and rng.random() < 0.3:
                    region = rng.choice(
                        municipalities_in.get(agreement_region.pk, [agreement_region])
                    )
                status = rng.choices(statuses, weights)[0]
                created = max(
                    START + datetime.timedelta(days=rng.randrange(SPAN_DAYS)),
                    agreement.created_at,
                )
                changed = created + datetime.timedelta(days=rng.randrange(0, 400))
                due = (created + datetime.timedelta(days=rng.randrange(30, 900))).date()
                done = status == ActionStatus.DONE
                rows.append(
                    Action(
                        agreement=agreement,
                        code=f"DEMO-{n:07d}",
                        title=f"Demo-actie {n}",
                        owner=rng.choice(owners) if rng.random() < 0.9 else ministry,
                        region=region,
                        status=status,
                        progress=100
                        if done
                        else (0 if status == "planned" else rng.randrange(5, 95, 5)),
                        start_date=created.date(),
                        due_date=max(due, created.date()),
                        completed_on=min(changed.date(), due) if done else None,
                        source=SOURCE,
                        created_at=created,
                        updated_at=changed,
                    )
                )
            Action.objects.bulk_create(rows)
            contributors = Action.contributors.through
            contributors.objects.bulk_create(
                contributors(action_id=action.pk, party_id=rng.choice(owners).pk)
                for action in rows
                if rng.random() < 0.3
            )
            updates = []
            for action in rows:
                if action.status == ActionStatus.PLANNED:
                    continue
                moved.append(action)
                updates.append(
                    ActionUpdate(
                        action=action,
                        status_from=ActionStatus.PLANNED,
                        status_to=action.status,
                        progress=action.progress,
                        note="Synthetische voortgangsmelding.",
                        created_at=action.updated_at,
                    )
                )
            ActionUpdate.objects.bulk_create(updates)
            record_history(rows, moved)
            progress.add(len(batch))
        progress.finish()


def record_history(rows, moved):
    """ "Created" as planned, at creation; then, for the actions that moved, "changed" to
    their present state at their last change: as the registry would have recorded them."""
    present = {}
    for action in moved:
        present[action.pk] = (
            action.status,
            action.progress,
            action.completed_on,
            action.updated_at,
        )
        action.status, action.progress, action.completed_on = ActionStatus.PLANNED, 0, None
        action.updated_at = action.created_at
    record_in_bulk(Action, rows, changed=False, dates=[a.created_at for a in rows])
    for action in moved:
        action.status, action.progress, action.completed_on, action.updated_at = present[action.pk]
    record_in_bulk(Action, moved, changed=True, dates=[a.updated_at for a in moved])


def fixture_paths():
    from pathlib import Path

    return [str(p) for p in (Path(__file__).resolve().parents[3] / "fixtures").glob("*.json")]
