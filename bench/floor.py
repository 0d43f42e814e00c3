"""The floor: what the benchmark's API pages cost when written by hand. A bare WSGI app (one
psycopg connection per worker, hand-written SQL, orjson) that answers the benchmark's cases
with the same bytes as the registry's API; the benchmark checks that before measuring, so a
floor that does less work is no floor. Served by gunicorn with the registry's own settings:

    DATABASE_URL=postgres://… gunicorn -c gunicorn.conf.py bench.floor:application
"""

import base64
import datetime
import json
import os
import threading
from urllib.parse import parse_qsl, urlencode
from zoneinfo import ZoneInfo

import orjson
import psycopg

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
CLOSED = ("done", "cancelled")
PAGE_SIZE, MAX_PAGE_SIZE = 50, 500
local = threading.local()

ACTION_COLUMNS = """
    a.id, a.code, g.code, g.title, t.code, a.title, a.description, o.code, o.name,
    r.code, r.name, a.status, a.progress, a.start_date, a.due_date, a.completed_on,
    a.result, a.source, a.version, a.created_at, a.updated_at
"""
ACTION_JOINS = """
    FROM actions_action a
    JOIN agenda_agreement g ON g.id = a.agreement_id
    JOIN agenda_theme t ON t.id = g.theme_id
    JOIN agenda_party o ON o.id = a.owner_id
    LEFT JOIN regions_region r ON r.id = a.region_id
"""
# Anonymous readers: nothing under a draft agreement.
PUBLIC_ACTIONS = "a.agreement_id NOT IN (SELECT id FROM agenda_agreement WHERE status = 'draft')"
AROUND = """
    (SELECT c.descendant_id FROM regions_regionclosure c JOIN regions_region x
        ON x.id = c.ancestor_id WHERE x.code = %(region)s
     UNION SELECT c.ancestor_id FROM regions_regionclosure c JOIN regions_region x
        ON x.id = c.descendant_id WHERE x.code = %(region)s)
"""
APPLIES_TO = f"""
    (a.region_id IN {AROUND} OR (a.region_id IS NULL AND a.agreement_id IN (
        SELECT id FROM agenda_agreement WHERE scope = 'generic'
        UNION SELECT agreement_id FROM agenda_agreement_regions WHERE region_id IN {AROUND})))
"""


def connection():
    if getattr(local, "db", None) is None or local.db.closed:
        local.db = psycopg.connect(os.environ["DATABASE_URL"], autocommit=True)
    return local.db


def stamp(moment):
    return moment.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def day(value):
    return value.isoformat() if value else None


def link(base, params, **changes):
    query = {**params, **changes}
    query = {k: v for k, v in query.items() if v is not None}
    return f"{base}?{urlencode(sorted(query.items()))}" if query else base


def action_rows(cursor, ids):
    if not ids:
        return []
    cursor.execute(f"SELECT {ACTION_COLUMNS} {ACTION_JOINS} WHERE a.id = ANY(%s)", [ids])
    by_id = {row[0]: row for row in cursor.fetchall()}
    cursor.execute(
        "SELECT ac.action_id, p.code, p.name FROM actions_action_contributors ac "
        "JOIN agenda_party p ON p.id = ac.party_id WHERE ac.action_id = ANY(%s) "
        "ORDER BY p.code, p.id",
        [ids],
    )
    contributors = {}
    for action_id, code, name in cursor.fetchall():
        contributors.setdefault(action_id, []).append({"code": code, "name": name})
    today = datetime.datetime.now(AMSTERDAM).date()
    rows = []
    for pk in ids:
        (
            _,
            code,
            a_code,
            a_title,
            theme,
            title,
            description,
            o_code,
            o_name,
            r_code,
            r_name,
            status,
            progress,
            start,
            due,
            completed,
            result,
            source,
            version,
            created,
            updated,
        ) = by_id[pk]
        rows.append(
            {
                "id": pk,
                "code": code,
                "agreement": {"code": a_code, "name": a_title},
                "theme": theme,
                "title": title,
                "description": description,
                "owner": {"code": o_code, "name": o_name},
                "contributors": contributors.get(pk, []),
                "region": {"code": r_code, "name": r_name} if r_code is not None else None,
                "status": status,
                "progress": progress,
                "start_date": day(start),
                "due_date": day(due),
                "completed_on": day(completed),
                "overdue": bool(due and due < today and status not in CLOSED),
                "result": result,
                "source": source,
                "version": version,
                "created_at": stamp(created),
                "updated_at": stamp(updated),
            }
        )
    return rows


