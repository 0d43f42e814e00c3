from django.db import models
from django.utils.translation import gettext_lazy as _


class PartyKind(models.TextChoices):
    MINISTRY = "ministry", _("ministry")
    PROVINCE = "province", _("province")
    ROM = "rom", _("regional development agency (ROM)")
    TOPSECTOR = "topsector", _("topsector")
    MUNICIPALITY = "municipality", _("municipality")
    AGENCY = "agency", _("government agency")
    SME_ORGANISATION = "sme_organisation", _("SME organisation")
    KNOWLEDGE_INSTITUTION = "knowledge_institution", _("knowledge institution")
    OTHER = "other", _("other")


class MembershipRole(models.TextChoices):
    EDITOR = "editor", _("editor")
    VIEWER = "viewer", _("viewer")


class AgreementScope(models.TextChoices):
    GENERIC = "generic", _("generic (nationwide)")
    REGIONAL = "regional", _("regional")


class AgreementStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    ACTIVE = "active", _("active")
    FULFILLED = "fulfilled", _("fulfilled")
    REVISED = "revised", _("revised")
    ENDED = "ended", _("ended")


class AgreementPartyRole(models.TextChoices):
    SIGNATORY = "signatory", _("signatory")
    LEAD = "lead", _("lead")
    PARTICIPANT = "participant", _("participant")
    CO_FINANCIER = "co_financier", _("co-financier")


class FundingKind(models.TextChoices):
    PUBLIC = "public", _("public")
    PRIVATE = "private", _("private")


class ReviewStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    HELD = "held", _("held")


class ReviewDecisionKind(models.TextChoices):
    CONTINUE = "continue", _("continue")
    ADJUST = "adjust", _("adjust")
    COMPLETE = "complete", _("complete")
    STOP = "stop", _("stop")
    NEW = "new", _("new")


# Which decision fits which situation: the agreement's status when the review decides on it.
# The one table of the rule (agenda.services.ensure_decision_fits): the admin, the review
# pages and holding the review all ask it.
DECISIONS_FITTING = {
    ReviewDecisionKind.CONTINUE: frozenset({AgreementStatus.ACTIVE}),
    ReviewDecisionKind.ADJUST: frozenset({AgreementStatus.ACTIVE}),
    ReviewDecisionKind.COMPLETE: frozenset({AgreementStatus.ACTIVE}),
    ReviewDecisionKind.STOP: frozenset({AgreementStatus.DRAFT, AgreementStatus.ACTIVE}),
    ReviewDecisionKind.NEW: frozenset({AgreementStatus.DRAFT}),  # adopted at the review
}


def decisions_fitting(status):
    """The decisions that fit an agreement with this status, in the choices' order."""
    return [kind for kind in ReviewDecisionKind if status in DECISIONS_FITTING[kind]]
