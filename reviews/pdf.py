"""The report as a PDF: WeasyPrint renders the same HTML with the print stylesheet. It reads
only the registry's own static files (no network): anything else it is pointed at is
refused."""

from pathlib import Path

from django.contrib.staticfiles import finders
from django.http import HttpResponse


def static_only(url):
    prefix = "file:///static/"
    if not url.startswith(prefix):
        raise ValueError(f"Not a static file of the registry: {url[:80]}")
    found = finders.find(url.removeprefix(prefix).split("?")[0])
    if not found:
        raise ValueError(f"No such static file: {url[:80]}")
    data = Path(found).read_bytes()
    mime = "text/css" if found.endswith(".css") else None
    return {"string": data, "mime_type": mime}


def pdf_response(html, name):
    from weasyprint import HTML, default_url_fetcher  # noqa: F401  (imported on use: heavy)

    document = HTML(string=html, base_url="file:///", url_fetcher=static_only)
    response = HttpResponse(document.write_pdf(), content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{name}.pdf"'
    return response
