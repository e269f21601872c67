"""Every view and state of the site passes axe-core's WCAG 2.1 AA rules, in French and in English;
the site is usable with the keyboard alone; it reflows at 320 CSS px and at 200 % zoom without
horizontal scrolling."""

from __future__ import annotations

from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import FR, LOCALES, Words, assert_accessible, sign_in, upload_pdf
from tests.e2e.stack_process import StackProcess

pytestmark = pytest.mark.browser

CAMILLE, JULIEN = DEMO_ACCOUNTS
ROUTES = ("accueil", "documents", "profil", "historique", "acces")
# The pages open without signing in, and the catalogue key of each one's title.
PUBLIC = {
    "connexion": "nav.connexion",
    "opposition": "nav.opposition",
    "activation": "nav.activation",
    "nouveau-code": "nav.nouveau-code",
    "aide": "nav.aide",
    "premiere-connexion": "accounts.first.title",
    "mot-de-passe-oublie": "accounts.forgotten.title",
}
# The public pages that end with the helpline, once the service's facts have come.
WITH_HELPLINE = {"opposition", "activation", "nouveau-code", "aide"}
REFLOW = pytest.mark.parametrize(
    ("width", "scale"), [(320, 1), (640, 2)], ids=["320px reflow", "200% zoom of 1280px"]
)
# Every control shown whose box sticks out of the window, or whose text its own box cuts off.
CLIPPED_CONTROLS = """() => [...document.querySelectorAll(
    'a[href], button, input, select, textarea, summary, [tabindex="0"]')]
  .filter((el) => el.checkVisibility())
  .filter((el) => {
    const box = el.getBoundingClientRect();
    const cut = el.matches('input, select, textarea') ? false : el.scrollWidth > el.clientWidth + 1;
    return box.left < -0.5 || box.right > window.innerWidth + 0.5 || cut;
  })
  .map((el) => `${el.tagName.toLowerCase()} "${(el.textContent || el.name || '').trim()}"`)"""
BOTH = pytest.mark.parametrize("language", ["fr", "en"])


def open_view(page: Page, route: str, words: Words = FR, child: str | None = None) -> None:
    """Opens the route's view; in a represented person's space (`child`), its name names them."""
    page.goto(f"/#/{route}")
    name = words(f"child.nav.{route}", child=child) if child and route != "accueil" else None
    expect(page).to_have_title(words("shell.title", page=name or words(f"nav.{route}")))
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    # Loaded: no status still saying it is loading ("Chargement…", "Loading…").
    expect(page.get_by_role("status").filter(has_text="…")).to_have_count(0)


@BOTH
def test_the_sign_in_page_and_its_error(page: Page, language: str):
    words = Words(language)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", language)
    expect(page.get_by_role("heading", level=1, name=words("login.title"))).to_be_visible()
    assert_accessible(page, f"{language}: sign-in")
    page.get_by_role("button", name=words("login.submit")).click()
    expect(page.get_by_role("alert")).to_contain_text(words("login.missing"))
    assert_accessible(page, f"{language}: sign-in, empty fields refused")
    page.get_by_label(words("login.username")).fill(CAMILLE.username)
    page.get_by_label(words("login.password")).fill("not-the-password")
    page.get_by_role("button", name=words("login.submit")).click()
    expect(page.get_by_role("alert")).to_contain_text(words("errors.byStatus.401"))
    assert_accessible(page, f"{language}: sign-in, wrong password")


@BOTH
@pytest.mark.parametrize("route", ROUTES)
def test_every_view(page: Page, language: str, route: str):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    open_view(page, route, words)
    assert_accessible(page, f"{language}: {route}")


