"""Strict query strings, one answer for the API and the pages: a parameter that a page or an
endpoint does not take is refused, naming it (DESIGN.md, "Strict input")."""

from django.utils.translation import gettext as _

# A hostile query string may carry thousands of names: a refusal names this many at most.
MAX_NAMED = 20


def unknown_parameters(params, allowed):
    """The names in `params` (a QueryDict or any iterable of names) not in `allowed`, sorted,
    at most MAX_NAMED."""
    return sorted(name for name in set(params) if name not in allowed)[:MAX_NAMED]


def unknown_parameters_message(names):
    """The refusal for people, each name cut short (it is the visitor's text, echoed)."""
    return _("Unknown parameter(s): %(names)s.") % {"names": ", ".join(n[:40] for n in names)}
