"""What the `changes/` feed announces, written in the transaction of each change.

Every historical record of a resource the API serves (simple-history's, or `record_in_bulk`'s)
becomes entries of agenda.FeedEntry, in the same transaction:

- the record itself under its key; a changed code also under the old key (a reader's copy
  drops the old key: it is `deleted` there);
- every record whose JSON embeds what changed: derived from the API's serializers (a nested
  `{code, name}` of another resource, or rows shown inside the record such as an
  agreement's parties, budget lines, a review's decisions, a goal's measurements) — see
  `Dependants`; and an agreement's status, which decides who sees the records under it.

Each entry says whether readers who see no drafts may hear of it (`public`): the record was
public before the change or is after it. Whether a reader is told `created`/`changed` or
`deleted` is decided when the feed is read (config/api/changes.py)."""

from collections import defaultdict
from dataclasses import dataclass

from django.apps import apps
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.db.models import Exists, Max, OuterRef
from rest_framework import serializers
from simple_history.signals import post_create_historical_record

from agenda.scope import published_history
from config.history import bulk_history_recorded, historical_model

ANONYMOUS = AnonymousUser()
CHUNK = 500
# Fields of an embedded resource that decide more than what its JSON shows: an agreement's
# status decides who may see the actions under it and the review decisions about it.
VISIBILITY_FIELDS = {"Agreement": {"status"}}


def visible_rows(model, user):
    """The rows of `model` that `user` may read: the one rule the lists use."""
    manager = model._default_manager
    visible_to = getattr(manager, "visible_to", None)
    return visible_to(user) if visible_to else manager.all()


@dataclass(frozen=True)
class Dependency:
    """Rows of `model` (a resource) show rows of `trigger`: found by `path` (a lookup from the
    resource to the trigger). `watched` are the trigger's fields shown (None: the trigger is
    a row owned by the resource and shown whole, found back by its foreign key `owner_fk`)."""

    model: type
    path: str
    watched: frozenset | None
    owner_fk: str | None = None


def embedded(serializer, resources, prefix=()):
    """(model, path, fields shown, owner foreign key) for each nested serializer, at any
    depth, of a serializer instance."""
    for field in serializer.fields.values():
        inner = field.child if isinstance(field, serializers.ListSerializer) else field
        if not isinstance(inner, serializers.ModelSerializer) or field.source == "*":
            continue
        model = inner.Meta.model
        path = (*prefix, field.source)
        shown = frozenset(f.source for f in inner.fields.values() if f.source != "*")
        owner_fk = None
        if model not in resources and len(path) == 1:
            owner_fk = serializer.Meta.model._meta.get_field(field.source).field.attname
        yield model, path, shown, owner_fk
        yield from embedded(inner, resources, path)


class Dependants:
    """Which resources embed which rows, derived from the serializers (plus `extra`: what a
    method field shows, `(resource model, path, trigger model, fields)`)."""

    def __init__(self, sources, extra=()):
        resources = {model for _name, model, _key, _serializer in sources}
        self.by_trigger = defaultdict(list)
        self.shown_by = defaultdict(list)  # resource model: [(trigger, path)] of rows it shows
        for _name, model, _key, serializer_class in sources:
            for trigger, path, shown, owner_fk in embedded(serializer_class(), resources):
                self.add(trigger, model, path, shown, owner_fk, resources)
        for model, path, trigger, fields in extra:
            self.add(trigger, model, path, frozenset(fields), None, resources)

    def add(self, trigger, model, path, shown, owner_fk, resources):
        path = "__".join(path) if isinstance(path, tuple) else path
        if trigger in resources:
            names = shown | VISIBILITY_FIELDS.get(trigger.__name__, set())
            watched = frozenset(trigger._meta.get_field(name).attname for name in names)
            self.by_trigger[trigger].append(Dependency(model, path, watched))
            if (trigger, path) not in self.shown_by[model]:
                self.shown_by[model].append((trigger, path))
        elif owner_fk:
            self.by_trigger[trigger].append(Dependency(model, path, None, owner_fk))

    def of(self, model):
        return self.by_trigger.get(model, [])


