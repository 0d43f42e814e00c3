from django.conf import settings
from django.db import models
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from config.models import TimeStampedModel, choices_constraint
from reviews.choices import SavedViewList
from reviews.querysets import SavedViewQuerySet


class SavedView(TimeStampedModel):
    """A filtered list of the review pages saved under a name: the API's filter parameters
    (`query`, e.g. `applies_to=AG-ZUID&overdue=true`), private to its owner or shared with
    everyone who uses the review pages. Reopened as a link."""

    name = models.CharField(_("name"), max_length=120)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        on_delete=models.CASCADE,
        related_name="saved_views",
    )
    list = models.CharField(_("list"), max_length=12, choices=SavedViewList)
    query = models.CharField(
        _("filter"),
        max_length=2000,
        blank=True,
        help_text=_("The list's parameters, as in the API: applies_to=AG-ZUID&overdue=true."),
    )
    shared = models.BooleanField(
        _("shared with everyone"),
        default=False,
        help_text=_("Everyone who uses the review pages sees it; otherwise only you."),
    )

    objects = SavedViewQuerySet.as_manager()

    class Meta:
        ordering = ["list", "name", "pk"]
        verbose_name = _("saved view")
        verbose_name_plural = _("saved views")
        constraints = [
            models.UniqueConstraint(
                fields=["owner", "list", "name"], name="%(app_label)s_%(class)s_unique_name"
            ),
            choices_constraint("list", SavedViewList),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("reviews:saved-view", args=[self.pk])

    def list_url(self):
        path = reverse(f"reviews:{self.list}")
        return f"{path}?{self.query}" if self.query else path


class ReminderLog(models.Model):
    """A reminder mailed to one party's editors on one day (`send_reminders`): at most one
    per party per day, so a second run the same day sends nothing."""

    party = models.ForeignKey(
        "agenda.Party",
        verbose_name=_("party"),
        on_delete=models.CASCADE,
        related_name="reminders",
    )
    day = models.DateField(_("day"))
    sent_at = models.DateTimeField(_("sent at"), auto_now_add=True)
    recipients = models.TextField(_("recipients"), help_text=_("E-mail addresses, one a line."))
    overdue = models.PositiveIntegerField(_("overdue actions"))
    stalled = models.PositiveIntegerField(_("stalled actions"))

    class Meta:
        ordering = ["-day", "party__code"]
        verbose_name = _("reminder sent")
        verbose_name_plural = _("reminders sent")
        constraints = [
            models.UniqueConstraint(
                fields=["party", "day"], name="%(app_label)s_%(class)s_once_a_day"
            ),
        ]

    def __str__(self):
        return f"{self.party.name} {date_format(self.day)}"
