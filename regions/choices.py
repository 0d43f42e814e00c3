from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionKind(models.TextChoices):
    COUNTRY = "country", _("country")
    LANDSDEEL = "landsdeel", _("landsdeel (CBS)")
    AGENDA_REGION = "agenda_region", _("agenda region")
    PROVINCE = "province", _("province")
    MUNICIPALITY = "municipality", _("municipality")
    CLUSTER = "cluster", _("cluster or hotspot")
