from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class RegistryTokenAuthentication(TokenAuthentication):
    """DRF's token authentication; a malformed key (NUL bytes, wrong length) is refused
    before the database sees it."""

    def authenticate_credentials(self, key):
        if len(key) != 40 or not key.isalnum():
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        return super().authenticate_credentials(key)
