from collections import defaultdict, deque

from django.db import connection, transaction

from regions.models import Region, RegionClosure

# Any constant: names the PostgreSQL advisory lock that serializes closure rebuilds.
CLOSURE_LOCK_ID = 0x4D4B4231


@transaction.atomic
def rebuild_region_closure():
    """Recompute the closure table from `parent` and `groups` (a few hundred regions: cheap).

    A cycle through `groups` cannot loop: each region's ancestors are walked breadth-first with
    a visited set; the depth kept is the shortest path. On PostgreSQL concurrent rebuilds
    take turns (a transaction-scoped advisory lock), so two editors saving regions at once
    cannot collide on the unique pairs; SQLite serializes writers by itself."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CLOSURE_LOCK_ID])
    up = defaultdict(set)
    for region_id, parent_id in Region.objects.values_list("id", "parent_id"):
        up[region_id]
        if parent_id:
            up[region_id].add(parent_id)
    for region_id, group_id in Region.groups.through.objects.values_list(
        "from_region_id", "to_region_id"
    ):
        up[region_id].add(group_id)

    rows = []
    for region_id in up:
        seen = {region_id: 0}
        queue = deque([region_id])
        while queue:
            current = queue.popleft()
            for ancestor_id in up[current]:
                if ancestor_id not in seen:
                    seen[ancestor_id] = seen[current] + 1
                    queue.append(ancestor_id)
        rows.extend(
            RegionClosure(ancestor_id=a, descendant_id=region_id, depth=d) for a, d in seen.items()
        )
    RegionClosure.objects.all().delete()
    RegionClosure.objects.bulk_create(rows, batch_size=1000)