class Announcer:
    """Writes the feed entries for historical records of one model."""

    def __init__(self, sources, extra=()):
        self.keys = {model: (name, key) for name, model, key, _serializer in sources}
        self.dependants = Dependants(sources, extra)

    def watches(self, model):
        return model in self.keys or bool(self.dependants.of(model))

    def announce(self, model, records):
        if not records or not self.watches(model):
            return
        records = sorted(records, key=lambda record: record.history_id)
        for start in range(0, len(records), CHUNK):  # bounded IN lists (SQLite's limit)
            chunk = records[start : start + CHUNK]
            self.hold_shown_rows(model, chunk)
            self.announce_chunk(model, chunk)

    def hold_shown_rows(self, model, records):
        """Share-lock, until this transaction ends, the rows these records' resources show
        (the party named in a new action, the agreement a new decision is about).

        A rename looks for the records that show the renamed row in its own transaction. One
        created alongside, not yet committed, is not found: if it then commits first, a copy
        fetches it with the old name and no later line corrects it (write skew). Holding
        the shown rows makes the rename's UPDATE wait for this transaction to end, and its
        search then finds this record. PostgreSQL only: SQLite has a single writer."""
        if connection.vendor != "postgresql":
            return
        showing = defaultdict(set)  # resource model: ids of the rows these records change
        if model in self.keys:
            showing[model] |= {r.id for r in records if r.history_type != "-"}
        for dependency in self.dependants.of(model):
            if dependency.watched is None:  # a row its owner shows whole
                showing[dependency.model] |= {getattr(r, dependency.owner_fk) for r in records}
        held = []
        for resource, ids in showing.items():
            ids.discard(None)
            for trigger, path in self.dependants.shown_by[resource] if ids else ():
                shown = resource._base_manager.filter(pk__in=ids).values(path)
                held.append(trigger._base_manager.filter(pk__in=shown).values("pk").query)
        if not held:
            return
        parts, params = [], []
        for number, query in enumerate(held):
            sql, query_params = query.sql_with_params()
            parts.append(f"held_{number} AS ({sql} FOR SHARE)")
            params += query_params
        counts = " + ".join(f"(SELECT count(*) FROM held_{n})" for n in range(len(held)))
        with connection.cursor() as cursor:  # one round trip; a CTE runs when it is read
            cursor.execute(f"WITH {', '.join(parts)} SELECT {counts}", params)

    def announce_chunk(self, model, records):
        FeedEntry = feed_entry_model()

        previous = previous_records(model, records)
        entries = []
        if model in self.keys:
            entries += self.own_entries(model, records, previous)
        for dependency in self.dependants.of(model):
            entries += self.dependant_entries(model, dependency, records, previous)
        unique = {}
        for entry in entries:  # one line per key and kind; public if any of them is
            first = unique.setdefault((entry.type, entry.key, entry.kind), entry)
            first.public = first.public or entry.public
        FeedEntry.objects.bulk_create(unique.values())

    def own_entries(self, model, records, previous):
        FeedEntry = feed_entry_model()

        name, key = self.keys[model]
        ids = {r.id for r in records}
        public_now = ids
        if hasattr(model._default_manager, "visible_to"):  # only what has drafts asks
            public = visible_rows(model, ANONYMOUS).filter(pk__in=ids)
            public_now = set(public.values_list("pk", flat=True))
        public_then = public_records(model, previous.values())
        entries = []
        last = dict(previous)
        for record in records:
            before = last.get(record.id)
            was_public = before is not None and before.history_id in public_then
            now_public = record.history_type != "-" and record.id in public_now
            value = str(getattr(record, key))
            old = None if before is None else str(getattr(before, key))
            common = {"at": record.history_date, "type": name, "object_id": record.id}
            if old is not None and old != value:
                entries.append(FeedEntry(key=old, kind="-", public=was_public, **common))
            kind = "-" if record.history_type == "-" else ("~" if before else "+")
            public = was_public or now_public
            entries.append(FeedEntry(key=value, kind=kind, public=public, **common))
            last[record.id] = None if record.history_type == "-" else record
            if now_public:
                public_then.add(record.history_id)
        return entries

    def dependant_entries(self, model, dependency, records, previous):
        """A `changed` entry for every resource row that shows what these records changed."""
        if dependency.watched is None:
            lookup = "pk"
            triggers = {getattr(r, dependency.owner_fk) for r in records}
            triggers |= {getattr(p, dependency.owner_fk) for p in previous.values()}
            crossing = set()
        else:
            lookup = dependency.path
            changed = [r for r in records if shown_change(r, previous.get(r.id), dependency)]
            triggers = {r.id for r in changed}
            crossing = crossed_visibility(model, changed, previous)
        triggers.discard(None)
        if not triggers:
            return []
        at = records[-1].history_date
        rows = self.rows_showing(dependency.model, {f"{lookup}__in": triggers})
        if crossing:
            crossed = self.rows_showing(dependency.model, {f"{lookup}__in": crossing})
            rows |= dict.fromkeys(crossed, True)
        name, _key = self.keys[dependency.model]
        return [
            feed_entry(at, name, value, pk, "~", public) for (pk, value), public in rows.items()
        ]

    def rows_showing(self, model, lookup):
        _name, key = self.keys[model]
        public = visible_rows(model, ANONYMOUS).filter(pk=OuterRef("pk"))
        rows = (
            model._default_manager.filter(**lookup)
            .annotate(feed_public=Exists(public))
            .values_list("pk", key, "feed_public")
            .distinct()
        )
        return {(pk, str(value)): public for pk, value, public in rows}


