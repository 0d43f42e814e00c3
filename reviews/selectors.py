"""What the review pages read: counts, changes, the implementation matrix, goals and trends.

Every figure is aggregated in SQL (GROUP BY with `Count(…, filter=…)`), so the number of
queries and the rows fetched do not grow with the number of actions. Every function takes
the user and reads only what `visible_to(user)` allows, live or on a day of the history
(actions.history). Which day is the rule of config.clock (`reference_day`)."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.db import models
from django.db.models import Count, F, Max, OuterRef, Prefetch, Q, Subquery
from django.utils import timezone

from actions.choices import ActionStatus
from actions.history import on_day
from actions.models import Action, ActionUpdate
from actions.querysets import overdue_q, stalled_q
from agenda.choices import AgreementScope, AgreementStatus, ReviewStatus
from agenda.models import Agreement, Goal, GoalMeasurement, Review, Theme
from config.clock import end_of_day, today
from regions.choices import RegionKind
from regions.models import Region

# Worst first: what a meeting has to talk about leads.
STATUS_ORDER = [
    ActionStatus.AT_RISK,
    ActionStatus.PLANNED,
    ActionStatus.IN_PROGRESS,
    ActionStatus.DONE,
    ActionStatus.CANCELLED,
]
# Shapes beside the colours, so the matrix reads in black and white and for colour-blind eyes.
STATUS_SYMBOLS = {
    ActionStatus.AT_RISK: "!",
    ActionStatus.PLANNED: "○",
    ActionStatus.IN_PROGRESS: "◐",
    ActionStatus.DONE: "✓",
    ActionStatus.CANCELLED: "×",
}
ENDED_AGREEMENT_STATUSES = {
    AgreementStatus.FULFILLED,
    AgreementStatus.REVISED,
    AgreementStatus.ENDED,
}
NATIONAL = ""  # the key of actions outside every agenda region (nationwide, or across them)
OWN_REGION_ANCESTOR = "region__ancestor_links__ancestor"
AGREEMENT_REGION_ANCESTOR = "agreement__regions__ancestor_links__ancestor"
TREND_REVIEWS = 8


def actions_for(user, day=None):
    """The actions the user may see: live, or as they stood at the end of `day`."""
    if day is None:
        return Action.objects.visible_to(user)
    return on_day(Action, day, user)


def agreements_for(user, day=None):
    if day is None:
        return Agreement.objects.visible_to(user)
    return on_day(Agreement, day, user)


# The reference day (peildatum): the rule is config.clock.reference_day ------------------


def last_change_day(user):
    """The day of the latest change the user can see in actions, agreements or progress logs."""
    actions = Action.objects.visible_to(user)
    moments = [
        actions.aggregate(at=Max("updated_at"))["at"],
        Agreement.objects.visible_to(user).aggregate(at=Max("updated_at"))["at"],
        ActionUpdate.objects.filter(action__in=actions).aggregate(at=Max("created_at"))["at"],
    ]
    moments = [m for m in moments if m is not None]
    return timezone.localtime(max(moments)).date() if moments else None


# Counts ---------------------------------------------------------------------------------


def moment_of(day):
    """Now for today (as the live lists judge), else the end of that day."""
    return timezone.now() if day >= today() else end_of_day(day)


def late_and_stalled(day):
    """The aggregates every count table shows: all, overdue and stalled on `day`."""
    return {
        "total": Count("id"),
        "overdue": Count("id", filter=overdue_q(day)),
        "stalled": Count(
            "id", filter=stalled_q(settings.STALLED_AFTER_DAYS, moment_of(day), on_day=True)
        ),
    }


def by_agenda_region(actions, fields, aggregates):
    """Rows of `fields` + `agenda_region` (a code, or NATIONAL) with the aggregates. An action
    counts in the agenda region its own region lies in, else in those of its agreement's
    regions (as the `region` filter reads it); in NATIONAL when in none."""
    own = (
        actions.filter(**{f"{OWN_REGION_ANCESTOR}__kind": RegionKind.AGENDA_REGION})
        .values(*fields, agenda_region=F(f"{OWN_REGION_ANCESTOR}__code"))
        .annotate(**aggregates)
    )
    via_agreement = (
        actions.filter(
            region__isnull=True,
            **{f"{AGREEMENT_REGION_ANCESTOR}__kind": RegionKind.AGENDA_REGION},
        )
        .values(*fields, agenda_region=F(f"{AGREEMENT_REGION_ANCESTOR}__code"))
        .annotate(**aggregates)
    )
    in_any = actions.filter(
        Q(**{f"{OWN_REGION_ANCESTOR}__kind": RegionKind.AGENDA_REGION})
        | Q(region__isnull=True, **{f"{AGREEMENT_REGION_ANCESTOR}__kind": RegionKind.AGENDA_REGION})
    )
    national = (
        actions.exclude(id__in=in_any.values("id"))
        .values(*fields)
        .annotate(**aggregates)
        .order_by()
    )
    merged = {}
    # The three groups of actions are disjoint (own region / none but the agreement's /
    # neither), so the counts of a key add up.
    for row in [
        *own.order_by(),
        *via_agreement.order_by(),
        *({**row, "agenda_region": NATIONAL} for row in national),
    ]:
        key = (*(row[f] for f in fields), row["agenda_region"])
        if key in merged:
            for name in aggregates:
                merged[key][name] += row[name]
        else:
            merged[key] = dict(row)
    return list(merged.values())


def agenda_regions():
    return list(Region.objects.filter(kind=RegionKind.AGENDA_REGION).order_by("name"))


def themes_in_order():
    """Themes under their main theme: main themes by name, each followed by its sub-themes;
    themes without a main theme last."""
    themes = list(Theme.objects.select_related("parent").order_by("name"))
    mains = [t for t in themes if t.parent_id is None and any(s.parent_id == t.pk for s in themes)]
    ordered = []
    for main in mains:
        ordered += [t for t in themes if t.parent_id == main.pk]
    ordered += [t for t in themes if t.parent_id is None and t not in mains]
    return ordered


@dataclass
class CountTable:
    """Rows × statuses, with totals, overdue and stalled per row (an accessible table that a
    chart draws)."""

    rows: list  # [(key, label)]
    cells: dict = field(default_factory=dict)  # {(row key, status): n}
    overdue: dict = field(default_factory=dict)  # {row key: n}
    stalled: dict = field(default_factory=dict)

    @property
    def statuses(self):
        return STATUS_ORDER

    def total(self, key):
        return sum(self.cells.get((key, s), 0) for s in STATUS_ORDER)

    def column_total(self, status):
        return sum(self.cells.get((key, status), 0) for key, _label in self.rows)

    @property
    def grand_total(self):
        return sum(self.total(key) for key, _label in self.rows)

    def table_rows(self):
        return [
            {
                "key": key,
                "label": label,
                "cells": [(s, self.cells.get((key, s), 0)) for s in STATUS_ORDER],
                "total": self.total(key),
                "overdue": self.overdue.get(key, 0),
                "stalled": self.stalled.get(key, 0),
            }
            for key, label in self.rows
        ]


class ActionFigures:
    """The actions counted once, for every table of the dashboard and the report: one query
    grouped by (agreement, own region, status) with all, overdue and stalled per group (no
    join, so no DISTINCT), then spread over themes and agenda regions here, from the
    agreements' themes and the regions' agenda regions (small tables, read once). The same
    answer as counting each table in SQL (`status_by_theme`, `status_by_agenda_region`,
    `totals`), read in one pass over the actions instead of five."""

    def __init__(self, actions, day):
        self.groups = list(
            actions.values("agreement_id", "region_id", "status")
            .annotate(**late_and_stalled_plain(day))
            .order_by()
        )
        self.themes = dict(Agreement.objects.values_list("id", "theme__code"))
        self.places = AgendaPlaces()

    def agenda_regions(self, group):
        return self.places.of(group["region_id"], group["agreement_id"])

    def totals(self):
        return {name: sum(g[name] for g in self.groups) for name in ("total", "overdue", "stalled")}

    def table(self, key_of):
        table = CountTable(rows=[])
        for group in self.groups:
            for key in key_of(group):
                cell = (key, group["status"])
                table.cells[cell] = table.cells.get(cell, 0) + group["total"]
                table.overdue[key] = table.overdue.get(key, 0) + group["overdue"]
                table.stalled[key] = table.stalled.get(key, 0) + group["stalled"]
        return table

    def by_theme(self):
        table = self.table(lambda g: [self.themes.get(g["agreement_id"])])
        present = {key for key, _status in table.cells}
        table.rows = [(t.code, t.name) for t in themes_in_order() if t.code in present]
        return table

    def by_agenda_region(self, national_label):
        table = self.table(self.agenda_regions)
        table.rows = [(r.code, r.name) for r in agenda_regions()]
        if any(key == NATIONAL for key, _status in table.cells):
            table.rows.append((NATIONAL, national_label))
        return table


def late_and_stalled_plain(day):
    """`late_and_stalled` for rows that no join repeats (each action once, live or on a day):
    plain counts."""
    return {
        "total": Count("id"),
        "overdue": Count("id", filter=overdue_q(day)),
        "stalled": Count(
            "id", filter=stalled_q(settings.STALLED_AFTER_DAYS, moment_of(day), on_day=True)
        ),
    }


class AgendaPlaces:
    """Which agenda regions an action counts in, as `by_agenda_region` reads it, from two
    small tables read once: its own region's agenda regions, else (no own region) its
    agreement's regions'; NATIONAL when in none."""

    def __init__(self):
        self.own_regions = agenda_regions_of(
            Region.objects.filter(ancestor_links__ancestor__kind=RegionKind.AGENDA_REGION),
            "id",
            "ancestor_links__ancestor__code",
        )
        self.agreement_regions = agenda_regions_of(
            Agreement.regions.through.objects.filter(
                region__ancestor_links__ancestor__kind=RegionKind.AGENDA_REGION
            ),
            "agreement_id",
            "region__ancestor_links__ancestor__code",
        )

    def of(self, region_id, agreement_id):
        if region_id is not None:
            codes = self.own_regions.get(region_id)
        else:
            codes = self.agreement_regions.get(agreement_id)
        return codes or {NATIONAL}


def agenda_regions_of(queryset, key, code):
    """{key: {agenda region codes}} from (key, code) rows."""
    found = defaultdict(set)
    for row_key, row_code in queryset.values_list(key, code):
        found[row_key].add(row_code)
    return found


def status_by_theme(actions, day):
    rows = (
        actions.values("agreement__theme__code", "status")
        .annotate(**late_and_stalled(day))
        .order_by()
    )
    table = CountTable(rows=[])
    for row in rows:
        key = row["agreement__theme__code"]
        table.cells[(key, row["status"])] = row["total"]
        table.overdue[key] = table.overdue.get(key, 0) + row["overdue"]
        table.stalled[key] = table.stalled.get(key, 0) + row["stalled"]
    present = {key for key, _status in table.cells}
    table.rows = [(t.code, t.name) for t in themes_in_order() if t.code in present]
    return table


def status_by_agenda_region(actions, day, national_label):
    table = CountTable(rows=[])
    for row in by_agenda_region(actions, ["status"], late_and_stalled(day)):
        key = row["agenda_region"]
        table.cells[(key, row["status"])] = table.cells.get((key, row["status"]), 0) + row["total"]
        table.overdue[key] = table.overdue.get(key, 0) + row["overdue"]
        table.stalled[key] = table.stalled.get(key, 0) + row["stalled"]
    table.rows = [(r.code, r.name) for r in agenda_regions()]
    if any(key == NATIONAL for key, _status in table.cells):
        table.rows.append((NATIONAL, national_label))
    return table


def totals(actions, day):
    """All, overdue and stalled actions, in one query."""
    return actions.aggregate(**late_and_stalled(day))


# What changed between two days ----------------------------------------------------------


@dataclass
class Changes:
    """What changed after the end of `since` up to the end of `until`, per agenda region."""

    since: datetime.date
    until: datetime.date
    agreements: dict = field(default_factory=dict)  # {"new"|"changed"|"ended": [agreement rows]}
    moves: list = field(default_factory=list)  # [{agenda_region, status_from, status_to, n}]
    regions: list = field(default_factory=list)  # [(code, name)], agenda regions + NATIONAL

    def moves_for(self, region_code):
        return [m for m in self.moves if m["agenda_region"] == region_code]

    def per_region(self, only=None):
        """One row per agenda region (and NATIONAL): its new, changed and ended agreements
        and its actions' status moves."""
        rows = []
        for code, name in self.regions:
            if only is not None and code != only:
                continue
            row = {"code": code, "name": name, "moves": self.moves_for(code)}
            for kind in ("new", "changed", "ended"):
                row[kind] = [a for a in self.agreements.get(kind, []) if code in a.agenda_regions]
            row["kinds"] = [row["new"], row["changed"], row["ended"]]
            rows.append(row)
        return rows

    @property
    def is_empty(self):
        return not self.moves and not any(self.agreements.values())


