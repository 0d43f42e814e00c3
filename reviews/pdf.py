"""The report as a PDF: WeasyPrint renders the same HTML with the print stylesheet, as a
tagged PDF/UA-1 document (accessible: structure, language, title). It reads only the
registry's own static files (no network): anything else it is pointed at is refused."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse
from django.utils.translation import gettext as _

STATIC_PREFIX = "file:///static/"


def pdf_response(html, name):
    # Imported on use: loading WeasyPrint loads Pango, which a server may lack.
    try:
        from weasyprint import HTML
        from weasyprint.urls import URLFetcher, URLFetcherResponse
    except OSError:
        return HttpResponse(
            _(
                "A PDF cannot be made on this server (its Pango library is missing); "
                "print the report from the browser instead."
            ),
            status=503,
            content_type="text/plain; charset=utf-8",
        )

    class StaticOnly(URLFetcher):
        def fetch(self, url, headers=None):
            if not url.startswith(STATIC_PREFIX):
                raise ValueError(f"Not a static file of the registry: {url[:80]}")
            found = finders.find(url.removeprefix(STATIC_PREFIX).split("?")[0])
            if not found:
                raise ValueError(f"No such static file: {url[:80]}")
            content_type = "text/css" if found.endswith(".css") else "application/octet-stream"
            return URLFetcherResponse(
                url, body=Path(found).read_bytes(), headers={"Content-Type": content_type}
            )

    document = HTML(string=html, base_url="file:///", url_fetcher=StaticOnly())
    # Tagged PDF/UA-1: headings, tables and reading order for screen readers; the language
    # and title come from the page's <html lang> and <title>.
    response = HttpResponse(
        document.write_pdf(pdf_variant="pdf/ua-1"), content_type="application/pdf"
    )
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
