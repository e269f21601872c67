"""Small things seen in use (issue 11, item 10), each with the state that showed it: focus after
sending a document, one error at a time, a list whose answer never comes, the error page's way
out."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, Route, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import FR, PDF, Words, assert_accessible, sign_in, upload_pdf

pytestmark = pytest.mark.browser

CAMILLE = DEMO_ACCOUNTS[0]
BOTH = pytest.mark.parametrize("language", ["fr", "en"])
# What the page shows as an error: the page's notice, a form's, a field's.
ERRORS = ".notice-error, .form-error:not(:empty), .field-error:not(:empty)"


def test_after_sending_a_document_the_focus_stays_on_the_send_button(page: Page, tmp_path: Path):
    sign_in(page, CAMILLE)
    page.goto("/#/documents")
    upload_pdf(page, tmp_path, "Ordonnance de la pharmacie")
    send = page.get_by_role("button", name=FR("upload.send"))
    expect(send).to_be_focused()  # not <body>: the keyboard user goes on from where they were
    expect(send).not_to_have_attribute("aria-disabled", "true")


def test_a_new_submission_takes_the_last_error_away(page: Page, tmp_path: Path):
    sign_in(page, CAMILLE)
    page.goto("/#/documents")
    page.get_by_text(FR("upload.add")).click()
    upload = page.get_by_role("form", name=FR("upload.add"))
    pdf = tmp_path / "analyse.pdf"
    pdf.write_bytes(PDF)
    upload.get_by_label(FR("upload.file")).set_input_files(pdf)
    upload.get_by_label(FR("upload.category")).select_option(label=FR("categories.biology"))
    # The server refuses the first sending...
    page.route(
        "**/me/uploads",
        lambda route: route.fulfill(status=503, json={"code": "UNAVAILABLE", "message": "down"}),
    )
    upload.get_by_role("button", name=FR("upload.send")).click()
    expect(upload.get_by_text(FR("errors.other"))).to_be_visible()
    # ...the second lacks its file: only that error is shown, not the first one too.
    upload.get_by_label(FR("upload.file")).set_input_files([])
    upload.get_by_role("button", name=FR("upload.send")).click()
    expect(upload.get_by_text(FR("upload.noFile"))).to_be_visible()
    expect(page.locator(ERRORS).filter(visible=True)).to_have_count(1)


@BOTH
def test_a_list_whose_answer_never_comes_offers_to_try_again(page: Page, language: str):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    page.clock.install()  # the time limit passes when the test says
    page.reload()
    expect(page.get_by_role("button", name=words("shell.signOut"))).to_be_visible()
    hung: list[Route] = []
    page.route(re.compile(r"/me/access-log"), lambda route: hung.append(route))  # never answered
    page.goto("/#/historique")
    loading = page.get_by_role("status").filter(has_text=words("history.loading"))
    expect(loading).to_be_visible()
    page.clock.fast_forward(31_000)
    failed = page.get_by_role("alert").filter(has_text=words("errors.timeout"))
    expect(failed).to_be_visible()
    expect(loading).to_have_count(0)
    assert_accessible(page, f"{language}: a list that did not load")
    page.unroute(re.compile(r"/me/access-log"))
    failed.get_by_role("button", name=words("common.retry")).click()
    entries = page.get_by_role("list", name=words("history.caption")).get_by_role("listitem")
    expect(entries.first).to_be_visible()
    expect(failed).to_have_count(0)


@BOTH
def test_the_error_page_has_a_way_to_sign_out(page: Page, language: str):
    words = Words(language)
    page.route(
        re.compile(r"/me$"),
        lambda route: route.fulfill(status=503, json={"code": "UNAVAILABLE", "message": "down"}),
    )
    page.goto("/")
    page.get_by_label(words("login.username")).fill(CAMILLE.username)
    page.get_by_label(words("login.password")).fill(CAMILLE.password)
    page.get_by_role("button", name=words("login.submit")).click()
    expect(page.get_by_role("heading", level=1, name=words("shell.unavailable"))).to_be_visible()
    assert_accessible(page, f"{language}: the error page")
    page.get_by_role("button", name=words("shell.signOut")).click()
    expect(page.get_by_role("heading", level=1, name=words("login.title"))).to_be_visible()
    page.unroute(re.compile(r"/me$"))
    page.reload()  # signed out for good: the session is gone
    expect(page.get_by_label(words("login.username"))).to_be_visible()
