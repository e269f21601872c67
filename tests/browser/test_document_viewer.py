"""A patient sees a document on screen without downloading it (docs/viewer.md): the PDF in the
browser's own viewer, from the documents' own origin, served as a PDF with nosniff and a
sandboxing policy; a PDF that is also a web page never runs as one; an image with its title as
text; the dialog usable with the keyboard alone and at 320 px, in both languages."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, Route, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.samples import STOLEN, pdf, png, polyglot
from tests.browser.site import FR, LOCALES, Words, assert_accessible, sign_in, upload_file
from tests.e2e.stack_process import StackProcess

pytestmark = pytest.mark.browser

CAMILLE = DEMO_ACCOUNTS[0]
VIEWS = re.compile(r"^http://127\.0\.0\.1:\d+/views/")


def open_documents(page: Page, words: Words) -> None:
    page.get_by_role("link", name=words("nav.documents")).first.click()
    expect(page.get_by_role("heading", level=1, name=words("nav.documents"))).to_be_visible()


def add(page: Page, folder: Path, name: str, data: bytes, title: str, words: Words = FR):
    file = folder / name
    file.write_bytes(data)
    return upload_file(page, file, title, words)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_patient_views_a_pdf_on_screen(page: Page, language: str, tmp_path: Path):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    open_documents(page, words)
    title = f"Compte rendu d'IRM ({language})"
    entry = add(page, tmp_path, "compte-rendu-irm.pdf", pdf("Compte rendu d'IRM"), title, words)

    view = entry.get_by_role("button", name=words("viewer.view"))
    view.focus()
    with page.expect_response(VIEWS) as shown:
        page.keyboard.press("Enter")  # the keyboard alone
    dialog = page.get_by_role("dialog", name=words("viewer.title", title=title))
    expect(dialog).to_be_visible()
    expect(dialog.get_by_role("button", name=words("viewer.close"))).to_be_focused()
    expect(dialog.locator("iframe")).to_have_attribute("title", words("viewer.frame", title=title))

    response = shown.value
    headers = response.all_headers()
    assert response.status == 200
    assert headers["content-type"] == "application/pdf"
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"].startswith("sandbox; default-src 'none';")
    assert headers["content-disposition"] == "inline; filename*=UTF-8''compte-rendu-irm.pdf"
    # The documents' own origin, not the site's; Chromium's PDF viewer took it (a refused
    # frame becomes chrome-error://).
    assert not response.url.startswith(page.url.split("#")[0])
    page.wait_for_function(
        "url => [...document.querySelectorAll('iframe')].some(f => f.src === url)", arg=response.url
    )
    assert not [f.url for f in page.frames if f.url.startswith("chrome-error:")]
    assert_accessible(page, f"{language}: the PDF viewer")

    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()
    expect(view).to_be_focused()  # back where the patient was

    page.get_by_role("link", name=words("nav.historique")).first.click()
    entry = page.get_by_role("listitem").filter(has_text=words("actions.view")).first
    expect(entry).to_contain_text(title)


def test_a_pdf_that_is_also_a_web_page_never_runs_as_one(page: Page, tmp_path: Path):
    sign_in(page, CAMILLE)
    open_documents(page, FR)
    title = "Ordonnance piégée"
    entry = add(page, tmp_path, "ordonnance.pdf", polyglot("Ordonnance"), title)
    ran: list[str] = []
    page.on("request", lambda request: ran.append(request.url) if STOLEN in request.url else None)

    view = entry.get_by_role("button", name=FR("viewer.view"))
    with page.expect_response(VIEWS) as shown:
        view.click()
    assert shown.value.all_headers()["content-type"] == "application/pdf"
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    page.wait_for_timeout(1500)  # time for a script to run, if it could
    assert ran == []
    page.keyboard.press("Escape")

    # The check can fail: the same bytes served as a page, without the viewer's headers, run.
    def as_a_page(route: Route) -> None:
        served = route.fetch()
        route.fulfill(status=200, body=served.body(), headers={"Content-Type": "text/html"})

    page.route(VIEWS, as_a_page)
    with page.expect_request(lambda request: STOLEN in request.url) as stolen:
        view.click()
    assert isinstance(stolen.value, Request)


def test_an_image_is_shown_with_its_title_at_320px(
    browser: Browser, site: StackProcess, tmp_path: Path
):
    context = browser.new_context(
        base_url=site.url, locale=LOCALES["fr"], viewport={"width": 320, "height": 640}
    )
    try:
        page = context.new_page()
        sign_in(page, CAMILLE)
        open_documents(page, FR)
        title = "Photo de l'éruption du 2 novembre"
        entry = add(page, tmp_path, "eruption.png", png(), title)
        with page.expect_response(VIEWS) as shown:
            entry.get_by_role("button", name=FR("viewer.view")).click()
        assert shown.value.all_headers()["content-type"] == "image/png"
        image = page.get_by_role("dialog").get_by_role("img", name=title)
        expect(image).to_be_visible()
        assert image.evaluate("img => img.complete && img.naturalWidth") == 48  # it loaded
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0, f"the viewer is {overflow}px wider than the window"
        box = page.get_by_role("dialog").bounding_box()
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
        assert_accessible(page, "fr: the image viewer at 320px")
        page.get_by_role("button", name=FR("viewer.close")).click()
        expect(page.get_by_role("dialog")).to_be_hidden()
    finally:
        context.close()
