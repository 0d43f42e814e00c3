"""The OpenAPI schema: every operation declares the error responses it can give."""

from drf_spectacular.openapi import AutoSchema

ERROR_SCHEMA = {
    "type": "object",
    "description": "Errors: `detail`, or a list of messages per parameter or field.",
    "additionalProperties": True,
}


class RegistryAutoSchema(AutoSchema):
    """Declares the error responses every operation can give (400/401/403/404/412/429)."""

    def _get_response_bodies(self, direction="response"):
        responses = super()._get_response_bodies(direction)
        codes = {"400", "429"}
        if self.path_regex and "{" in self.path:
            codes.add("404")
        if self.method in ("POST", "PUT", "PATCH", "DELETE"):
            codes |= {"401", "403"}
        if self.method in ("PUT", "PATCH", "DELETE") or self.path.endswith("/updates/"):
            codes.add("412")
        for code in sorted(codes):
            responses.setdefault(
                code,
                {
                    "description": ERROR_DESCRIPTIONS[code],
                    "content": {"application/json": {"schema": ERROR_SCHEMA}},
                },
            )
        return responses


ERROR_DESCRIPTIONS = {
    "400": "Malformed or unknown parameter or field; the body names it. Nothing was written.",
    "401": "Authentication needed (session or `Authorization: Token …`).",
    "403": "Outside your scope (DESIGN.md, 'Who may do what'). Nothing was written.",
    "404": "No such object (or not visible to you).",
    "412": "`If-Match` names a version that is no longer current. Nothing was written.",
    "429": "Too many requests; see `Retry-After`.",
}
