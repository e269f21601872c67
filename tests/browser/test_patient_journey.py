"""A patient alone with the site: sign in, add a PDF, find it, see it on screen, mask it from
professionals, read who saw it in the history, sign out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import FR, sign_in, upload_pdf

pytestmark = pytest.mark.browser

CAMILLE = DEMO_ACCOUNTS[0]
VIEWS = re.compile(r"^http://127\.0\.0\.1:\d+/views/")  # the documents' own origin


def test_a_patient_adds_a_document_views_it_masks_it_and_reads_the_history(
    page: Page, tmp_path: Path
):
    sign_in(page, CAMILLE)
    page.get_by_role("navigation", name="Menu principal").get_by_role(
        "link", name="Mes documents"
    ).click()
    expect(page.get_by_role("heading", level=1, name="Mes documents")).to_be_visible()

    entry = upload_pdf(page, tmp_path, "Bilan sanguin de novembre")
    # She sees it on screen, in the browser's own PDF viewer, without downloading it.
    view = entry.get_by_role("button", name="Voir")
    with page.expect_response(VIEWS) as shown:
        view.click()
    dialog = page.get_by_role("dialog", name=FR("viewer.title", title="Bilan sanguin de novembre"))
    expect(dialog).to_be_visible()
    assert shown.value.status == 200
    assert shown.value.all_headers()["content-type"] == "application/pdf"
    frame = dialog.locator("iframe")
    expect(frame).to_have_attribute("src", shown.value.url)
    assert not [f.url for f in page.frames if f.url.startswith("chrome-error:")]
    dialog.get_by_role("button", name="Fermer").click()
    expect(dialog).to_be_hidden()
    expect(view).to_be_focused()

    entry.get_by_role("button", name="Masquer aux professionnels").click()
    expect(entry.get_by_text("Masqué aux professionnels de santé")).to_be_visible()
    page.reload()  # the mask is the server's, not the page's
    entry = page.get_by_role("listitem").filter(has_text="Bilan sanguin de novembre")
    expect(entry.get_by_text("Masqué aux professionnels de santé")).to_be_visible()

    page.get_by_role("link", name="Historique des accès").click()
    expect(page.get_by_role("heading", level=1, name="Historique des accès")).to_be_visible()
    # The mask is a change of the document by its holder (after it, the list read again).
    changes = (
        page.get_by_role("listitem")
        .filter(has_text="Camille Martin")
        .filter(has_text="Modification")
    )
    expect(changes.first).to_contain_text("Document")
    # Her viewing is traced too, with the document's title.
    viewed = (
        page.get_by_role("listitem")
        .filter(has_text="Camille Martin")
        .filter(has_text="Consultation")
    )
    expect(viewed.filter(has_text="Bilan sanguin de novembre").first).to_be_visible()

    page.get_by_role("button", name="Se déconnecter").click()
    expect(
        page.get_by_role("heading", level=1, name="Connexion à votre espace santé")
    ).to_be_visible()
    page.goto("/#/documents")  # no way back in without signing in again
    expect(page.get_by_label("Identifiant")).to_be_visible()