@BOTH
def test_the_documents_forms_and_dialogs(page: Page, language: str, tmp_path: Path):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    open_view(page, "documents", words)
    page.get_by_text(words("upload.add")).click()
    upload = page.get_by_role("form", name=words("upload.add"))
    upload.get_by_role("button", name=words("upload.send")).click()
    expect(upload.get_by_text(words("upload.noFile"))).to_be_visible()
    assert_accessible(page, f"{language}: upload form with its errors")

    entry = upload_pdf(page, tmp_path, f"Compte rendu de radiologie ({language})", words)
    entry.get_by_role("button", name=words("documents.rename")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.get_by_label(words("documents.newTitle")).fill("")
    dialog.get_by_role("button", name=words("common.save")).click()
    expect(dialog.get_by_text(words("documents.titleMissing"))).to_be_visible()
    assert_accessible(page, f"{language}: rename dialog with its error")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()


@BOTH
def test_the_profile_tabs_and_the_entry_dialog(page: Page, language: str):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    open_view(page, "profil", words)
    tabs = page.get_by_role("tab")
    for i in range(tabs.count()):
        tabs.nth(i).click()
        expect(tabs.nth(i)).to_have_attribute("aria-selected", "true")
        expect(
            page.get_by_role("tabpanel").get_by_role("status").filter(has_text="…")
        ).to_have_count(0)
        assert_accessible(page, f"{language}: profile tab {tabs.nth(i).inner_text()}")
    page.locator("[data-add]").click()
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    dialog.locator("button[type=submit]").click()
    expect(dialog.get_by_text(words("profile.required")).first).to_be_visible()
    assert_accessible(page, f"{language}: profile entry dialog with its errors")


@BOTH
def test_a_representative_sees_the_space_of_the_child(page: Page, language: str):
    words = Words(language)
    sign_in(page, JULIEN, words)
    child = JULIEN.represents[0]
    name = f"{child.given_name} {child.family_name}"
    page.get_by_label(words("shell.shownSpace")).select_option(label=name)
    page.get_by_role("button", name=words("shell.show"), exact=True).click()
    expect(page.locator("#context")).to_have_text(words("shell.viewing", name=name))
    for route in ROUTES:
        open_view(page, route, words, child=child.given_name)
        assert_accessible(page, f"{language}: child's space, {route}")


@BOTH
def test_a_page_holds_no_word_of_the_other_language(page: Page, language: str):
    """Every text comes from the catalogue of the language shown: none of the other's appears."""
    words, other = Words(language), Words("en" if language == "fr" else "fr")
    # Texts of one word or with placeholders may be shared or cut apart; whole sentences are not.
    foreign = {
        text for text in other.texts() - words.texts() if " " in text.strip() and "{" not in text
    }
    sign_in(page, CAMILLE, words)
    for route in ROUTES:
        open_view(page, route, words)
        shown = page.locator("body").inner_text()
        assert [text for text in foreign if text.strip() in shown] == [], route


def test_the_language_switch_changes_every_word_and_is_remembered(page: Page):
    sign_in(page, CAMILLE, FR)
    open_view(page, "documents", FR)
    page.get_by_role("button", name=FR("shell.language")).click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.get_by_role("heading", level=1, name=Words("en")("nav.documents"))).to_be_visible()
    expect(page.get_by_role("button", name=FR("shell.language"))).to_have_count(0)
    switch = page.get_by_role("button", name=Words("en")("shell.language"))
    expect(switch).to_be_focused()
    expect(switch).to_have_attribute("lang", "fr")  # read in the language it names
    page.reload()
    expect(page.get_by_role("navigation", name=Words("en")("shell.menu"))).to_be_visible()
    expect(page).to_have_title(Words("en")("shell.title", page=Words("en")("nav.documents")))


def test_keyboard_alone_signs_in_and_reaches_the_documents(page: Page):
    page.goto("/")
    expect(page.get_by_label(FR("login.username"))).to_be_visible()
    page.keyboard.press("Tab")  # the skip link first
    expect(page.get_by_role("link", name=FR("shell.skip"))).to_be_focused()
    page.keyboard.press("Enter")  # past the header, to the page's content
    expect(page.locator("main")).to_be_focused()
    page.keyboard.press("Tab")  # the form's first field
    expect(page.get_by_label(FR("login.username"))).to_be_focused()
    page.keyboard.type(CAMILLE.username)
    page.keyboard.press("Tab")
    expect(page.get_by_label(FR("login.password"))).to_be_focused()
    page.keyboard.type(CAMILLE.password)
    page.keyboard.press("Enter")
    expect(
        page.get_by_role("heading", level=1, name=FR("home.hello", name=CAMILLE.person.given_name))
    ).to_be_focused()
    # Tab through the page until the menu's "Mes documents", then follow it with Enter.
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.textContent.trim()") == FR("nav.documents"):
            break
    else:
        pytest.fail("no keyboard path to « Mes documents »")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1, name=FR("nav.documents"))).to_be_focused()


@BOTH
@REFLOW
def test_every_view_reflows_without_horizontal_scrolling(
    browser: Browser, site: StackProcess, language: str, width: int, scale: int
):
    # 200 % zoom of a 1280 px window lays the page out in 640 CSS px, drawn twice as large.
    words = Words(language)
    context = reflow_context(browser, site, language, width, scale)
    try:
        page = context.new_page()
        sign_in(page, CAMILLE, words)
        for route in ROUTES:
            open_view(page, route, words)
            overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
            assert overflow <= 0, f"{route} at {width}px: {overflow}px wider than the window"
    finally:
        context.close()


def reflow_context(browser: Browser, site: StackProcess, language: str, width: int, scale: int):
    """A window `width` CSS px wide, drawn at `scale` (200 % zoom: 640 px at 2)."""
    return browser.new_context(
        base_url=site.url,
        locale=LOCALES[language],
        viewport={"width": width, "height": 800},
        device_scale_factor=scale,
    )


def assert_reflows(page: Page, state: str) -> None:
    """No horizontal scrolling, no control out of the window or cut off."""
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{state}: {overflow}px wider than the window"
    assert page.evaluate(CLIPPED_CONTROLS) == [], f"{state}: controls clipped"


@BOTH
@REFLOW
def test_the_public_pages_reflow_without_loss(
    browser: Browser, site: StackProcess, language: str, width: int, scale: int
):
    """The pages for people not signed in, as loaded and with their form's errors shown."""
    words = Words(language)
    context = reflow_context(browser, site, language, width, scale)
    try:
        page = context.new_page()
        for route, title in PUBLIC.items():
            page.goto(f"/#/{route}")
            expect(page).to_have_title(words("shell.title", page=words(title)))
            expect(page.get_by_role("heading", level=1)).to_be_visible()
            if route in WITH_HELPLINE:  # drawn whole
                expect(page.get_by_text(words("enrollment.helpline"))).to_be_visible()
            assert_reflows(page, f"{route} at {width}px")
            submit = page.locator("#view form button[type=submit]")
            if route == "aide":
                expect(submit).to_have_count(0)
                continue
            submit.first.click()
            errors = page.locator(".form-error:not(:empty), .field-error:not(:empty)")
            expect(errors.first).to_be_visible()
            assert_reflows(page, f"{route} with its errors at {width}px")
    finally:
        context.close()
