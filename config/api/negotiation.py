"""Which renderer answers: an unknown or unoffered `?format=` is a 406."""

from django.utils.translation import gettext as _
from rest_framework import exceptions
from rest_framework.negotiation import DefaultContentNegotiation


class ContentNegotiation(DefaultContentNegotiation):
    """An unknown `?format=` is 406 Not Acceptable (DRF answers 404), and so is a format a
    resource does not offer (CSV and XLSX exist for lists only)."""

    def select_renderer(self, request, renderers, format_suffix=None):
        # DRF takes an empty `?format=` for none given; the schema names the formats there are.
        if request.query_params.get(self.settings.URL_FORMAT_OVERRIDE) == "":
            self.filter_renderers(renderers, "")
        return super().select_renderer(request, renderers, format_suffix)

    def filter_renderers(self, renderers, format):
        matching = [r for r in renderers if r.format == format]
        if not matching:
            raise exceptions.NotAcceptable(
                _("Format “%(format)s” is not offered here; use %(formats)s.")
                % {"format": format[:20], "formats": ", ".join(r.format for r in renderers)}
            )
        return matching