def changed_ids(model, since, until):
    history = model.history.model._default_manager
    return history.filter(
        history_date__gte=end_of_day(since), history_date__lt=end_of_day(until)
    ).values("id")


def agreement_changes(user, since, until):
    """Agreements new, changed and ended in the period, from their recorded history, each with
    the agenda regions it concerns (NATIONAL for generic ones)."""
    before = on_day(Agreement, since, user)
    after = (
        on_day(Agreement, until, user)
        .filter(id__in=changed_ids(Agreement, since, until))
        .annotate(status_before=Subquery(before.filter(id=OuterRef("id")).values("status")[:1]))
        .select_related("theme")
        .order_by("code")
    )
    rows = list(after)
    gone = list(
        before.filter(id__in=changed_ids(Agreement, since, until))
        .exclude(id__in=on_day(Agreement, until).values("id"))
        .order_by("code")
    )
    regions = defaultdict(set)
    links = Agreement.regions.through.objects.filter(
        agreement_id__in=[r.id for r in [*rows, *gone]],
        region__ancestor_links__ancestor__kind=RegionKind.AGENDA_REGION,
    ).values_list("agreement_id", "region__ancestor_links__ancestor__code")
    for agreement_id, code in links:
        regions[agreement_id].add(code)
    result = {"new": [], "changed": [], "ended": []}
    for row in [*rows, *gone]:
        row.agenda_regions = sorted(regions.get(row.id, set())) or [NATIONAL]
        if row in gone:
            row.status_before = row.status
            row.removed = True
            result["ended"].append(row)
        elif row.status_before is None:
            result["new"].append(row)
        elif (
            row.status in ENDED_AGREEMENT_STATUSES
            and row.status_before not in ENDED_AGREEMENT_STATUSES
        ):
            result["ended"].append(row)
        else:
            result["changed"].append(row)
    return result


