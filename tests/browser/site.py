"""What the browser tests do often: sign in as a demo account, check a state with axe-core."""

from __future__ import annotations

from pathlib import Path

from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import Locator, Page, expect

from infra.local.demo.people import DemoAccount

AXE = Axe()
# WCAG 2.1 A and AA, the target the site is held to (axe's tags).
WCAG_21_AA = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def sign_in(page: Page, account: DemoAccount) -> None:
    page.goto("/")
    page.get_by_label("Identifiant").fill(account.username)
    page.get_by_label("Mot de passe").fill(account.password)
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("button", name="Se déconnecter")).to_be_visible()


# The smallest PDF the ingest's check accepts: header, one empty page, trailer.
PDF = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)


def upload_pdf(page: Page, folder: Path, title: str) -> Locator:
    """Adds a PDF through the documents page's form (open on it); its entry in the list."""
    pdf = folder / "compte-rendu.pdf"
    pdf.write_bytes(PDF)
    upload = page.get_by_role("form", name="Ajouter un document")
    if not upload.is_visible():
        page.get_by_text("Ajouter un document").click()
    upload.get_by_label("Fichier").set_input_files(pdf)
    expect(upload.get_by_label("Titre")).to_have_value("compte-rendu")  # suggested from the name
    upload.get_by_label("Titre").fill(title)
    upload.get_by_label("Catégorie").select_option(label="Biologie")
    upload.get_by_role("button", name="Envoyer le document").click()
    expect(upload.get_by_role("status")).to_contain_text(
        f"« {title} » a été ajouté à vos documents."
    )
    entry = page.get_by_role("listitem").filter(has_text=title)
    expect(entry).to_have_count(1)
    return entry


def assert_accessible(page: Page, state: str) -> None:
    """No WCAG 2.1 AA violation that axe-core finds in the page as it is now."""
    results = AXE.run(page, options=WCAG_21_AA)
    found = [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in results.response["violations"]
    ]
    assert not found, f"{state}: {found}"
