"""Every write to agreements, their parties and budget lines: keyword-only, atomic,
row-locked, scope-checked before and after, one version and one history record per write.
The admin, the API and the import all come through here."""

import datetime
import secrets
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import ProtectedError
from django.utils import timezone
from django.utils.translation import gettext as _

from agenda.choices import (
    DECISIONS_FITTING,
    AgreementPartyRole,
    AgreementScope,
    FundingKind,
    ReviewDecisionKind,
    ReviewStatus,
    decisions_fitting,
)
from agenda.models import Agreement, AgreementParty, ApiToken, BudgetLine, Review, ReviewDecision
from agenda.scope import ensure_editable, join_names, scope_for
from config.concurrency import StaleVersionError, lock_for_write
from config.history import record_in_bulk
from config.services import (
    apply_changes,
    delete_as,
    duplicates_refused,
    history_user,
    refuse_unknown_fields,
    save_as,
    save_new_record,
    save_new_version,
    set_fields,
)

EDITABLE_FIELDS = (
    "code",
    "title",
    "description",
    "theme",
    "scope",
    "status",
    "agreed_on",
    "valid_from",
    "valid_until",
    "supersedes",
    "source",
)
BUDGET_LINE_FIELDS = ("year", "amount", "party", "funding", "source")
# What an action's JSON shows of its agreement (code, title, theme) or what decides where it
# applies and who sees it (regions, status): when these change, so do its actions.
SHOWN_WITH_ACTIONS = {"code", "title", "theme", "status"}


def validate_agreement_regions(scope, regions):
    """A regional agreement has at least one region, a generic one none."""
    if scope == AgreementScope.REGIONAL and not regions:
        raise ValidationError({"regions": _("A regional agreement needs at least one region.")})
    if scope == AgreementScope.GENERIC and regions:
        raise ValidationError({"regions": _("A generic agreement applies nationwide: no regions.")})


@dataclass
class RelatedChanges:
    """What a write does to an agreement's regions, parties and budget lines."""

    regions: list | None = None  # the new regions, when they change
    regions_touched: set = field(default_factory=set)
    parties_added: set = field(default_factory=set)  # {(party, role)}
    parties_removed: list = field(default_factory=list)  # AgreementParty rows
    lines_added: list = field(default_factory=list)  # BudgetLine rows, unsaved
    lines_changed: list = field(default_factory=list)  # BudgetLine rows, changed in memory
    lines_removed: list = field(default_factory=list)

    def __bool__(self):
        return bool(
            self.regions is not None
            or self.parties_added
            or self.parties_removed
            or self.lines_added
            or self.lines_changed
            or self.lines_removed
        )


def _plan(agreement, *, regions, parties, budget_lines):
    """Compare the wanted regions, parties and budget lines with the stored ones."""
    plan = RelatedChanges()
    stored = set(agreement.regions.all()) if agreement.pk else set()
    if regions is not None and (agreement._state.adding or set(regions) != stored):
        plan.regions = list(regions)
        plan.regions_touched = set(regions) ^ stored
    if parties is not None:
        wanted = {(party, role) for party, role in parties}
        links = list(agreement.party_links.select_related("party")) if agreement.pk else []
        plan.parties_removed = [link for link in links if (link.party, link.role) not in wanted]
        plan.parties_added = wanted - {(link.party, link.role) for link in links}
    if budget_lines is not None:
        _plan_budget_lines(agreement, budget_lines, plan)
    return plan


def _plan_budget_lines(agreement, budget_lines, plan):
    """Lines are matched by (year, party, funding), their natural key."""
    stored = {}
    if agreement.pk:
        for line in agreement.budget_lines.select_related("party"):
            stored[(line.year, line.party_id, line.funding)] = line
    seen = set()
    for values in budget_lines:
        refuse_unknown_fields(values, BUDGET_LINE_FIELDS)
        values = {"funding": FundingKind.PUBLIC, "source": "", **values}
        party = values.get("party")
        key = (values.get("year"), party.pk if party else None, values["funding"])
        if key in seen:
            raise ValidationError(
                {"budget_lines": _("Two budget lines for the same year, party and funding.")}
            )
        seen.add(key)
        line = stored.get(key)
        if line is None:
            plan.lines_added.append(BudgetLine(agreement=agreement, **values))
        elif apply_changes(line, values, allowed=BUDGET_LINE_FIELDS):
            plan.lines_changed.append(line)
    plan.lines_removed = [line for key, line in stored.items() if key not in seen]


