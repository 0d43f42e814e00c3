"""The report as a PDF: tagged PDF/UA-1 (structure tree, marked content, language, title),
with its status (concept or vastgesteld), date and version on every page."""

import ctypes.util
import io

import pytest
from pypdf import PdfReader

from reviews.services import review_hold
from tests.conftest import require_or_skip
from tests.datasets import dataset_parts, shared_dataset
from tests.factories import ReviewFactory
from tests.reviews.conftest import build_people_and_review_agenda

# Built once for the module; each test gets fresh instances and its writes are rolled back.
shared_rows, shared = shared_dataset("shared", build_people_and_review_agenda)
tree, parties, users, review_agenda = dataset_parts(
    "shared", "tree", "parties", "users", "review_agenda"
)


@pytest.fixture(autouse=True)
def pango():
    require_or_skip(ctypes.util.find_library("pangoft2-1.0"), "Pango (for WeasyPrint) is missing")


def pdf_of(client, review, **params):
    response = client.get(f"/reviews/{review.pk}/report/pdf/", params)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    return PdfReader(io.BytesIO(response.content))


def page_texts(reader):
    return [page.extract_text() for page in reader.pages]


@pytest.fixture
def planned(review_agenda):
    review = ReviewFactory(date="2016-01-05", title="Herijking 2016")
    review.decisions.create(agreement=review_agenda["holland"], decision="stop", note="Stoppen")
    return review


def test_the_pdf_is_tagged_pdf_ua(client, users, planned):
    client.force_login(users["ministry_editor"])
    reader = pdf_of(client, planned)
    root = reader.trailer["/Root"]
    assert bool(root["/MarkInfo"]["/Marked"])
    structure = root["/StructTreeRoot"].get_object()
    assert structure["/K"]  # the tree has content: headings, tables, paragraphs
    assert root["/Lang"] == "nl"
    assert bool(root["/ViewerPreferences"]["/DisplayDocTitle"])
    assert "Herijking 2016" in reader.metadata.title
    metadata = reader.xmp_metadata
    assert metadata is not None
    assert b"pdfuaid" in metadata.stream.get_data()  # declares PDF/UA-1
    assert reader.pdf_header == "%PDF-1.7"


def test_every_page_says_status_date_and_version(client, users, review_agenda, planned):
    client.force_login(users["ministry_editor"])
    texts = page_texts(pdf_of(client, planned))
    assert texts
    for number, text in enumerate(texts, start=1):
        assert "Concept · Herijking 2016 · 5 januari 2016 · versie" in text, number
        assert f"{number} / {len(texts)}" in text
    assert "concept: de herijking is nog niet gehouden" in texts[0]
    review_hold(review=planned, user=users["ministry_editor"])
    held = page_texts(pdf_of(client, planned))
    assert all("Vastgesteld · Herijking 2016" in text for text in held)
    assert "vastgesteld: de herijking is gehouden" in held[0]


def test_the_version_moves_with_the_decisions(client, users, review_agenda, planned):
    from reviews.views.report import report_version

    before = report_version(planned)
    planned.decisions.create(agreement=review_agenda["generic"], decision="continue")
    assert report_version(planned) == before + 1
    client.force_login(users["ministry_editor"])
    texts = page_texts(pdf_of(client, planned))
    assert f"versie {before + 1}" in texts[0]


def test_no_page_is_left_half_empty_by_a_forced_break(client, users, review_agenda, planned):
    """Sections follow on: a short agenda's report is one page, not one per section."""
    client.force_login(users["ministry_editor"])
    reader = pdf_of(client, planned)
    assert len(reader.pages) <= 3, len(reader.pages)
