"""Holding a review (herijking): one service, one transaction.

It freezes the snapshot (actions by status × theme × agenda region, as the meeting saw them)
and applies the decisions through the agenda's and the actions' services, so every write is
scope-checked, versioned and recorded in the history under the ministry editor's name:

- `continue`: nothing changes;
- `complete`: the agreement is fulfilled and ends on the review's day;
- `stop`: the agreement ends on the review's day;
- `adjust`: a revised agreement (same theme, scope, regions and parties; a new code) starts
  on the review's day and `supersedes` the old one, which becomes `revised`; the old
  agreement's open actions continue under the revised one;
- `new`: the agreement is adopted: the draft becomes active, agreed on the review's day.

Anything refused half-way (a decision that no longer fits the agreement — the rule of
`agenda.services.ensure_decision_fits`, as when it was recorded — a code taken, the
user's scope) raises and leaves nothing written."""

import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from actions.choices import CLOSED_STATUSES
from actions.models import Action
from actions.services import action_update
from agenda.choices import AgreementStatus, ReviewDecisionKind, ReviewStatus
from agenda.models import Agreement, Review
from agenda.scope import OutOfScope, scope_for
from agenda.services import agreement_create, agreement_update, ensure_decision_fits
from config.services import save_as
from reviews.selectors import published, snapshot_of


def ensure_may_hold(user):
    if not scope_for(user).prepares_reviews:
        raise OutOfScope(_("Only ministry editors hold reviews."))


def suggested_code(agreement, review):
    """The code of the revised agreement: the year in the old code becomes the review's year
    (`MKB-2014-REG-ZUID` → `MKB-2016-REG-ZUID`), else the year is added; a number is added
    while the code is taken."""
    year = str(review.date.year)
    code, replaced = re.subn(r"(?<![0-9])(19|20)[0-9]{2}(?![0-9])", year, agreement.code, count=1)
    if not replaced or code == agreement.code:
        code = f"{agreement.code}-{year}"
    candidate, n = code, 2
    while Agreement.objects.filter(code=candidate).exists():
        candidate, n = f"{code}-{n}", n + 1
    return candidate[:40]


def _end(agreement, review, user, status):
    changes = {"status": status}
    if not agreement.valid_from or agreement.valid_from <= review.date:
        changes["valid_until"] = review.date
    agreement_update(agreement=agreement, user=user, **changes)


def _revise(agreement, review, user, revision):
    code = (revision.get("code") or "").strip() or suggested_code(agreement, review)
    if Agreement.objects.filter(code=code).exists():
        raise ValidationError({"code": _("The code %(code)s is taken.") % {"code": code}})
    revised = agreement_create(
        user=user,
        code=code,
        title=(revision.get("title") or "").strip() or agreement.title,
        description=agreement.description,
        theme=agreement.theme,
        scope=agreement.scope,
        status=AgreementStatus.ACTIVE,
        agreed_on=review.date,
        valid_from=review.date,
        valid_until=agreement.valid_until
        if agreement.valid_until and agreement.valid_until > review.date
        else None,
        supersedes=agreement,
        source=_("Revised at the review of %(date)s (%(title)s).")
        % {"date": date_format(review.date), "title": review.title},
        regions=list(agreement.regions.all()),
        parties=[(link.party, link.role) for link in agreement.party_links.select_related("party")],
    )
    changes = {"status": AgreementStatus.REVISED}
    if not agreement.valid_from or agreement.valid_from <= review.date:
        changes["valid_until"] = review.date
    agreement_update(agreement=agreement, user=user, **changes)
    for action in Action.objects.filter(agreement=agreement).exclude(status__in=CLOSED_STATUSES):
        action_update(action=action, user=user, agreement=revised)
    return revised


def _adopt(agreement, review, user):
    agreement_update(
        agreement=agreement,
        user=user,
        status=AgreementStatus.ACTIVE,
        agreed_on=agreement.agreed_on or review.date,
    )


def apply_decision(decision, review, user, revision):
    """One decision through the agenda's services; returns the revised agreement, if any."""
    agreement = Agreement.objects.get(pk=decision.agreement_id)
    kind = decision.decision
    ensure_decision_fits(kind, agreement)  # the one rule, as when the decision was recorded
    if kind == ReviewDecisionKind.COMPLETE:
        _end(agreement, review, user, AgreementStatus.FULFILLED)
    elif kind == ReviewDecisionKind.STOP:
        _end(agreement, review, user, AgreementStatus.ENDED)
    elif kind == ReviewDecisionKind.ADJUST:
        return _revise(agreement, review, user, revision or {})
    elif kind == ReviewDecisionKind.NEW:
        _adopt(agreement, review, user)
    return None


@transaction.atomic
def review_hold(*, review, user, conclusion=None, revisions=None) -> Review:
    """Hold a planned review: freeze the snapshot and apply every decision, all or nothing.
    `revisions` ({decision id: {"code", "title"}}) names the agreements that `adjust` creates;
    without it they get `suggested_code` and the old title."""
    ensure_may_hold(user)
    locked = Review.objects.select_for_update().get(pk=review.pk)
    if locked.status != ReviewStatus.PLANNED:
        raise ValidationError(_("This review has been held already."))
    if locked.date > timezone.localdate():
        raise ValidationError({"date": _("A review can be held on its date or later, not before.")})
    locked.snapshot = snapshot_of(
        published(Action.objects.all()), published(Agreement.objects.all())
    )
    revisions = revisions or {}
    decisions = list(locked.decisions.select_related("agreement").order_by("agreement__code"))
    for decision in decisions:
        apply_decision(decision, locked, user, revisions.get(decision.pk))
    locked.status = ReviewStatus.HELD
    if conclusion is not None:
        locked.conclusion = conclusion
    locked.full_clean()
    save_as(locked, user)
    return locked
