"""The agenda's day: the date in the Netherlands (TIME_ZONE), whatever time zone is active
(the API answers in UTC, but an action is overdue by the Dutch calendar)."""

from zoneinfo import ZoneInfo

from django.conf import settings
from django.utils import timezone


def today():
    return timezone.localdate(timezone=ZoneInfo(settings.TIME_ZONE))
