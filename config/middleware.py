"""Request-wide settings: the API's time zone, caching of personal responses."""

import datetime

from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from rest_framework.throttling import BaseThrottle

PERSONAL_PATHS = ("/admin/", "/reviews/")


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


class PrivateCacheMiddleware:
    """A response made for a signed-in user (session or token) or on the member-only pages
    (admin, review pages) is `Cache-Control: private`, and varies by `Cookie` and
    `Authorization`: no shared cache (a proxy, a CDN) keeps it for someone else. Anonymous
    API reads stay cacheable."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if (
            (user is not None and user.is_authenticated)
            or "HTTP_AUTHORIZATION" in request.META
            or request.path.startswith(PERSONAL_PATHS)
        ):
            patch_cache_control(response, private=True)
            patch_vary_headers(response, ("Cookie", "Authorization"))
        return response


def client_address(request):
    """The client's address as the API's throttle reads it (`NUM_PROXIES` trusted proxies'
    X-Forwarded-For, else the connection's): one rule for the throttle and the login lockout."""
    return BaseThrottle().get_ident(request)
