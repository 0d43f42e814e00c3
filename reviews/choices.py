from django.db import models
from django.utils.translation import gettext_lazy as _


class SavedViewList(models.TextChoices):
    ACTIONS = "actions", _("actions")
    AGREEMENTS = "agreements", _("agreements")
