"""Every view and state of the site passes axe-core's WCAG 2.1 AA rules; the site is usable with
the keyboard alone; it reflows at 320 CSS px and at 200 % zoom without horizontal scrolling."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import assert_accessible, sign_in, upload_pdf
from tests.e2e.stack_process import StackProcess

pytestmark = pytest.mark.browser

CAMILLE, JULIEN = DEMO_ACCOUNTS
VIEWS = {  # route: its page title
    "accueil": "Accueil",
    "documents": "Mes documents",
    "profil": "Profil médical",
    "historique": "Historique des accès",
    "acces": "Qui voit mon dossier",
}


def open_view(page: Page, route: str) -> None:
    page.goto(f"/#/{route}")
    expect(page).to_have_title(f"{VIEWS[route]} \u2013 Espace santé")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Loaded: no "Chargement…" status left.
    expect(page.get_by_role("status").filter(has_text="Chargement")).to_have_count(0)


def test_the_sign_in_page_and_its_error(page: Page):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert_accessible(page, "sign-in")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).to_contain_text("Saisissez votre identifiant")
    assert_accessible(page, "sign-in, empty fields refused")
    page.get_by_label("Identifiant").fill(CAMILLE.username)
    page.get_by_label("Mot de passe").fill("not-the-password")
    page.get_by_role("button", name="Se connecter").click()
    expect(page.get_by_role("alert")).not_to_be_empty()
    assert_accessible(page, "sign-in, wrong password")


@pytest.mark.parametrize("route", VIEWS)
def test_every_view(page: Page, route: str):
    sign_in(page, CAMILLE)
    open_view(page, route)
    assert_accessible(page, route)


def test_the_documents_forms_and_dialogs(page: Page, tmp_path: Path):
    sign_in(page, CAMILLE)
    open_view(page, "documents")
    page.get_by_text("Ajouter un document").click()
    upload = page.get_by_role("form", name="Ajouter un document")
    upload.get_by_role("button", name="Envoyer le document").click()
    expect(upload.get_by_text("Choisissez un fichier.")).to_be_visible()
    assert_accessible(page, "upload form with its errors")

    entry = upload_pdf(page, tmp_path, "Compte rendu de radiologie")
    entry.get_by_role("button", name="Renommer").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label("Nouveau titre").fill("")
    dialog.get_by_role("button", name="Enregistrer").click()
    expect(dialog.get_by_text("Saisissez un titre.")).to_be_visible()
    assert_accessible(page, "rename dialog with its error")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


def test_the_profile_tabs_and_the_entry_dialog(page: Page):
    sign_in(page, CAMILLE)
    open_view(page, "profil")
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
        expect(
            page.get_by_role("tabpanel").get_by_role("status").filter(has_text="Chargement")
        ).to_have_count(0)
        assert_accessible(page, f"profile tab {tabs.nth(i).inner_text()}")
    page.get_by_role("tabpanel").get_by_role("button").filter(has_text="Ajouter").first.click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.locator("button[type=submit]").click()
    assert_accessible(page, "profile entry dialog with its errors")


def test_a_representative_sees_the_space_of_the_child(page: Page):
    sign_in(page, JULIEN)
    child = JULIEN.represents[0]
    page.get_by_label("Espace affiché").select_option(
        label=f"{child.given_name} {child.family_name}"
    )
    page.get_by_role("button", name="Afficher", exact=True).click()
    expect(page.locator("#context")).to_contain_text(f"{child.given_name} {child.family_name}")
    expect(page.locator("#context")).to_contain_text("représentant légal")
    for route in VIEWS:
        open_view(page, route)
        assert_accessible(page, f"child's space, {route}")


def test_keyboard_alone_signs_in_and_reaches_the_documents(page: Page):
    page.goto("/")
    expect(page.get_by_label("Identifiant")).to_be_visible()
    page.keyboard.press("Tab")  # the skip link first
    expect(page.get_by_role("link", name="Aller au contenu")).to_be_focused()
    page.get_by_label("Identifiant").focus()
    page.keyboard.type(CAMILLE.username)
    page.keyboard.press("Tab")
    expect(page.get_by_label("Mot de passe")).to_be_focused()
    page.keyboard.type(CAMILLE.password)
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", level=1, name=f"Bonjour {CAMILLE.person.given_name}")
    ).to_be_focused()
    # Tab through the page until the menu's "Mes documents", then follow it with Enter.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == "Mes documents":
            break
    else:
        pytest.fail("no keyboard path to « Mes documents »")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name="Mes documents")).to_be_focused()


@pytest.mark.parametrize(
    ("width", "scale"), [(320, 1), (640, 2)], ids=["320px reflow", "200% zoom of 1280px"]
)
def test_every_view_reflows_without_horizontal_scrolling(
    browser: Browser, site: StackProcess, width: int, scale: int
):
    # 200 % zoom of a 1280 px window lays the page out in 640 CSS px, drawn twice as large.
    context = browser.new_context(
        base_url=site.url,
        locale="fr-FR",
        viewport={"width": width, "height": 800},
        device_scale_factor=scale,
    )
    try:
        page = context.new_page()
        sign_in(page, CAMILLE)
        for route in VIEWS:
            open_view(page, route)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{route} at {width}px: {overflow}px wider than the window"
    finally:
        context.close()
