"""The browsable API as partners see it in a browser."""

from django.utils import translation
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's browsable API, with the page's language declared (`<html lang>`, for screen
    readers and translation tools)."""

    def render(self, data, accepted_media_type=None, renderer_context=None):
        page = super().render(data, accepted_media_type, renderer_context)
        lang = translation.get_language() or "nl"
        return page.replace("<html>", f'<html lang="{lang}">', 1)