def status_moves(user, since, until):
    """Net status moves of actions in the period (the status on `since` → on `until`) per
    agenda region; actions that did not exist before move from None (new).

    The states on both days are read once each (two flat queries, no join: the live table for
    today) and compared here; an action whose status is the same on both days did not move.
    Comparing in one statement (a subquery per row, repeated in every grouping) took seconds
    at 10,000 actions; selecting the changed ones first, seconds at 100,000."""
    before = dict(actions_for(user, since).values_list("id", "status"))
    after = actions_for(user, None if until >= today() else until).values_list(
        "id", "status", "region_id", "agreement_id"
    )
    places = AgendaPlaces()
    counts = defaultdict(int)
    for action_id, status, region_id, agreement_id in after:
        status_before = before.get(action_id)
        if status_before != status:
            for code in places.of(region_id, agreement_id):
                counts[(code, status_before, status)] += 1
    rows = [
        {"agenda_region": region, "status_before": status_before, "status": status, "n": n}
        for (region, status_before, status), n in counts.items()
    ]
    order = {s: i for i, s in enumerate(STATUS_ORDER)}
    return sorted(
        (
            {
                "agenda_region": row["agenda_region"],
                "status_from": row["status_before"],
                "status_to": row["status"],
                "from_label": ActionStatus(row["status_before"]).label
                if row["status_before"]
                else None,
                "to_label": ActionStatus(row["status"]).label,
                "n": row["n"],
            }
            for row in rows
        ),
        key=lambda m: (
            m["agenda_region"],
            -1 if m["status_from"] is None else order[m["status_from"]],
            order[m["status_to"]],
        ),
    )


