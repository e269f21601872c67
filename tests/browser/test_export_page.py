"""The "my data" page (#/mes-donnees, web/export.js), in French and English: a copy of the whole
space asked for, prepared in the background while the page asks now and then how it goes, then
downloaded as a ZIP; the medical summary downloaded as a PDF and as a FHIR file; every state
scanned by axe-core."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import Words, assert_accessible, sign_in

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("language", ["fr", "en"])
BUILD_MS = 60_000  # the copy is made by the exports function, from the table's stream


@BOTH
def test_a_copy_of_the_whole_file_and_the_summary(page: Page, language: str):
    words = Words(language)
    account = DEMO_ACCOUNTS[1 if language == "fr" else 0]
    sign_in(page, account, words)
    page.goto("/#/mes-donnees")
    expect(page.get_by_role("heading", level=1, name=words("export.title"))).to_be_visible()
    expect(page).to_have_title(words("shell.title", page=words("export.title")))
    copy = page.get_by_role("region", name=words("export.copy.title"))
    ask = copy.get_by_role("button", name=words("export.copy.ask"))
    again = copy.get_by_role("button", name=words("export.copy.again"))
    expect(ask.or_(again)).to_be_visible()
    assert_accessible(page, f"{language}: the page")

    (ask if ask.is_visible() else again).click()
    expect(page.get_by_text(words("export.copy.asked"))).to_be_visible()
    assert_accessible(page, f"{language}: a copy being prepared")

    download = copy.get_by_role("button", name=words("export.copy.download"))
    expect(download).to_be_visible(timeout=BUILD_MS)  # asked again, politely, until ready
    expect(page.get_by_text(words("export.copy.readyNow"))).to_be_visible()
    assert_accessible(page, f"{language}: the copy ready")
    with page.expect_download() as got:
        download.click()
    with zipfile.ZipFile(io.BytesIO(Path(got.value.path()).read_bytes())) as archive:
        names = archive.namelist()
        assert {"bundle.json", "index.html"} <= set(names)
        index = archive.read("index.html").decode()
        assert f'<html lang="{language}">' in index
        assert json.loads(archive.read("bundle.json"))["resourceType"] == "Bundle"
    expect(page.get_by_text(words("export.copy.downloadStarted"))).to_be_visible()

    summary = page.get_by_role("region", name=words("export.summary.title"))
    with page.expect_download() as got:
        summary.get_by_role("button", name=words("export.summary.pdf")).click()
    assert Path(got.value.path()).read_bytes()[:5] == b"%PDF-"
    with page.expect_download() as got:
        summary.get_by_role("button", name=words("export.summary.json")).click()
    assert got.value.suggested_filename == words("export.summary.filename")
    ips = json.loads(Path(got.value.path()).read_text(encoding="utf-8"))
    assert ips["type"] == "document"
    assert ips["entry"][0]["resource"]["type"]["coding"][0]["code"] == "60591-5"
    expect(page.get_by_text(words("export.summary.downloadStarted"))).to_be_visible()
    assert_accessible(page, f"{language}: the summary downloaded")


def test_asking_again_while_a_copy_is_prepared_says_so(page: Page):
    words = Words("fr")
    sign_in(page, DEMO_ACCOUNTS[0], words)
    # The server answers that one is being prepared (another tab asked first)
    page.route(
        "**/me/exports?language=fr",
        lambda route: route.fulfill(
            status=409, json={"code": "EXPORT_RUNNING", "message": "an export is running"}
        ),
    )
    page.goto("/#/mes-donnees")
    copy = page.get_by_role("region", name=words("export.copy.title"))
    copy.get_by_role("button", name=words("export.copy.ask")).or_(
        copy.get_by_role("button", name=words("export.copy.again"))
    ).click()
    expect(page.get_by_text(words("export.copy.alreadyRunning"))).to_be_visible()
    assert_accessible(page, "fr: a copy already being prepared")


@BOTH
def test_the_page_reads_at_320_px(page: Page, language: str):
    words = Words(language)
    page.set_viewport_size({"width": 320, "height": 700})
    sign_in(page, DEMO_ACCOUNTS[0], words)
    page.goto("/#/mes-donnees")
    expect(page.get_by_role("heading", level=2, name=words("export.summary.title"))).to_be_visible()
    expect(page.get_by_text(words("export.copy.loading"))).to_have_count(0)  # loaded
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the window"
    assert_accessible(page, f"{language}: at 320 px")