def _check_links(user, agreement, changed, plan):
    """Provincial and other non-ministry editors link only their own parties and regions
    inside their working area; lead roles and `supersedes` are the ministry's."""
    scope = scope_for(user)
    if scope.edits_everything:
        return
    if "supersedes" in changed:
        scope.check_ministry_only("supersedes", _("which agreement this one supersedes"))
    scope.check_regions("regions", plan.regions_touched)
    party_links = [*plan.parties_added, *((link.party, link.role) for link in plan.parties_removed)]
    if any(role == AgreementPartyRole.LEAD for _party, role in party_links):
        scope.check_ministry_only("parties", _("lead roles"))
    scope.check_party_links("parties", [party for party, _role in party_links])
    lines = [*plan.lines_added, *plan.lines_changed, *plan.lines_removed]
    scope.check_party_links("budget_lines", [line.party for line in lines])


def _validate(agreement, plan):
    agreement.full_clean()
    regions = plan.regions if plan.regions is not None else list(agreement.regions.all())
    validate_agreement_regions(agreement.scope, regions)
    for line in [*plan.lines_added, *plan.lines_changed]:
        try:
            line.full_clean(exclude=["agreement"])
        except ValidationError as exc:
            raise ValidationError({"budget_lines": exc.messages}) from exc


def _write_related(agreement, plan, user):
    """Parties and budget lines, each row recorded with the acting user; the agreement's
    own history record, saved after this, holds the new set of parties."""
    for link in plan.parties_removed:
        delete_as(link, user)
    for party, role in plan.parties_added:
        link = AgreementParty(agreement=agreement, party=party, role=role)
        link.full_clean()
        save_as(link, user)
    for line in plan.lines_removed:
        delete_as(line, user)
    for line in [*plan.lines_changed, *plan.lines_added]:
        line.agreement = agreement
        save_as(line, user)


@transaction.atomic
def agreement_create(*, user, regions=(), parties=(), budget_lines=(), **fields) -> Agreement:
    """A new agreement; refused unless the result lies in the user's scope."""
    refuse_unknown_fields(fields, EDITABLE_FIELDS)
    agreement = Agreement(**fields)
    plan = _plan(agreement, regions=regions, parties=parties, budget_lines=budget_lines)
    _check_links(user, agreement, set_fields(agreement, fields), plan)
    _validate(agreement, plan)
    with duplicates_refused(agreement):
        agreement.save_without_historical_record()
    _write_related(agreement, plan, user)
    save_new_record(agreement, user, m2m={"regions": plan.regions or []})
    ensure_editable(user, agreement, after_write=True)
    return agreement


@transaction.atomic
def agreement_update(
    *,
    agreement,
    user,
    expected_version=None,
    regions=None,
    parties=None,
    budget_lines=None,
    **fields,
) -> Agreement:
    """Change an agreement: only what differs is written, as one new version. A write may not
    move the agreement out of the writer's scope."""
    locked = lock_for_write(Agreement.objects.all(), agreement.pk, expected_version)
    ensure_editable(user, locked)
    changed = apply_changes(locked, fields, allowed=EDITABLE_FIELDS)
    plan = _plan(locked, regions=regions, parties=parties, budget_lines=budget_lines)
    if not changed and not plan:
        return locked
    _check_links(user, locked, set(changed), plan)
    _validate(locked, plan)
    _write_related(locked, plan, user)
    save_new_version(locked, user, m2m={"regions": plan.regions} if plan.regions else None)
    ensure_editable(user, locked, after_write=True)
    if SHOWN_WITH_ACTIONS.intersection(changed) or plan.regions is not None:
        _touch_actions(locked, user)
    return locked


def _touch_actions(agreement, user):
    """The agreement's actions changed with it: their `updated_at` moves and each gets a
    history record, so that `updated_since`, ETags and the `changes/` feed show them."""
    now = timezone.now()
    actions = agreement.actions.all()
    actions.update(updated_at=now)
    touched = list(actions)
    record_in_bulk(
        actions.model, touched, changed=True, user=history_user(user), dates=[now] * len(touched)
    )


