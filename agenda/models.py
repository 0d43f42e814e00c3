import hashlib

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.crypto import constant_time_compare
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from agenda.choices import (
    AgreementPartyRole,
    AgreementScope,
    AgreementStatus,
    FundingKind,
    MembershipRole,
    PartyKind,
    ReviewDecisionKind,
    ReviewStatus,
)
from agenda.querysets import AgreementQuerySet, PartyQuerySet, ThemeQuerySet
from config.models import (
    CodedModel,
    CodeQuerySet,
    NaturalKeyManager,
    TimeStampedModel,
    choices_constraint,
)


def historical_model_name(name):
    return "HistoricalAgreementPartyLink" if name == "AgreementParty" else f"Historical{name}"


class Party(CodedModel):
    """An organisation that signs, leads or carries out the agenda: the ministry, a province,
    a ROM, a topsector, an agency. Its `regions` are its working area."""

    name = models.CharField(_("name"), max_length=200)
    abbreviation = models.CharField(_("abbreviation"), max_length=40, blank=True)
    kind = models.CharField(_("kind"), max_length=30, choices=PartyKind)
    regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("working area"), blank=True, related_name="parties"
    )
    website = models.URLField(_("website"), blank=True)

    objects = PartyQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["regions"])

    class Meta:
        ordering = ["code"]
        verbose_name = _("party")
        verbose_name_plural = _("parties")
        constraints = [choices_constraint("kind", PartyKind)]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Membership(TimeStampedModel):
    """A user working for a party, as editor or viewer; memberships decide the scope."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="memberships",
    )
    party = models.ForeignKey(
        "agenda.Party", verbose_name=_("party"), on_delete=models.CASCADE, related_name="members"
    )
    role = models.CharField(
        _("role"), max_length=10, choices=MembershipRole, default=MembershipRole.VIEWER
    )

    history = HistoricalRecords()

    class Meta:
        ordering = ["user__username", "party__code"]
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "party"], name="%(app_label)s_%(class)s_unique_user_party"
            ),
            choices_constraint("role", MembershipRole),
        ]

    def __str__(self):
        return f"{self.user} – {self.party.name} ({self.get_role_display()})"


class Theme(CodedModel):
    """A theme of the agenda (MIT, VFF, …), optionally under one of the four main themes."""

    name = models.CharField(_("name"), max_length=200)
    name_en = models.CharField(_("name (English)"), max_length=200, blank=True)
    description = models.TextField(_("description"), blank=True)
    parent = models.ForeignKey(
        "agenda.Theme",
        verbose_name=_("main theme"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="subthemes",
    )

    objects = ThemeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("theme")
        verbose_name_plural = _("themes")

    def __str__(self):
        return f"{self.name} ({self.code})"


class AgreementParty(TimeStampedModel):
    """A party to an agreement, with its role (signatory, lead, participant, co-financier)."""

    agreement = models.ForeignKey(
        "agenda.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="party_links",
    )
    party = models.ForeignKey(
        "agenda.Party", verbose_name=_("party"), on_delete=models.PROTECT, related_name="roles"
    )
    role = models.CharField(_("role"), max_length=20, choices=AgreementPartyRole)

    objects = NaturalKeyManager("agreement__code", "party__code", "role")
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement__code", "role", "party__code"]
        verbose_name = _("party to an agreement")
        verbose_name_plural = _("parties to agreements")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "party", "role"], name="%(app_label)s_%(class)s_unique_role"
            ),
            choices_constraint("role", AgreementPartyRole),
        ]

    def __str__(self):
        return f"{self.party.name} ({self.get_role_display()})"

    def natural_key(self):
        return (*self.agreement.natural_key(), *self.party.natural_key(), self.role)

    natural_key.dependencies = ["agenda.agreement", "agenda.party"]


class Agreement(CodedModel):
    """An agreement (afspraak) of the agenda: generic (nationwide) or for its regions.
    `supersedes` links the version a review replaced."""

    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    theme = models.ForeignKey(
        "agenda.Theme", verbose_name=_("theme"), on_delete=models.PROTECT, related_name="agreements"
    )
    scope = models.CharField(
        _("scope"), max_length=10, choices=AgreementScope, default=AgreementScope.GENERIC
    )
    regions = models.ManyToManyField(
        "regions.Region", verbose_name=_("regions"), blank=True, related_name="agreements"
    )
    parties = models.ManyToManyField(
        "agenda.Party",
        verbose_name=_("parties"),
        through=AgreementParty,  # the class: simple-history records its rows
        related_name="agreements",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=AgreementStatus, default=AgreementStatus.DRAFT
    )
    agreed_on = models.DateField(_("agreed on"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "agenda.Agreement",
        verbose_name=_("supersedes"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="superseded_by",
    )
    source = models.TextField(_("source"), blank=True, help_text=_("Document and page."))
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = AgreementQuerySet.as_manager()
    # The parties (with their roles) are part of each recorded version. Their rows are named
    # apart from the history AgreementParty keeps of itself.
    history = HistoricalRecords(
        m2m_fields=["regions", "parties"], custom_model_name=historical_model_name
    )

    class Meta:
        ordering = ["code"]
        verbose_name = _("agreement")
        verbose_name_plural = _("agreements")
        constraints = [
            choices_constraint("scope", AgreementScope),
            choices_constraint("status", AgreementStatus),
            models.CheckConstraint(
                condition=models.Q(valid_from__isnull=True)
                | models.Q(valid_until__isnull=True)
                | models.Q(valid_from__lte=models.F("valid_until")),
                name="%(app_label)s_%(class)s_valid_period",
                violation_error_message=_("The end of the valid period precedes its start."),
            ),
            models.CheckConstraint(
                condition=~models.Q(supersedes=models.F("pk")),
                name="%(app_label)s_%(class)s_not_superseding_itself",
                violation_error_message=_("An agreement cannot supersede itself."),
            ),
        ]
        indexes = [models.Index(fields=["status"]), models.Index(fields=["agreed_on"])]

    def __str__(self):
        return f"{self.code} – {self.title}"

    def clean(self):
        errors = {}
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            errors["valid_until"] = _("The end of the valid period precedes its start.")
        if self.pk and self.supersedes_id == self.pk:
            errors["supersedes"] = _("An agreement cannot supersede itself.")
        if errors:
            raise ValidationError(errors)


class BudgetLine(TimeStampedModel):
    """Money committed to an agreement for one year by one party, public or private."""

    agreement = models.ForeignKey(
        "agenda.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.CASCADE,
        related_name="budget_lines",
    )
    year = models.PositiveSmallIntegerField(
        _("year"), validators=[MinValueValidator(2000), MaxValueValidator(2100)]
    )
    amount = models.DecimalField(
        _("amount (EUR)"), max_digits=14, decimal_places=2, validators=[MinValueValidator(0)]
    )
    party = models.ForeignKey(
        "agenda.Party",
        verbose_name=_("party"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="budget_lines",
        help_text=_("Empty for a joint total whose split over the parties is not known."),
    )
    funding = models.CharField(
        _("funding"), max_length=10, choices=FundingKind, default=FundingKind.PUBLIC
    )
    source = models.TextField(_("source"))

    objects = NaturalKeyManager("agreement__code", "year", "party__code", "funding")
    history = HistoricalRecords()

    class Meta:
        ordering = ["agreement__code", "year", "party__code", "id"]  # id: one order, always
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        constraints = [
            models.UniqueConstraint(
                fields=["agreement", "year", "party", "funding"],
                name="%(app_label)s_%(class)s_unique_line",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="%(app_label)s_%(class)s_amount_not_negative",
                violation_error_message=_("An amount cannot be negative."),
            ),
            models.CheckConstraint(
                condition=models.Q(year__gte=2000) & models.Q(year__lte=2100),
                name="%(app_label)s_%(class)s_year_range",
                violation_error_message=_("A year from 2000 to 2100."),
            ),
            choices_constraint("funding", FundingKind),
        ]

    def __str__(self):
        amount = number_format(self.amount, decimal_pos=2, force_grouping=True)
        party = self.party.name if self.party_id else "—"
        return f"{self.agreement} {self.year}: € {amount} ({party})"

    def natural_key(self):
        party_code = self.party.code if self.party_id else None
        return (*self.agreement.natural_key(), self.year, party_code, self.funding)

    natural_key.dependencies = ["agenda.agreement", "agenda.party"]


class Review(TimeStampedModel):
    """A periodic re-calibration (herijking) of the agenda, with decisions per agreement.
    Holding it freezes a snapshot of the counts for trend charts."""

    date = models.DateField(_("date"), unique=True)
    title = models.CharField(_("title"), max_length=300)
    status = models.CharField(
        _("status"), max_length=10, choices=ReviewStatus, default=ReviewStatus.PLANNED
    )
    participants = models.ManyToManyField(
        "agenda.Party",
        verbose_name=_("participants"),
        blank=True,
        related_name="reviews",
        help_text=_("The parties at the table."),
    )
    conclusion = models.TextField(_("conclusion"), blank=True)
    source = models.TextField(_("source"), blank=True)
    snapshot = models.JSONField(_("snapshot"), null=True, blank=True, editable=False)

    objects = NaturalKeyManager("date")
    history = HistoricalRecords(m2m_fields=["participants"])

    class Meta:
        ordering = ["-date"]
        verbose_name = _("review")
        verbose_name_plural = _("reviews")
        constraints = [choices_constraint("status", ReviewStatus)]

    def __str__(self):
        return f"{date_format(self.date)} – {self.title}"

    def natural_key(self):
        return (self.date.isoformat(),)


class ReviewDecision(TimeStampedModel):
    """What a review decided about one agreement."""

    review = models.ForeignKey(
        "agenda.Review",
        verbose_name=_("review"),
        on_delete=models.CASCADE,
        related_name="decisions",
    )
    agreement = models.ForeignKey(
        "agenda.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="review_decisions",
    )
    decision = models.CharField(_("decision"), max_length=10, choices=ReviewDecisionKind)
    note = models.TextField(_("note"), blank=True)
    # Goes up with every change: the admin and the review page refuse saving over a newer one.
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = NaturalKeyManager("review__date", "agreement__code")
    history = HistoricalRecords()

    class Meta:
        ordering = ["review__date", "agreement__code"]
        verbose_name = _("review decision")
        verbose_name_plural = _("review decisions")
        constraints = [
            models.UniqueConstraint(
                fields=["review", "agreement"], name="%(app_label)s_%(class)s_unique_agreement"
            ),
            choices_constraint("decision", ReviewDecisionKind),
        ]

    def __str__(self):
        return f"{self.agreement}: {self.get_decision_display()}"

    def natural_key(self):
        return (*self.review.natural_key(), *self.agreement.natural_key())

    natural_key.dependencies = ["agenda.review", "agenda.agreement"]


class Goal(CodedModel):
    """A Topsectoren 2020 target the agenda contributes to, with its measurements."""

    name = models.CharField(_("name"), max_length=300)
    unit = models.CharField(_("unit"), max_length=60)
    target = models.DecimalField(_("target"), max_digits=14, decimal_places=2)
    target_year = models.PositiveSmallIntegerField(_("target year"))
    lower_is_better = models.BooleanField(
        _("lower is better"), default=False, help_text=_("For ranks: 5th beats 8th.")
    )
    source = models.TextField(_("source"), blank=True)

    objects = CodeQuerySet.as_manager()
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        verbose_name = _("goal")
        verbose_name_plural = _("goals")

    def __str__(self):
        return f"{self.name} ({self.code})"


class GoalMeasurement(TimeStampedModel):
    """One measured value of a goal, with where it comes from."""

    goal = models.ForeignKey(
        "agenda.Goal", verbose_name=_("goal"), on_delete=models.CASCADE, related_name="measurements"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("value"), max_digits=14, decimal_places=2)
    source = models.TextField(_("source"))
    note = models.TextField(_("note"), blank=True)

    objects = NaturalKeyManager("goal__code", "year")
    history = HistoricalRecords()

    class Meta:
        ordering = ["goal__code", "year"]
        verbose_name = _("measurement")
        verbose_name_plural = _("measurements")
        constraints = [
            models.UniqueConstraint(
                fields=["goal", "year"], name="%(app_label)s_%(class)s_unique_year"
            ),
        ]

    def __str__(self):
        return f"{self.goal.name} {self.year}: {number_format(self.value)}"

    def natural_key(self):
        return (*self.goal.natural_key(), self.year)

    natural_key.dependencies = ["agenda.goal"]


class ApiToken(TimeStampedModel):
    """A key to the API (`Authorization: Token …`) for one user, acting with their scope.
    Only a digest of the key is stored: the key itself is shown once, when the token is made
    (`agenda.services.api_token_create`). A token ends at `expires_at` and when its user's
    password changes."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="api_tokens",
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("starts with"), max_length=8)
    digest = models.CharField(_("digest"), max_length=64, unique=True, editable=False)
    password_stamp = models.CharField(max_length=64, editable=False)
    expires_at = models.DateTimeField(_("expires at"))

    class Meta:
        ordering = ["user__username", "-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self):
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def digest_of(key):
        """Keys are 160 random bits: a plain SHA-256 is enough to make a stolen table
        useless (no salt or stretching needed, unlike passwords)."""
        return hashlib.sha256(key.encode()).hexdigest()

    @staticmethod
    def stamp_for(user):
        """Changes whenever the user's password does (a new salt every time)."""
        return hashlib.sha256(user.password.encode()).hexdigest()

    def is_live(self, now):
        return now < self.expires_at and constant_time_compare(
            self.password_stamp, self.stamp_for(self.user)
        )


class CurrentTransaction(models.Func):
    """The writing transaction's id on PostgreSQL (`pg_current_xact_id()`), 0 elsewhere: the
    `changes/` feed orders and settles its entries by it (config/api/changes.py)."""

    output_field = models.BigIntegerField()

    def as_sql(self, compiler, connection, **extra_context):
        return "0", []

    def as_postgresql(self, compiler, connection, **extra_context):
        return "(pg_current_xact_id()::text::bigint)", []


class FeedEntry(models.Model):
    """One line of the `changes/` feed, written in the transaction of the change it
    announces (config/api/feedlog.py): this record (`type`, `key`) may have changed. Whether
    a reader is told `created`/`changed` or `deleted` is decided when the feed is read, by
    whether the reader can see the record then; `public` says whether readers who see no
    drafts may hear of it at all (the record was, or became, public around this change)."""

    id = models.BigAutoField(primary_key=True)
    txid = models.BigIntegerField(db_default=CurrentTransaction(), editable=False)
    at = models.DateTimeField()
    type = models.CharField(max_length=20)
    key = models.CharField(max_length=100)
    object_id = models.BigIntegerField()
    kind = models.CharField(max_length=1)  # "+", "~" or "-", as in the history
    public = models.BooleanField()

    class Meta:
        indexes = [
            models.Index(fields=["txid", "id"], name="feed_entry_position"),
            models.Index(fields=["at"], name="feed_entry_at"),
        ]

    def __str__(self):
        return f"{self.type} {self.key} {self.kind}"
