"""Request-wide settings: the API's time zone, caching of personal responses, and what a
request that the database cannot answer gets."""

import datetime

from django.conf import settings
from django.db import DataError, InterfaceError, OperationalError
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse
from django.utils import timezone
from django.utils.cache import patch_cache_control, patch_vary_headers
from django.utils.html import escape
from django.utils.translation import gettext as _
from psycopg.errors import QueryCanceled
from rest_framework.throttling import BaseThrottle

PERSONAL_PATHS = ("/admin/", "/reviews/")
# Seconds a client should wait before trying again while the database is away (a restart
# takes a few seconds; CONN_HEALTH_CHECKS reconnects on the next request).
RETRY_AFTER = 5


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
        # From the request's own headers, never by loading the user: that needs the database,
        # which may be the reason this response is a 503. A session cookie counts as signed
        # in (at worst an anonymous session's response is not shared: the safe side).
        if (
            settings.SESSION_COOKIE_NAME in request.COOKIES
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


class DatabaseErrorsMiddleware:
    """A view whose database is down (refused, restarting, connection lost) answers 503
    Service Unavailable with `Retry-After`: JSON `{detail, code}` under /api/, a plain page
    elsewhere. Never a 500: nothing is wrong with the request, and it can be retried.

    A statement that PostgreSQL cancels (DATABASE_STATEMENT_TIMEOUT) gets the same 503, which
    says that the page took too long.

    A filter value in an admin list that the database cannot compare (a NUL byte on
    PostgreSQL, an integer beyond 64 bits on SQLite) fails only when the list is counted;
    it is a bad filter like any other, which Django's admin answers with the unfiltered
    list and a message (`?e=1`)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if isinstance(exception, OperationalError | InterfaceError):
            return service_unavailable(request, too_slow=statement_timed_out(exception))
        match = request.resolver_match
        if (
            isinstance(exception, DataError | OverflowError)
            and request.method == "GET"
            and match is not None
            and match.app_name == "admin"
            and (match.url_name or "").endswith("_changelist")
        ):
            return HttpResponseRedirect(f"{request.path}?e=1")
        return None


def statement_timed_out(exception):
    """PostgreSQL cancelled a statement that ran past DATABASE_STATEMENT_TIMEOUT."""
    return isinstance(exception.__cause__, QueryCanceled)


def service_unavailable(request, too_slow=False):
    if too_slow:
        message = _(
            "This page took the database too long just now; try again in a moment, or "
            "narrow it down with a filter."
        )
    else:
        message = _("The registry cannot reach its database just now; try again in a moment.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message, "code": "service_unavailable"}, status=503)
    else:
        title = _("Temporarily unavailable")
        response = HttpResponse(
            f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{escape(title)}</title>'
            f"</head><body><h1>{escape(title)}</h1><p>{escape(message)}</p></body></html>",
            status=503,
        )
    response["Retry-After"] = str(RETRY_AFTER)
    return response