@transaction.atomic
def agreement_delete(*, agreement, user, expected_version=None):
    """Delete an agreement nothing refers to (actions, later versions, review decisions):
    otherwise end it instead."""
    locked = lock_for_write(Agreement.objects.all(), agreement.pk, expected_version)
    ensure_editable(user, locked)
    if locked.actions.exists():
        raise ValidationError(
            _("This agreement has actions; set its status to ended instead of deleting it.")
        )
    if locked.superseded_by.exists() or locked.review_decisions.exists():
        raise ValidationError(
            _(
                "A later agreement or a review decision refers to this agreement; set its "
                "status to ended instead of deleting it."
            )
        )
    try:
        with transaction.atomic():
            delete_as(locked, user)
    except ProtectedError as exc:
        raise ValidationError(
            _("Other records refer to this agreement; set its status to ended instead.")
        ) from exc


@transaction.atomic
def api_token_create(*, user, name: str = "") -> tuple[ApiToken, str]:
    """A new API token for `user`, valid for `API_TOKEN_DAYS` days or until their password
    changes. Returns the token and its key: the key is not stored, show it once."""
    key = secrets.token_hex(20)
    token = ApiToken(
        user=user,
        name=name,
        prefix=key[:8],
        digest=ApiToken.digest_of(key),
        password_stamp=ApiToken.stamp_for(user),
        expires_at=timezone.now() + datetime.timedelta(days=settings.API_TOKEN_DAYS),
    )
    token.full_clean()
    token.save()
    return token, key


# Review decisions ------------------------------------------------------------------------


def ensure_decision_fits(decision, agreement):
    """Refuse a decision that does not fit the agreement as it stands (DECISIONS_FITTING):
    the one rule for the admin, the review page and holding the review."""
    if agreement.status in DECISIONS_FITTING.get(decision, ()):
        return
    fitting = [str(ReviewDecisionKind(kind).label) for kind in decisions_fitting(agreement.status)]
    if fitting:
        advice = _("For it, choose %(fitting)s.") % {"fitting": join_names(fitting)}
    else:
        advice = _("A review decides nothing more about it.")
    raise ValidationError(
        {
            "decision": _(
                "“%(decision)s” does not fit %(agreement)s, which is %(status)s. %(advice)s"
            )
            % {
                "decision": ReviewDecisionKind(decision).label
                if decision in ReviewDecisionKind.values
                else decision,
                "agreement": agreement,
                "status": agreement.get_status_display(),
                "advice": advice,
            }
        }
    )


def ensure_review_open(review):
    if review.status != ReviewStatus.PLANNED:
        raise ValidationError(_("This review has been held; its decisions can no longer change."))


def _ensure_unchanged(current, expected_version):
    """The decision is as the user read it: version `expected_version` (0: none yet)."""
    if expected_version is None or int(expected_version) == (current.version if current else 0):
        return
    if current is not None:
        raise StaleVersionError(current)
    raise ValidationError(
        _("This decision was removed by someone else — reload the page; nothing was saved.")
    )


@transaction.atomic
def review_decision_save(
    *, review, agreement, user, decision, note="", expected_version=None
) -> ReviewDecision:
    """Record (or change) what a planned review decides about one agreement. Refused unless
    the user prepares reviews, the review is still planned, the decision fits the agreement
    (`ensure_decision_fits`) and — `expected_version`, 0 for a new one — nobody saved the
    decision since the user read it."""
    scope_for(user).check_prepares_reviews()
    locked_review = Review.objects.select_for_update().get(pk=review.pk)
    ensure_review_open(locked_review)
    agreement = Agreement.objects.visible_to(user).get(pk=agreement.pk)
    current = (
        ReviewDecision.objects.select_for_update()
        .filter(review=locked_review, agreement=agreement)
        .first()
    )
    _ensure_unchanged(current, expected_version)
    ensure_decision_fits(decision, agreement)
    if current is None:
        current = ReviewDecision(review=locked_review, agreement=agreement)
    elif (current.decision, current.note) == (decision, note):
        return current
    else:
        current.version += 1
    current.decision, current.note = decision, note
    current.full_clean()
    save_as(current, user)
    return current


@transaction.atomic
def review_decision_delete(*, decision, user, expected_version=None):
    """Remove a decision of a planned review (same rights and version check as saving)."""
    scope_for(user).check_prepares_reviews()
    ensure_review_open(Review.objects.select_for_update().get(pk=decision.review_id))
    locked = lock_for_write(ReviewDecision.objects.all(), decision.pk, expected_version)
    delete_as(locked, user)
