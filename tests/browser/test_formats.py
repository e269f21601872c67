"""Dates and numbers as each language writes them (web/i18n.js), on the pages a person reads: a
document's date and size in its list, a measurement's value and time in the medical profile. The
expected texts are written out, not computed with the site's own formatting."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.samples import pdf
from tests.browser.site import Words, sign_in, upload_file

pytestmark = pytest.mark.browser

CAMILLE = DEMO_ACCOUNTS[0]
SIZE = 1536  # bytes: 1.5 kibibytes


def pdf_of(size: int) -> bytes:
    """A valid PDF of exactly `size` bytes (a comment line after the header fills it up)."""
    filler = size - len(pdf("Analyse")) - 2
    while len(made := pdf("Analyse", b"%" + b"0" * filler + b"\n")) != size:
        filler += size - len(made)  # the trailer's offset grew a digit
    return made


@pytest.mark.parametrize(
    ("language", "document_meta"),
    [
        ("fr", "Biologie · 12 mars 2026 · 1,5 Ko"),
        ("en", "Laboratory results · 12 March 2026 · 1.5 KB"),
    ],
)
def test_a_documents_date_and_size_in_the_language_shown(
    page: Page, language: str, document_meta: str, tmp_path: Path
):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    page.goto("/#/documents")
    file = tmp_path / "analyse.pdf"
    file.write_bytes(pdf_of(SIZE))
    assert file.stat().st_size == SIZE
    title = f"Numération formule sanguine ({language})"
    entry = upload_file(page, file, title, words, date="2026-03-12")
    expect(entry.locator(".meta").first).to_have_text(document_meta)


@pytest.mark.parametrize(
    ("language", "typed", "measured_at", "title", "when"),
    [
        ("fr", "72,5", "2026-03-12T08:30", "Poids : 72,5 kg", "12 mars 2026, 08:30"),
        ("en", "81.25", "2026-03-13T18:05", "Weight: 81.25 kg", "13 Mar 2026, 18:05"),
    ],
)
def test_a_measurements_value_and_time_in_the_language_shown(
    page: Page, language: str, typed: str, measured_at: str, title: str, when: str
):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    page.goto("/#/profil")
    page.get_by_role("tab", name=words("sections.measurements.label")).click()
    page.get_by_role(
        "button", name=words("profile.add", noun=words("sections.measurements.noun"))
    ).click()
    form = page.get_by_role("dialog")
    form.get_by_label(words("sections.measurements.fields.kind")).select_option(
        label=words("sections.measurements.options.kind.weight")
    )
    form.get_by_label(words("sections.measurements.fields.value"), exact=True).fill(typed)
    form.get_by_label(words("sections.measurements.fields.measured_at")).fill(measured_at)
    form.get_by_role("button", name=words("common.save")).click()
    expect(form).to_be_hidden()
    card = (
        page.get_by_role("tabpanel")
        .get_by_role("listitem")
        .filter(has=page.get_by_role("heading", level=3, name=title, exact=True))
    )
    expect(card).to_have_count(1)
    expect(card.locator("dd")).to_have_text(when)
