"""What every review page shares: who may use them, and links that carry the filters."""

from urllib.parse import urlencode

from django.contrib.auth.mixins import UserPassesTestMixin
from django.utils.translation import gettext_lazy

from agenda.scope import scope_for

NATIONAL_LABEL = gettext_lazy("Nationwide or across agenda regions")


def may_use_review_pages(user):
    return user.is_active and (user.is_staff or scope_for(user).is_member)


class ReviewPageMixin(UserPassesTestMixin):
    """Members and staff; anonymous visitors go to the login page (with `next`), other
    logged-in users get a 403."""

    def test_func(self):
        return may_use_review_pages(self.request.user)


def with_params(base, **params):
    query = urlencode({k: v for k, v in params.items() if v not in (None, "")})
    return f"{base}?{query}" if query else base


# The dashboard --------------------------------------------------------------------------