def changes_between(user, since, until, national_label):
    changes = Changes(since=since, until=until)
    if until <= since:
        return changes
    changes.agreements = agreement_changes(user, since, until)
    changes.moves = status_moves(user, since, until)
    changes.regions = [(r.code, r.name) for r in agenda_regions()] + [(NATIONAL, national_label)]
    return changes


# The implementation matrix --------------------------------------------------------------


@dataclass
class Cell:
    counts: dict  # {status: n}
    overdue: int = 0

    @property
    def worst(self):
        return next((s for s in STATUS_ORDER if self.counts.get(s)), None)

    @property
    def total(self):
        return sum(self.counts.values())

    def statuses(self):
        return [(s, self.counts[s]) for s in STATUS_ORDER if self.counts.get(s)]

    @property
    def summary(self):
        """ "2 planned, 1 done" (worst first), for the cell's title and screen readers."""
        return ", ".join(f"{n} {ActionStatus(s).label}" for s, n in self.statuses())

    @property
    def symbol(self):
        return STATUS_SYMBOLS[self.worst]


def implementation_matrix(agreements, actions, day):
    """{(agreement id, region code or NATIONAL): Cell} for the generic agreements given: the
    status of the actions whose own region lies in each province and each agenda region
    (as `?agreement=…&region=…` reads it), and of the others (nationwide or across
    provinces) under NATIONAL.

    One grouped read (agreement, own region, status; no join), spread over the places here
    from the region tree (a small table, read once)."""
    groups = (
        actions.filter(agreement_id__in=agreements.values("id"))
        .values("agreement_id", "region_id", "status")
        .annotate(n=Count("id"), late=Count("id", filter=overdue_q(day)))
        .order_by()
    )
    kinds = [RegionKind.PROVINCE, RegionKind.AGENDA_REGION]
    places, in_province = defaultdict(set), set()
    links = Region.objects.filter(ancestor_links__ancestor__kind__in=kinds).values_list(
        "id", "ancestor_links__ancestor__code", "ancestor_links__ancestor__kind"
    )
    for region_id, code, kind in links:
        places[region_id].add(code)
        if kind == RegionKind.PROVINCE:
            in_province.add(region_id)
    cells = {}
    for row in groups:
        targets = set(places.get(row["region_id"], ()))
        if row["region_id"] not in in_province:
            targets.add(NATIONAL)
        for place in targets:
            cell = cells.setdefault((row["agreement_id"], place), Cell(counts={}))
            cell.counts[row["status"]] = cell.counts.get(row["status"], 0) + row["n"]
            cell.overdue += row["late"]
    return cells