def feed_entry_model():
    """The change log's model. It lives in agenda (config has no tables of its own); named,
    not imported, as config imports no app (tests/system/test_layering.py)."""
    return apps.get_model("agenda", "FeedEntry")


def feed_entry(at, name, key, object_id, kind, public):
    FeedEntry = feed_entry_model()

    return FeedEntry(at=at, type=name, key=key, object_id=object_id, kind=kind, public=public)


def shown_change(record, before, dependency):
    """Whether a record changed what `dependency` shows of it (a new or deleted row: no)."""
    if before is None or record.history_type != "~":
        return False
    return any(getattr(record, f) != getattr(before, f) for f in dependency.watched)


def crossed_visibility(model, records, previous):
    """The ids of the records that became, or stopped being, public: what they carry (the
    actions under an agreement) appears or disappears for readers who see no drafts."""
    befores = [previous[r.id] for r in records if r.id in previous]
    if not befores:
        return set()
    public_then = public_records(model, befores)
    public_now = public_records(model, records)
    return {
        r.id
        for r in records
        if r.id in previous
        and (previous[r.id].history_id in public_then) != (r.history_id in public_now)
    }


def public_records(model, records):
    """The history ids of those records that readers without drafts may read."""
    ids = [r.history_id for r in records if r is not None]
    if not ids:
        return set()
    rows = historical_model(model).objects.filter(history_id__in=ids)
    published = published_history(ANONYMOUS, rows)
    if published is rows:  # a resource without drafts: no query
        return set(ids)
    return set(published.values_list("history_id", flat=True))


def previous_records(model, records):
    """`{id: record}`: each row's last record before these (none for a new row, or one whose
    last record was its deletion)."""
    history = historical_model(model).objects
    new = [r.history_id for r in records]
    last = (
        history.filter(id__in={r.id for r in records})
        .exclude(history_id__in=new)
        .values("id")
        .annotate(last=Max("history_id"))
        .values("last")
    )
    return {
        record.id: record
        for record in history.filter(history_id__in=last)
        if record.history_type != "-"
    }


def announcer():
    from config.api.urls import FEED

    return FEED.announcer


def on_record(sender, history_instance, **kwargs):
    announcer().announce(sender.instance_type, [history_instance])


def on_bulk(sender, records, **kwargs):
    announcer().announce(sender, records)


def connect():
    post_create_historical_record.connect(on_record, dispatch_uid="feedlog-record")
    bulk_history_recorded.connect(on_bulk, dispatch_uid="feedlog-bulk")
