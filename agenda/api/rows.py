"""The agreement list's rows without model instances: a page's agreements as the serializer
shows them, built from plain column values (see actions/api/rows.py for why). Every value is
formatted by the `AgreementSerializer`'s own fields; a test compares the two byte for byte."""

from collections import defaultdict

from agenda.api.serializers import AgreementSerializer, BudgetLineSerializer
from agenda.models import Agreement, AgreementParty, BudgetLine
from config.api.rows import RowBuilder, brief, formats_of, plain

PLAIN_FIELDS = (
    "code",
    "title",
    "description",
    "scope",
    "status",
    "agreed_on",
    "valid_from",
    "valid_until",
    "source",
    "version",
    "created_at",
    "updated_at",
)
LINE_FIELDS = ("year", "amount", "funding", "source")


def agreement_rows(ids):
    """The agreements with these ids, in this order, as `AgreementSerializer(…).data`."""
    if not ids:
        return []
    formats = formats_of(AgreementSerializer, PLAIN_FIELDS)
    line_formats = formats_of(BudgetLineSerializer, LINE_FIELDS)

    regions = defaultdict(list)
    links = Agreement.regions.through.objects.filter(agreement_id__in=ids).order_by("region__code")
    for agreement_id, code, name in links.values_list(
        "agreement_id", "region__code", "region__name"
    ):
        regions[agreement_id].append({"code": code, "name": name})

    parties = defaultdict(list)
    party_links = AgreementParty.objects.filter(agreement_id__in=ids).values_list(
        "agreement_id", "party__code", "party__name", "role"
    )
    for agreement_id, code, name, role in party_links:
        parties[agreement_id].append({"party": {"code": code, "name": name}, "role": role})

    lines = defaultdict(list)
    budget = BudgetLine.objects.filter(agreement_id__in=ids).values(
        "agreement_id", "party__code", "party__name", *LINE_FIELDS
    )
    for line in budget:
        lines[line["agreement_id"]].append(
            {
                "year": plain(line, "year", line_formats),
                "amount": plain(line, "amount", line_formats),
                "party": brief(line["party__code"], line["party__name"]),
                "funding": plain(line, "funding", line_formats),
                "source": plain(line, "source", line_formats),
            }
        )

    values = Agreement.objects.filter(pk__in=ids).values(
        "id",
        *PLAIN_FIELDS,
        "theme__code",
        "theme__name",
        "supersedes__code",
        "supersedes__title",
    )
    by_id = {row["id"]: row for row in values}
    return [
        _row(by_id[pk], formats, regions[pk], parties[pk], lines[pk]) for pk in ids if pk in by_id
    ]


def _row(values, formats, regions, parties, lines):
    return {
        "code": plain(values, "code", formats),
        "title": plain(values, "title", formats),
        "description": plain(values, "description", formats),
        "theme": brief(values["theme__code"], values["theme__name"]),
        "scope": plain(values, "scope", formats),
        "status": plain(values, "status", formats),
        "regions": regions,
        "parties": parties,
        "budget_lines": lines,
        "agreed_on": plain(values, "agreed_on", formats),
        "valid_from": plain(values, "valid_from", formats),
        "valid_until": plain(values, "valid_until", formats),
        "supersedes": brief(values["supersedes__code"], values["supersedes__title"]),
        "source": plain(values, "source", formats),
        "version": plain(values, "version", formats),
        "created_at": plain(values, "created_at", formats),
        "updated_at": plain(values, "updated_at", formats),
    }


AGREEMENT_ROWS = RowBuilder(Agreement, agreement_rows)
