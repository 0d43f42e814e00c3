"""The API's front door: where the endpoints, the docs, the code lists and the guide are."""

import datetime

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, routers
from rest_framework.response import Response


class APIRootView(routers.APIRootView):
    """MKB-samenwerkingsagenda registry API. Start with the docs (`docs`) and the guide
    (`guide`); codes for filters and references come from the code lists."""

    def get(self, request, *args, **kwargs):
        def url(name):
            try:
                return request.build_absolute_uri(reverse(f"api:{name}"))
            except NoReverseMatch:
                return None

        endpoints = {prefix: url(name) for prefix, name in self.api_root_dict.items()}
        endpoints["changes"] = url("changes")
        body = {
            "name": settings.SPECTACULAR_SETTINGS["TITLE"],
            "docs": url("docs"),
            "schema": url("schema"),
            "guide": url("guide"),
            "code_lists": {
                "regions": endpoints["regions"],
                "parties": endpoints["parties"],
                "themes": endpoints["themes"],
            },
            "endpoints": endpoints,
        }
        if settings.AGENDA_SNAPSHOT_DATE:
            body["data_as_of"] = settings.AGENDA_SNAPSHOT_DATE
            body["data_note"] = _(
                "The agenda as it stood at the review of %(date)s; values that are assumptions "
                "say so in their source (“Aanname:”)."
            ) % {"date": settings.AGENDA_SNAPSHOT_DATE}
        return Response(body)


def snapshot_date():
    """The date the data stands at (AGENDA_SNAPSHOT_DATE), or None for live data."""
    value = settings.AGENDA_SNAPSHOT_DATE
    return datetime.date.fromisoformat(value) if value else None


class IntegrationGuideView(TemplateView):
    """How a partner's tool keeps a copy in sync (`changes/`), uses ETags, codes and rate
    limits."""

    template_name = "api/guide.html"

    def get_context_data(self, **kwargs):
        rest = settings.REST_FRAMEWORK
        return {
            **super().get_context_data(**kwargs),
            "anon_rate": rest["DEFAULT_THROTTLE_RATES"]["anon"],
            "user_rate": rest["DEFAULT_THROTTLE_RATES"]["user"],
            "token_days": settings.API_TOKEN_DAYS,
            "snapshot": settings.AGENDA_SNAPSHOT_DATE,
            "snapshot_date": snapshot_date(),
            "export_anon_rows": formats.number_format(
                settings.EXPORT_ANON_MAX_ROWS, force_grouping=True
            ),
            "export_rows": formats.number_format(settings.EXPORT_MAX_ROWS, force_grouping=True),
            "export_xlsx_rows": formats.number_format(
                settings.EXPORT_XLSX_MAX_ROWS, force_grouping=True
            ),
        }


class SchemaView(SpectacularAPIView):
    """The schema, always in English (it is a contract, not a page).

    There is one version of the API. drf-spectacular would take `?version=` as the schema's
    version and write it into a header (a CR/LF in it was a 500); another version than the
    one there is, is a 404."""

    api_version = settings.SPECTACULAR_SETTINGS["VERSION"]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if request.query_params.get("version", self.api_version) != self.api_version:
            raise exceptions.NotFound(
                _("There is no such version of the API; the current one is %(version)s.")
                % {"version": self.api_version}
            )
        with translation.override("en"):
            return super().get(request, *args, **kwargs)
