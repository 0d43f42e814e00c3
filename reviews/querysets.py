"""Which saved filters a user may open: the one rule, used by the lists and the link."""

from django.db import models
from django.http import QueryDict

from agenda.choices import AgreementStatus
from agenda.models import Agreement
from agenda.scope import scope_for


def named_agreement_codes(query):
    """The agreement codes a saved filter's query names (`agreement=A,B&agreement=C`)."""
    codes = set()
    for value in QueryDict(query).getlist("agreement"):
        codes |= {code.strip() for code in value.split(",") if code.strip()}
    return codes


class SavedViewQuerySet(models.QuerySet):
    def visible_to(self, user):
        """The user's own saved filters and those shared with everyone, except a shared one
        naming an agreement that is a draft to this user: its very name would tell."""
        if not user.is_authenticated:
            return self.none()
        mine_or_shared = self.filter(models.Q(owner=user) | models.Q(shared=True))
        if scope_for(user).sees_drafts:
            return mine_or_shared
        others = mine_or_shared.exclude(owner=user).exclude(query="")
        naming = {
            pk: named_agreement_codes(query) for pk, query in others.values_list("pk", "query")
        }
        named = set().union(*naming.values())
        if not named:
            return mine_or_shared
        drafts = set(
            Agreement.objects.filter(code__in=named, status=AgreementStatus.DRAFT).values_list(
                "code", flat=True
            )
        )
        hidden = [pk for pk, codes in naming.items() if codes & drafts]
        return mine_or_shared.exclude(pk__in=hidden)
