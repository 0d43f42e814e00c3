"""The API's front door: where the endpoints, the docs, the code lists and the guide are."""

from django.conf import settings
from django.urls import NoReverseMatch, reverse
from django.utils import formats, translation
from django.utils.translation import gettext as _
from django.views.generic import TemplateView
from drf_spectacular.utils import extend_schema
from drf_spectacular.views import SpectacularAPIView
from rest_framework import exceptions, routers
from rest_framework.response import Response

from config.clock import configured_day


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
        configured = configured_day()
        if configured is not None:
            body["reference_date"] = configured.isoformat()
            body["reference_note"] = _(
                "The review pages show this data as it stood on %(date)s (AGENDA_SNAPSHOT_DATE); "
                "the API answers the current state, judged today. Values that are assumptions "
                "say so in their source (“Aanname:”)."
            ) % {"date": configured.isoformat()}
        return Response(body)


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
            "reference_date": configured_day(),
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

    # Not drf-spectacular's `api_version`: given one, it writes `info.version` as
    # "1.1.0 (1.1.0)", which is no semantic version.
    current_version = settings.SPECTACULAR_SETTINGS["VERSION"]

    @extend_schema(exclude=True)
    def get(self, request, *args, **kwargs):
        if request.query_params.get("version", self.current_version) != self.current_version:
            raise exceptions.NotFound(
                _("There is no such version of the API; the current one is %(version)s.")
                % {"version": self.current_version}
            )
        with translation.override("en"):
            return super().get(request, *args, **kwargs)

    def _get_schema_response(self, request):
        # The schema is the same for every request to a running server: built once per
        # process. Building it costs about half a second of CPU, so built per request it was
        # a cheap way for anyone to keep the workers busy.
        if self.current_version not in BUILT_SCHEMAS:
            BUILT_SCHEMAS[self.current_version] = self.generator_class(
                urlconf=self.urlconf, patterns=self.patterns
            ).get_schema(request=request, public=self.serve_public)
        return Response(
            data=BUILT_SCHEMAS[self.current_version],
            headers={
                "Content-Disposition": f'inline; filename="{self._get_filename(request, None)}"'
            },
        )


BUILT_SCHEMAS = {}  # version: the schema, as SchemaView built it
