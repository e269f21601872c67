"""Showing a document on screen (Documents.view): only a PDF, PNG or JPEG, judged by the type its
content was detected to be at filing, never the declared one; served under that type with a name
that says it; traced as a view; refused like any read to whoever may not see it."""

import pytest

from healthspace.kernel.errors import Conflict, NotFound
from healthspace.records import filetypes
from healthspace.records.model import Action
from tests.unit.test_medical_file import PDF, upload

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
TIFF = b"II*\x00" + b"\x00" * 64
# A PDF that is also a web page: a browser told it is HTML would run its script.
POLYGLOT = b"%PDF-1.4\n%<html><script>fetch('/stolen')</script></html>\n" + PDF[9:]


@pytest.fixture
def access(medical_file, alice, spaces):
    return medical_file.spaces.policy.resolve(alice, None)


@pytest.mark.parametrize(
    ("data", "mime"), [(PDF, "application/pdf"), (PNG, "image/png"), (JPEG, "image/jpeg")]
)
def test_a_pdf_or_an_image_is_staged_as_what_it_is(medical_file, blobs, access, data, mime):
    document_id, _ = upload(medical_file, blobs, access, data=data)
    url, content_type, seconds = medical_file.documents.view(access, document_id)
    assert content_type == mime and 0 < seconds <= 300
    ((key, staged),) = blobs.views.items()
    assert url == f"https://documents.test/{key}" and key.startswith("views/")
    assert staged[:2] == (data, mime)
    assert staged[2] == filetypes.named_as("bilan.pdf", mime)


def test_the_declared_type_does_not_count_the_detected_one_does(medical_file, blobs, access):
    """Declared a PDF, the file is a PNG: it is shown as a PNG; declared a PDF, it is TIFF: it is
    not shown at all (only downloaded), and nothing is staged or traced."""
    png_id, _ = upload(medical_file, blobs, access, data=PNG, content_type="application/pdf")
    assert medical_file.documents.view(access, png_id)[1] == "image/png"
    assert next(iter(blobs.views.values()))[2] == "bilan.png"  # its name says what it is
    tiff_id, _ = upload(medical_file, blobs, access, data=TIFF, content_type="application/pdf")
    before = len(medical_file.history.history(access, 50, None).items)
    with pytest.raises(Conflict):
        medical_file.documents.view(access, tiff_id)
    assert len(blobs.views) == 1
    assert len(medical_file.history.history(access, 50, None).items) == before
    assert medical_file.documents.download(access, tiff_id)  # still downloaded


def test_a_polyglot_is_staged_as_a_pdf_never_as_a_page(medical_file, blobs, access):
    document_id, _ = upload(medical_file, blobs, access, data=POLYGLOT, content_type="text/plain")
    _url, content_type, _seconds = medical_file.documents.view(access, document_id)
    assert content_type == "application/pdf"
    ((data, mime, name),) = blobs.views.values()
    assert (data, mime, name) == (POLYGLOT, "application/pdf", "bilan.pdf")


def test_content_that_is_no_longer_what_was_filed_is_not_shown(medical_file, store, blobs, access):
    document_id, _ = upload(medical_file, blobs, access)
    document = store.get_document(access.space_id, document_id)
    store.documents[(access.space_id, document_id)] = document.model_copy(
        update={"content_type": "image/png"}
    )
    with pytest.raises(Conflict):
        medical_file.documents.view(access, document_id)
    assert blobs.views == {}


def test_a_view_is_traced_as_such(medical_file, blobs, access):
    document_id, _ = upload(medical_file, blobs, access)
    medical_file.documents.view(access, document_id)
    (latest, *_) = medical_file.history.history(access, 10, None).items
    assert (latest.action, latest.object.type, latest.object.id) == (
        Action.VIEW,
        "document",
        document_id,
    )


def test_another_patients_document_is_not_found(medical_file, blobs, access, bob):
    document_id, _ = upload(medical_file, blobs, access)
    with pytest.raises(NotFound):
        medical_file.documents.view(medical_file.spaces.policy.resolve(bob, None), document_id)
    assert blobs.views == {}


@pytest.mark.parametrize(
    ("filename", "mime", "named"),
    [
        ("scan.pdf", "application/pdf", "scan.pdf"),
        ("page.html", "application/pdf", "page.pdf"),
        ("photo.JPEG", "image/jpeg", "photo.JPEG"),
        ("photo", "image/png", "photo.png"),
        (".pdf", "image/png", ".pdf.png"),
    ],
)
def test_the_name_given_ends_with_what_the_file_is(filename, mime, named):
    assert filetypes.named_as(filename, mime) == named