def provinces():
    """The twelve provinces in CBS order (north to south)."""
    return list(Region.objects.filter(kind=RegionKind.PROVINCE).order_by("code"))


def generic_only(agreements):
    return agreements.filter(scope=AgreementScope.GENERIC)


# Goals and trends -----------------------------------------------------------------------


def goals(day=None):
    """The goals with their measurements: all of them, or those known (recorded) by the end of
    `day`, a past reference day."""
    measurements = GoalMeasurement.objects.order_by("year")
    if day is not None and day < today():
        measurements = measurements.filter(created_at__lt=end_of_day(day))
    return list(
        Goal.objects.prefetch_related(Prefetch("measurements", measurements)).order_by("code")
    )


def snapshot_of(actions, agreements):
    """The frozen counts of a held review: actions by status × theme × agenda region, their
    totals by status, and the agreements by status. Drafts are not part of what was agreed,
    so they are left out (callers pass querysets without them)."""
    cells = by_agenda_region(
        actions, ["status", "agreement__theme__code"], {"n": Count("id", distinct=True)}
    )
    totals_by_status = dict(
        actions.values_list("status").annotate(n=Count("id")).order_by().values_list("status", "n")
    )
    by_agreement_status = dict(
        agreements.values_list("status")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("status", "n")
    )
    return {
        "taken_at": timezone.now().isoformat(),
        "counts": sorted(
            (
                {
                    "status": row["status"],
                    "theme": row["agreement__theme__code"],
                    "agenda_region": row["agenda_region"],
                    "count": row["n"],
                }
                for row in cells
            ),
            key=lambda c: (c["agenda_region"], c["theme"], c["status"]),
        ),
        "actions_by_status": totals_by_status,
        "agreements_by_status": by_agreement_status,
    }