def page_numbers(params):
    size = min(int(params.get("page_size", PAGE_SIZE)), MAX_PAGE_SIZE)
    return int(params.get("page", 1)), size


def actions_list(base, params):
    where, args = [PUBLIC_ACTIONS], {}
    if "status" in params:
        where.append("a.status = ANY(%(statuses)s)")
        args["statuses"] = params["status"].split(",")
    if "applies_to" in params:
        where.append(APPLIES_TO)
        args["region"] = params["applies_to"]
    if "updated_since" in params:
        where.append("a.updated_at >= %(since)s")
        args["since"] = datetime.datetime.fromisoformat(params["updated_since"])
    condition = " AND ".join(where)
    with connection().cursor() as cursor:
        cursor.execute(f"SELECT count(*) FROM actions_action a WHERE {condition}", args)
        count = cursor.fetchone()[0]
        if "cursor" in params:
            return cursor_page(cursor, base, params, condition, args, count)
        page, size = page_numbers(params)
        cursor.execute(
            f"SELECT a.id FROM actions_action a WHERE {condition} ORDER BY a.id "
            f"LIMIT {size} OFFSET {(page - 1) * size}",
            args,
        )
        ids = [row[0] for row in cursor.fetchall()]
        results = action_rows(cursor, ids)
    last = (count + size - 1) // size
    previous = None
    if page > 1:
        previous = link(base, params, page=page - 1 if page > 2 else None)
    return {
        "count": count,
        "next": link(base, params, page=page + 1) if page < last else None,
        "previous": previous,
        "results": results,
    }


def cursor_page(cursor, base, params, condition, args, count):
    size = min(int(params.get("page_size", PAGE_SIZE)), MAX_PAGE_SIZE)
    cursor.execute(
        f"SELECT a.id, a.updated_at FROM actions_action a WHERE {condition} "
        f"AND a.updated_at < now() ORDER BY a.updated_at, a.id LIMIT {size + 1}",
        args,
    )
    found = cursor.fetchall()
    following = None
    if len(found) > size:
        found = found[:size]
        pk, at = found[-1]
        raw = json.dumps([at.astimezone(datetime.UTC).isoformat(), pk]).encode()
        token = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        following = link(base, params, cursor=token)
    results = action_rows(cursor, [pk for pk, _at in found])
    return {"count": count, "next": following, "previous": None, "results": results}


