"""Request-wide settings of the API."""

import datetime

from django.utils import timezone


class APITimezoneMiddleware:
    """The API speaks UTC: its timestamps end in `Z` whatever the site's own time zone
    (the admin and the pages keep Europe/Amsterdam)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if not request.path.startswith("/api/"):
            return self.get_response(request)
        with timezone.override(datetime.UTC):
            return self.get_response(request)
