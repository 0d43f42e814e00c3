"""API token authentication (`Authorization: Token …`) against `ApiToken`: keys are looked
up by their digest; an expired token, or one made before its user's password changed, is
refused like an unknown one."""

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from agenda.models import ApiToken


class RegistryTokenAuthentication(TokenAuthentication):
    """DRF's `Token` header and answers; a malformed key (NUL bytes, wrong length) is
    refused before the database sees it."""

    model = ApiToken

    def authenticate_credentials(self, key):
        if len(key) != 40 or not key.isalnum():
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        token = (
            ApiToken.objects.select_related("user").filter(digest=ApiToken.digest_of(key)).first()
        )
        if token is None or not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.is_live(timezone.now()):
            raise exceptions.AuthenticationFailed(
                _("This token has expired or its user's password has changed; make a new one.")
            )
        return (token.user, token)
