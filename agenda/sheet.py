"""The agreement list's columns in the spreadsheets people export (the admin's buttons)."""

from agenda.api.rows import AGREEMENT_ROWS
from agenda.api.serializers import AgreementSerializer
from agenda.models import Agreement
from config.spreadsheets.writing import SheetLayout

AGREEMENT_SHEET = SheetLayout(
    serializer_class=AgreementSerializer, model=Agreement, row_builder=AGREEMENT_ROWS
)
