from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Upper
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from actions.choices import CLOSED_STATUSES, ActionStatus
from actions.querysets import WORK_ORDER, ActionQuerySet
from config.clock import today
from config.models import CaseInsensitiveCodeMixin, TimeStampedModel, validate_code


def overdue_on(due_date, status, day):
    """Overdue on `day`: due before it and neither done nor cancelled (the list rows and the
    model read this; querysets use `overdue_q`)."""
    return bool(due_date and due_date < day and status not in CLOSED_STATUSES)


class Action(CaseInsensitiveCodeMixin, TimeStampedModel):
    """A concrete action (actie) under an agreement, with an accountable owner (eigenaar) and
    contributing parties: the agenda's two-way traffic. Status moves only through
    `actions.services` (`action_update`, `action_add_update`)."""

    agreement = models.ForeignKey(
        "agenda.Agreement",
        verbose_name=_("agreement"),
        on_delete=models.PROTECT,
        related_name="actions",
    )
    code = models.CharField(
        _("code"), max_length=60, unique=True, null=True, blank=True, validators=[validate_code]
    )
    title = models.CharField(_("title"), max_length=300)
    description = models.TextField(_("description"), blank=True)
    owner = models.ForeignKey(
        "agenda.Party",
        verbose_name=_("owner"),
        on_delete=models.PROTECT,
        related_name="owned_actions",
    )
    contributors = models.ManyToManyField(
        "agenda.Party",
        verbose_name=_("contributors"),
        blank=True,
        related_name="contributed_actions",
    )
    region = models.ForeignKey(
        "regions.Region",
        verbose_name=_("region"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="actions",
        help_text=_("Only when narrower than the agreement's regions."),
    )
    status = models.CharField(
        _("status"), max_length=12, choices=ActionStatus, default=ActionStatus.PLANNED
    )
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    start_date = models.DateField(_("start date"), null=True, blank=True)
    due_date = models.DateField(_("due date"), null=True, blank=True)
    completed_on = models.DateField(_("completed on"), null=True, blank=True)
    result = models.TextField(_("result"), blank=True)
    source = models.TextField(_("source"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1, editable=False)

    objects = ActionQuerySet.as_manager()
    history = HistoricalRecords(m2m_fields=["contributors"])

    class Meta:
        ordering = ["agreement__code", "due_date", "pk"]
        verbose_name = _("action")
        verbose_name_plural = _("actions")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__gte=0) & models.Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_range",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(status__in=ActionStatus.values),
                name="%(app_label)s_%(class)s_status_valid",
                violation_error_message=_("Choose one of the statuses."),
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ActionStatus.DONE)
                | (models.Q(completed_on__isnull=False) & models.Q(progress=100)),
                name="%(app_label)s_%(class)s_done_is_complete",
                violation_error_message=_("A done action has a completion date and progress 100."),
            ),
            models.CheckConstraint(
                condition=models.Q(start_date__isnull=True)
                | models.Q(due_date__isnull=True)
                | models.Q(start_date__lte=models.F("due_date")),
                name="%(app_label)s_%(class)s_start_before_due",
                violation_error_message=_("The due date precedes the start date."),
            ),
        ]
        indexes = [
            models.Index(fields=["status", "due_date"]),
            models.Index(fields=["due_date"]),
            # The sync walk (`updated_since`, `cursor`) reads in this order.
            models.Index(fields=["updated_at", "id"]),
            # The admin's list and the agreement page read open work first in this order:
            # with the index the first page is an index scan, not a sort of every action.
            # (PostgreSQL's ascending index keeps NULLs last, as the order wants; SQLite
            # allows no NULLS LAST in an index definition.)
            models.Index(WORK_ORDER[0], "due_date", "id", name="actions_action_work_order"),
            # Codes are keys in any letter case (`code__iexact`, the generated codes' look-up):
            # an index lookup, not a scan of every action per new action.
            models.Index(Upper("code"), name="actions_action_code_upper"),
        ]

    def __str__(self):
        # People know an action by its title (the list shows titles); its code is a key for
        # machines and files. Django's messages, headings and breadcrumbs read this.
        return self.title

    def natural_key(self):
        return (self.code,)

    def clean(self):
        if self.start_date and self.due_date and self.start_date > self.due_date:
            raise ValidationError({"due_date": _("The due date precedes the start date.")})

    @property
    def is_overdue(self):
        return overdue_on(self.due_date, self.status, today())


class ActionUpdate(models.Model):
    """A progress-log entry. Every status change writes one; it is never edited."""

    action = models.ForeignKey(
        "actions.Action", verbose_name=_("action"), on_delete=models.CASCADE, related_name="updates"
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("author"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="action_updates",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True, db_index=True)
    status_from = models.CharField(_("status from"), max_length=12, choices=ActionStatus)
    status_to = models.CharField(_("status to"), max_length=12, choices=ActionStatus)
    progress = models.PositiveSmallIntegerField(
        _("progress (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("progress update")
        verbose_name_plural = _("progress updates")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(progress__gte=0) & models.Q(progress__lte=100),
                name="%(app_label)s_%(class)s_progress_range",
                violation_error_message=_("Progress is a percentage from 0 to 100."),
            ),
        ]

    def __str__(self):
        # The labels people read ("gepland → in uitvoering"), never the stored codes.
        if self.status_from == self.status_to:
            return f"{self.action}: {self.get_status_to_display()}, {self.progress}%"
        return f"{self.action}: {self.get_status_from_display()} → {self.get_status_to_display()}"


class ImportUpload(TimeStampedModel):
    """A spreadsheet an editor uploaded in the admin to import actions, kept between its
    preview and their confirmation. It lives in the database, not on one app server's disk,
    so that whichever server answers the confirmation reads the very bytes that were
    previewed (and validates them again). Deleted when confirmed, and a day after upload at
    the latest. A transient buffer, not a record of the agenda: it has no history."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="action_import_uploads",
    )
    file_name = models.CharField(_("file name"), max_length=255)
    content = models.BinaryField(_("content"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("uploaded import file")
        verbose_name_plural = _("uploaded import files")

    def __str__(self):
        return self.file_name