def published(queryset):
    """Without drafts (or actions under drafts): what anonymous readers see."""
    return queryset.visible_to(AnonymousUser())


@dataclass
class TrendPoint:
    review: Review
    by_status: dict
    reconstructed: bool  # held before the registry froze snapshots: counted from the history

    @property
    def cells(self):
        return [self.by_status.get(s, 0) for s in STATUS_ORDER]


def trend(until=None):
    """Actions by status at each held review (the latest few): from the frozen snapshot, or,
    for reviews held before the registry recorded one, from the history of that day. Drafts
    never count (the snapshot leaves them out too)."""
    held = Review.objects.filter(status=ReviewStatus.HELD)
    if until is not None:
        held = held.filter(date__lte=until)
    reviews = list(held.order_by("-date")[:TREND_REVIEWS])[::-1]
    first = Action.history.aggregate(first=models.Min("history_date"))["first"]
    points = []
    for review in reviews:
        if review.snapshot and "actions_by_status" in review.snapshot:
            points.append(TrendPoint(review, review.snapshot["actions_by_status"], False))
        elif first is not None and end_of_day(review.date) > first:
            state = published(on_day(Action, review.date))
            counts = dict(
                state.values_list("status")
                .annotate(n=Count("id"))
                .order_by()
                .values_list("status", "n")
            )
            points.append(TrendPoint(review, counts, True))
    return points


def last_held_review(before_or_on):
    return (
        Review.objects.filter(status=ReviewStatus.HELD, date__lte=before_or_on)
        .order_by("-date")
        .first()
    )


def last_held_review_before(day):
    return Review.objects.filter(status=ReviewStatus.HELD, date__lt=day).order_by("-date").first()


def next_planned_review():
    return Review.objects.filter(status=ReviewStatus.PLANNED).order_by("date").first()


# Reviews and saved filters -------------------------------------------------------------


def visible_decisions(review, user):
    visible = Agreement.objects.visible_to(user)
    return (
        review.decisions.filter(agreement__in=visible)
        .select_related("agreement__theme", "agreement__supersedes")
        .prefetch_related(
            Prefetch("agreement__superseded_by", visible.order_by("code"), to_attr="successors")
        )
        .order_by("agreement__code")
    )


def held_on(review):
    """The day a held review's decisions took effect: its date, or the later day on which it
    was recorded as held (a review entered after the meeting)."""
    record = review.history.filter(status=ReviewStatus.HELD).order_by("history_date").first()
    if record is None:
        return review.date
    return max(review.date, timezone.localtime(record.history_date).date())
