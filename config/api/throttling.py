"""The API's rate limits, shared by every worker and every app server: the counts live in the
`throttle` cache (settings.CACHES; by default a table in the database, `THROTTLE_CACHE_URL`
for Redis), never in one process's memory. Each answer says where the client stands
(`RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset`, IETF draft
"RateLimit header fields for HTTP"); a 429 adds `Retry-After`. A `304 Not Modified` costs no
slot: a copy that polls with `If-None-Match` pays only for what changed."""

import math

from django.conf import settings
from django.core.cache import caches
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

THROTTLE_CACHE = "throttle"
# Where a request's throttles are kept (on Django's request), for the middleware.
REQUEST_ATTRIBUTE = "_registry_throttles"


class SharedThrottleMixin:
    """A DRF rate throttle on the shared cache that remembers its count for the headers and
    can give a slot back."""

    @property
    def cache(self):
        return caches[THROTTLE_CACHE]

    def allow_request(self, request, view):
        allowed = super().allow_request(request, view)
        if self.rate is not None and getattr(self, "key", None) is not None:
            django_request = getattr(request, "_request", request)
            throttles = getattr(django_request, REQUEST_ATTRIBUTE, [])
            throttles.append((self, allowed))
            setattr(django_request, REQUEST_ATTRIBUTE, throttles)
        return allowed

    def refund(self):
        """Give back the slot this request took (a 304)."""
        history = self.cache.get(self.key, [])
        if self.now in history:
            history.remove(self.now)
            self.cache.set(self.key, history, self.duration)
        self.history = history

    def state(self, allowed):
        """(limit, remaining, seconds until a slot frees) for the headers."""
        history = self.history
        remaining = max(0, self.num_requests - len(history))
        reset = max(0, math.ceil(history[-1] + self.duration - self.now)) if history else 0
        if not allowed:
            reset = max(reset, math.ceil(self.wait() or 0))
        return self.num_requests, remaining, reset


class SharedAnonRateThrottle(SharedThrottleMixin, AnonRateThrottle):
    pass


class SharedUserRateThrottle(SharedThrottleMixin, UserRateThrottle):
    pass


def rate_limit_headers(request, response):
    """`RateLimit-*` on an API answer (the tightest of the throttles that counted it); a 304
    gives its slot back first."""
    throttles = getattr(request, REQUEST_ATTRIBUTE, None)
    if not throttles:
        return response
    if response.status_code == 304:
        for throttle, allowed in throttles:
            if allowed:
                throttle.refund()
    states = [throttle.state(allowed) for throttle, allowed in throttles]
    limit, remaining, reset = min(states, key=lambda state: (state[1], -state[2]))
    response["RateLimit-Limit"] = str(limit)
    response["RateLimit-Remaining"] = str(remaining)
    response["RateLimit-Reset"] = str(reset)
    if response.status_code == 429 and not response.has_header("Retry-After"):
        response["Retry-After"] = str(max(1, reset))
    return response


class APIHeadersMiddleware:
    """`RateLimit-*` and `API-Version` (semantic versioning) on every API answer. Outside
    ConditionalGetMiddleware, so that it sees the final status (a 304 is made there, after
    the view, keeping few of the view's headers)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = rate_limit_headers(request, self.get_response(request))
        if request.path.startswith("/api/"):
            response["API-Version"] = settings.SPECTACULAR_SETTINGS["VERSION"]
        return response
