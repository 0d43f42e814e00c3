"""`Idempotency-Key` on POST (IETF draft "The Idempotency-Key HTTP Header Field"): a client
that did not hear the answer sends the same request again with the same key and gets the
first answer back (`Idempotent-Replayed: true`), not a second action. The key is kept per
user (a digest of user and key) with a digest of the request (path and body) for
IDEMPOTENCY_KEY_SECONDS (24 h) in the shared `throttle` cache, so every worker and app server
sees it. The same key with another request is a 422; while the first request with a key is
still running, a second is a 409. Answers of 5xx are not kept (the client may retry)."""

import hashlib
import json

from django.conf import settings
from django.core.cache import caches
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, status
from rest_framework.response import Response

from config.api.throttling import THROTTLE_CACHE

HEADER = "Idempotency-Key"
KEPT_HEADERS = ("Location", "ETag")


class IdempotencyKeyReused(exceptions.APIException):
    status_code = status.HTTP_422_UNPROCESSABLE_ENTITY
    default_detail = _("This Idempotency-Key was used for another request; use a new key.")
    default_code = "idempotency_key_reused"


class IdempotencyKeyInUse(exceptions.APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = _("A request with this Idempotency-Key is still being processed.")
    default_code = "idempotency_key_in_use"


def _digest(*parts):
    hasher = hashlib.sha256()
    for part in parts:
        hasher.update(part if isinstance(part, bytes) else str(part).encode())
        hasher.update(b"\x00")
    return hasher.hexdigest()


def _key_from(request):
    key = request.headers.get(HEADER)
    if key is None:
        return None
    if not (0 < len(key) <= 255 and key.isascii() and key.isprintable()):
        raise exceptions.ValidationError({HEADER: [_("At most 255 printable ASCII characters.")]})
    return key


class IdempotencyMixin:
    """For a viewset: POSTs with an `Idempotency-Key` are answered once."""

    idempotency = None

    def check_idempotency(self, request):
        """Called after authentication: replays a kept answer (by answering with it instead of
        the handler), refuses a reused or busy key, or claims the key for this request."""
        if request.method != "POST":
            return
        key = _key_from(request)
        if key is None:
            return
        user = request.user.pk if request.user.is_authenticated else "anonymous"
        record = "idempotency:" + _digest(user, key)
        fingerprint = _digest(request.method, request.path, request.body)
        cache = caches[THROTTLE_CACHE]
        seconds = settings.IDEMPOTENCY_KEY_SECONDS
        if cache.add(record, {"fingerprint": fingerprint, "pending": True}, seconds):
            self.idempotency = (record, fingerprint)
            return
        kept = cache.get(record)
        if kept is None:  # expired in between: claim it again
            cache.set(record, {"fingerprint": fingerprint, "pending": True}, seconds)
            self.idempotency = (record, fingerprint)
            return
        if kept["fingerprint"] != fingerprint:
            raise IdempotencyKeyReused()
        if kept.get("pending"):
            raise IdempotencyKeyInUse()
        replay = Response(kept["data"], status=kept["status"], headers=kept["headers"])
        replay["Idempotent-Replayed"] = "true"
        # Answer with the kept response instead of running the handler again.
        setattr(self, request.method.lower(), lambda *args, **kwargs: replay)

    def keep_for_idempotency(self, response):
        if self.idempotency is None:
            return
        record, fingerprint = self.idempotency
        cache = caches[THROTTLE_CACHE]
        if response.status_code >= 500 or not hasattr(response, "data"):
            cache.delete(record)
            return
        kept = {
            "fingerprint": fingerprint,
            "status": response.status_code,
            "data": json.loads(json.dumps(response.data, default=str)),
            "headers": {name: response[name] for name in KEPT_HEADERS if response.has_header(name)},
        }
        cache.set(record, kept, settings.IDEMPOTENCY_KEY_SECONDS)
