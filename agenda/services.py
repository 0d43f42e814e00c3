"""Every write to agreements: keyword-only, atomic, row-locked, scope-checked, recorded."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from agenda.choices import AgreementScope
from agenda.models import Agreement, AgreementParty
from config.concurrency import lock_for_write
from config.history import recorded_by_next_save

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


def validate_agreement_regions(scope, regions):
    """A regional agreement has at least one region, a generic one none."""
    if scope == AgreementScope.REGIONAL and not regions:
        raise ValidationError({"regions": _("A regional agreement needs at least one region.")})
    if scope == AgreementScope.GENERIC and regions:
        raise ValidationError({"regions": _("A generic agreement applies nationwide: no regions.")})


def _check_in_scope(agreement, user):
    if not Agreement.objects.editable_by(user).filter(pk=agreement.pk).exists():
        raise PermissionDenied(_("This agreement is outside your scope."))


def _check_fields(fields):
    unknown = set(fields) - set(EDITABLE_FIELDS)
    if unknown:
        raise ValidationError({name: _("This field cannot be set here.") for name in unknown})


def _set_parties(agreement, parties, user):
    """Replace the parties-with-role by `parties`, a list of (party, role)."""
    wanted = {(party.pk, role) for party, role in parties}
    for link in agreement.party_links.all():
        if (link.party_id, link.role) not in wanted:
            link._history_user = user
            link.delete()
        else:
            wanted.discard((link.party_id, link.role))
    for party_id, role in wanted:
        link = AgreementParty(agreement=agreement, party_id=party_id, role=role)
        link.full_clean()
        link._history_user = user
        link.save()


@transaction.atomic
def agreement_create(*, user, regions=(), parties=(), **fields) -> Agreement:
    _check_fields(fields)
    agreement = Agreement(**fields)
    agreement.full_clean()
    validate_agreement_regions(agreement.scope, list(regions))
    agreement._history_user = user
    agreement.save()
    agreement.regions.set(regions)
    _set_parties(agreement, parties, user)
    _check_in_scope(agreement, user)
    return agreement


@transaction.atomic
def agreement_update(
    *, agreement, user, expected_version=None, regions=None, parties=None, **fields
) -> Agreement:
    """Change an agreement; a write may not move it out of the writer's scope."""
    _check_fields(fields)
    locked = lock_for_write(Agreement.objects.all(), agreement.pk, expected_version)
    _check_in_scope(locked, user)
    for name, value in fields.items():
        setattr(locked, name, value)
    if locked.supersedes_id and locked.supersedes_id == locked.pk:
        raise ValidationError({"supersedes": _("An agreement cannot supersede itself.")})
    locked.full_clean()
    new_regions = list(regions) if regions is not None else list(locked.regions.all())
    validate_agreement_regions(locked.scope, new_regions)
    locked.version += 1
    locked._history_user = user
    if regions is not None:
        with recorded_by_next_save(locked):
            locked.regions.set(new_regions)
    locked.save()
    if parties is not None:
        _set_parties(locked, parties, user)
    _check_in_scope(locked, user)
    return locked


@transaction.atomic
def agreement_delete(*, agreement, user, expected_version=None):
    """Delete an agreement without actions (actions are protected: end it instead)."""
    locked = lock_for_write(Agreement.objects.all(), agreement.pk, expected_version)
    _check_in_scope(locked, user)
    if locked.actions.exists():
        raise ValidationError(
            _("This agreement has actions; set its status to ended instead of deleting it.")
        )
    locked._history_user = user
    locked.delete()