def agreements_list(base, params):
    theme = params["theme"]
    with connection().cursor() as cursor:
        condition = (
            "g.status <> 'draft' AND g.theme_id IN (SELECT id FROM agenda_theme WHERE code = "
            "%(theme)s UNION SELECT s.id FROM agenda_theme s JOIN agenda_theme m "
            "ON m.id = s.parent_id WHERE m.code = %(theme)s)"
        )
        args = {"theme": theme}
        cursor.execute(f"SELECT count(*) FROM agenda_agreement g WHERE {condition}", args)
        count = cursor.fetchone()[0]
        page, size = page_numbers(params)
        cursor.execute(
            "SELECT g.id, g.code, g.title, g.description, t.code, t.name, g.scope, g.status, "
            "g.agreed_on, g.valid_from, g.valid_until, s.code, s.title, g.source, g.version, "
            "g.created_at, g.updated_at FROM agenda_agreement g "
            "JOIN agenda_theme t ON t.id = g.theme_id "
            "LEFT JOIN agenda_agreement s ON s.id = g.supersedes_id "
            f"WHERE {condition} ORDER BY g.code, g.id LIMIT {size} OFFSET {(page - 1) * size}",
            args,
        )
        agreements = cursor.fetchall()
        ids = [row[0] for row in agreements]
        cursor.execute(
            "SELECT ar.agreement_id, r.code, r.name FROM agenda_agreement_regions ar "
            "JOIN regions_region r ON r.id = ar.region_id WHERE ar.agreement_id = ANY(%s) "
            "ORDER BY r.code",
            [ids],
        )
        regions = {}
        for agreement_id, code, name in cursor.fetchall():
            regions.setdefault(agreement_id, []).append({"code": code, "name": name})
        cursor.execute(
            "SELECT ap.agreement_id, p.code, p.name, ap.role FROM agenda_agreementparty ap "
            "JOIN agenda_party p ON p.id = ap.party_id JOIN agenda_agreement g "
            "ON g.id = ap.agreement_id WHERE ap.agreement_id = ANY(%s) "
            "ORDER BY g.code, ap.role, p.code",
            [ids],
        )
        parties = {}
        for agreement_id, code, name, role in cursor.fetchall():
            parties.setdefault(agreement_id, []).append(
                {"party": {"code": code, "name": name}, "role": role}
            )
        cursor.execute(
            "SELECT b.agreement_id, b.year, b.amount, p.code, p.name, b.funding, b.source "
            "FROM agenda_budgetline b JOIN agenda_agreement g ON g.id = b.agreement_id "
            "LEFT JOIN agenda_party p ON p.id = b.party_id WHERE b.agreement_id = ANY(%s) "
            "ORDER BY g.code, b.year, p.code",
            [ids],
        )
        budget = {}
        for agreement_id, year, amount, p_code, p_name, funding, source in cursor.fetchall():
            budget.setdefault(agreement_id, []).append(
                {
                    "year": year,
                    "amount": f"{amount:.2f}",
                    "party": {"code": p_code, "name": p_name} if p_code is not None else None,
                    "funding": funding,
                    "source": source,
                }
            )
    results = []
    for (
        pk,
        code,
        title,
        description,
        t_code,
        t_name,
        scope,
        status,
        agreed,
        valid_from,
        valid_until,
        s_code,
        s_title,
        source,
        version,
        created,
        updated,
    ) in agreements:
        results.append(
            {
                "code": code,
                "title": title,
                "description": description,
                "theme": {"code": t_code, "name": t_name},
                "scope": scope,
                "status": status,
                "regions": regions.get(pk, []),
                "parties": parties.get(pk, []),
                "budget_lines": budget.get(pk, []),
                "agreed_on": day(agreed),
                "valid_from": day(valid_from),
                "valid_until": day(valid_until),
                "supersedes": {"code": s_code, "name": s_title} if s_code is not None else None,
                "source": source,
                "version": version,
                "created_at": stamp(created),
                "updated_at": stamp(updated),
            }
        )
    last = (count + size - 1) // size
    return {
        "count": count,
        "next": link(base, params, page=page + 1) if page < last else None,
        "previous": link(base, params, page=page - 1 if page > 2 else None) if page > 1 else None,
        "results": results,
    }


ROUTES = {"/api/v1/actions/": actions_list, "/api/v1/agreements/": agreements_list}


def application(environ, start_response):
    path = environ["PATH_INFO"]
    handler = ROUTES.get(path)
    if handler is None:
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not a floor case"]
    params = dict(parse_qsl(environ.get("QUERY_STRING", ""), keep_blank_values=True))
    base = f"http://{environ['HTTP_HOST']}{path}"
    body = orjson.dumps(handler(base, params))
    body = body.replace(b"\xe2\x80\xa8", b"\\u2028").replace(b"\xe2\x80\xa9", b"\\u2029")
    start_response(
        "200 OK", [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
    )
    return [body]
