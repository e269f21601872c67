"""Professionals by name (issue 11, item 4) and the history in plain words (item 6), in the
browser against the local stack: the treating doctor chosen and a professional blocked through
the directory's search; the history filtered to emergency accesses, exported as a CSV file and
parsed; the history at 320 px with every entry's content inside the window. axe-core checks
each new state, in French and in English."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS, STRANGER_DOCTOR
from tests.browser.site import FR, LOCALES, Words, assert_accessible, sign_in
from tests.e2e.stack_process import StackProcess
from tests.local.test_demo import files_documents, pro_login
from tests.unit.test_care_access import rpps

pytestmark = pytest.mark.browser

CAMILLE, JULIEN = DEMO_ACCOUNTS
BOTH = pytest.mark.parametrize("language", ["fr", "en"])
# What the stranger doctor states when he breaks the glass: a spreadsheet would run it as a
# formula, and it holds both separators and a quote.
REASON = '=1+1; patient "inconscient", urgences'
NOT_LISTED = rpps(424242)  # Luhn-valid, absent from the demo directory


def open_care(page: Page, words: Words) -> None:
    page.goto("/#/acces")
    expect(page.get_by_role("heading", level=1, name=words("nav.acces"))).to_be_visible()
    expect(page.get_by_role("heading", level=2, name=words("care.doctor"))).to_be_visible()


def section(page: Page, words: Words, title: str) -> Locator:
    return page.get_by_role("region", name=words(title))


def search(dialog: Locator, words: Words, name: str, place: str = "") -> None:
    dialog.get_by_label(words("people.name")).fill(name)
    dialog.get_by_label(words("people.place")).fill(place)
    dialog.get_by_label(words("people.place")).press("Enter")  # searches, does not submit
    expect(dialog.get_by_role("status")).not_to_contain_text("…")


@BOTH
def test_the_directory_search_in_a_dialog_is_accessible(page: Page, language: str):
    words = Words(language)
    sign_in(page, JULIEN, words)
    open_care(page, words)
    section(page, words, "care.team").get_by_role("button", name=words("care.grant")).click()
    dialog = page.get_by_role("dialog", name=words("care.grant"))
    assert_accessible(page, f"{language}: grant dialog with the directory search")
    dialog.get_by_role("button", name=words("care.grantSubmit")).click()  # nobody chosen
    expect(dialog.get_by_role("alert").filter(has_text=words("people.chooseOne"))).to_be_visible()
    search(dialog, words, "ro")  # 17 in the demo directory, nationwide
    status = dialog.get_by_role("status")
    expect(status).to_have_text(words("people.foundMore", count=10))
    results = dialog.get_by_role("group", name=words("people.results")).get_by_role("radio")
    expect(results).to_have_count(10)
    assert_accessible(page, f"{language}: directory search results")
    dialog.get_by_role("button", name=words("people.more")).click()
    expect(results).to_have_count(17)
    expect(results.nth(10)).to_be_focused()  # the first of the new ones
    search(dialog, words, "zzzz")
    expect(status).to_have_text(words("people.none"))
    assert_accessible(page, f"{language}: directory search without results")
    dialog.get_by_role("button", name=words("common.cancel")).click()


def test_a_treating_doctor_is_chosen_by_searching_the_directory(page: Page):
    words = FR
    sign_in(page, JULIEN, words)
    open_care(page, words)
    doctor = section(page, words, "care.doctor")
    either = f"^({re.escape(words('care.declareDoctor'))}|{re.escape(words('care.changeDoctor'))})$"
    doctor.get_by_role("button", name=re.compile(either)).click()
    dialog = page.get_by_role("dialog", name=words("care.declareDoctor"))
    search(dialog, words, "lecl", "Lyon")
    choice = dialog.get_by_role("radio", name=re.compile("Dr Sophie LECLERC"))
    expect(choice).to_have_count(1)
    expect(dialog.get_by_text("Médecine générale (SM)")).to_be_visible()
    expect(dialog.get_by_text("Lyon (69003)")).to_be_visible()
    choice.check()
    dialog.get_by_role("button", name=words("care.declare")).click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#notice")).to_contain_text(words("care.doctorDeclared"))
    expect(doctor.get_by_text("Dr Sophie LECLERC", exact=True)).to_be_visible()
    expect(doctor).to_contain_text(words("professions.10"))
    expect(doctor).to_contain_text(words("people.rpps", rpps="10100123453"))
    assert_accessible(page, "fr: a treating doctor named")

    # The history names the doctor too.
    page.goto("/#/historique")
    entry = page.locator(".entry").filter(has_text=words("objects.care/treating-doctor")).first
    expect(entry).to_contain_text("Dr Sophie LECLERC")
    expect(entry).to_contain_text(words("accessLog.roles.HOLDER"))


def test_a_professional_is_let_in_by_searching_the_directory(page: Page):
    words = FR
    sign_in(page, JULIEN, words)
    open_care(page, words)
    team = section(page, words, "care.team")
    team.get_by_role("button", name=words("care.grant")).click()
    dialog = page.get_by_role("dialog", name=words("care.grant"))
    dialog.get_by_label(words("people.given")).fill("kar")
    search(dialog, words, "benali", "lyon")
    dialog.get_by_role("radio", name=re.compile("Karim BENALI")).check()
    dialog.get_by_label(words("care.access")).select_option(label=words("care.everything"))
    dialog.get_by_role("button", name=words("care.grantSubmit")).click()
    expect(dialog).to_have_count(0)
    member = team.get_by_role("listitem").filter(has_text="Karim BENALI")
    expect(member).to_contain_text(words("professions.21"))
    expect(member).to_contain_text(words("people.rpps", rpps="10100678902"))
    expect(member.get_by_role("button", name=re.compile("Karim BENALI$"))).to_be_visible()


@pytest.mark.parametrize("language", ["en"])
def test_a_professional_is_blocked_by_searching_the_directory(page: Page, language: str):
    words = Words(language)
    sign_in(page, JULIEN, words)
    open_care(page, words)
    blocked = section(page, words, "care.blocked")
    blocked.get_by_role("button", name=words("care.block")).click()
    dialog = page.get_by_role("dialog", name=words("care.block"))
    search(dialog, words, "Fabre", "75011")
    dialog.get_by_role("radio", name=re.compile("Dr Marc FABRE")).check()
    dialog.get_by_role("button", name=words("care.blockSubmit")).click()
    expect(dialog).to_have_count(0)
    entry = blocked.get_by_role("listitem").filter(has_text="Dr Marc FABRE")
    expect(entry).to_contain_text(words("professions.10"))
    expect(entry).to_contain_text("Cardiologie")
    expect(
        entry.get_by_role(
            "button", name=re.compile(rf"^{words('care.unblock')}\s*: Dr Marc FABRE$")
        )
    ).to_be_visible()

    # Someone the directory does not hold, by number: named as such, never a bare number alone.
    blocked.get_by_role("button", name=words("care.block")).click()
    dialog = page.get_by_role("dialog", name=words("care.block"))
    dialog.get_by_text(words("people.byRpps")).click()
    dialog.get_by_label(words("care.rpps")).fill(NOT_LISTED)
    dialog.get_by_role("button", name=words("care.blockSubmit")).click()
    expect(dialog).to_have_count(0)
    unknown = blocked.get_by_role("listitem").filter(has_text=NOT_LISTED)
    expect(unknown).to_contain_text(words("people.unnamed"))
    expect(unknown).to_contain_text(words("people.notInDirectory"))
    assert_accessible(page, "en: professionals blocked, one absent from the directory")


@pytest.fixture(scope="module")
def emergency(site: StackProcess) -> str:
    """The stranger doctor breaks the glass on Camille's file, once for the module."""
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        stranger = pro_login(http, STRANGER_DOCTOR)
        headers = {**stranger, "X-Emergency-Reason": REASON}
        answer = http.get(files_documents(http, CAMILLE.person.ins, headers), headers=headers)
        assert answer.status_code == 200, answer.text
    return REASON


def apply_filter(page: Page, words: Words, name: str) -> None:
    page.get_by_role("radio", name=words(f"accessLog.filters.{name}")).check()
    page.get_by_role("button", name=words("accessLog.apply")).click()
    expect(page.get_by_role("status").filter(has_text="…")).to_have_count(0)


def open_history(page: Page, words: Words) -> None:
    page.goto("/#/historique")
    expect(page.get_by_role("heading", level=1, name=words("nav.historique"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="…")).to_have_count(0)


@BOTH
def test_the_history_filtered_to_emergency_accesses(page: Page, language: str, emergency: str):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    open_history(page, words)
    assert_accessible(page, f"{language}: history with its filters")
    apply_filter(page, words, "emergency")
    entries = page.locator(".entry")
    expect(entries).to_have_count(1)
    expect(entries).to_contain_text(emergency)
    expect(entries).to_contain_text("Dr Marc FABRE")
    doctor = words("professions.10")
    expect(entries).to_contain_text(words("accessLog.inEmergency", role=doctor))
    expect(entries).not_to_contain_text("PROFESSIONAL")
    assert_accessible(page, f"{language}: history of emergency accesses")
    apply_filter(page, words, "professionals")
    pros = page.locator(".entry")
    expect(pros.first).to_be_visible()
    for text in pros.all_inner_texts():
        assert "Dr " in text or "RPPS" in text, text  # a professional, by name


def read_csv(path: Path, separator: str) -> list[list[str]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 with a BOM, for spreadsheets
    return list(csv.reader(io.StringIO(raw[3:].decode("utf-8"), newline=""), delimiter=separator))


@BOTH
def test_the_history_is_downloaded_as_csv(page: Page, language: str, emergency: str, site):
    words = Words(language)
    separator = ";" if language == "fr" else ","
    columns = ["when", "who", "rpps", "role", "action", "object", "detail", "reason", "via"]
    header = [words(f"accessLog.columns.{c}") for c in columns]
    sign_in(page, CAMILLE, words)
    open_history(page, words)
    apply_filter(page, words, "emergency")
    with page.expect_download() as download:
        page.get_by_role("button", name=words("accessLog.export")).click()
    assert download.value.suggested_filename.endswith(".csv")
    rows = read_csv(Path(download.value.path()), separator)
    assert rows[0] == header
    [row] = rows[1:]
    assert row[columns.index("reason")] == f"'{emergency}"  # not a formula
    assert row[columns.index("who")] == "Dr Marc FABRE"
    assert row[columns.index("rpps")] == STRANGER_DOCTOR.rpps
    exported = words("accessLog.exported", count=1)
    expect(page.get_by_role("status").filter(has_text=exported)).to_be_visible()
    assert_accessible(page, f"{language}: history exported")

    # The whole history: as many rows as the API has entries, every page of it.
    apply_filter(page, words, "all")
    with page.expect_download() as download:
        page.get_by_role("button", name=words("accessLog.export")).click()
    rows = read_csv(Path(download.value.path()), separator)
    token = page.evaluate("sessionStorage.getItem('espace-sante.token')")
    total, cursor = 0, None
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        while True:
            params = {"limit": "100", **({"cursor": cursor} if cursor else {})}
            answer = http.get(
                "/me/access-log", params=params, headers={"Authorization": f"Bearer {token}"}
            )
            total += len(answer.json()["items"])
            cursor = answer.json()["next_cursor"]
            if not cursor:
                break
    # Exporting reads the history, which is not traced: the count holds still.
    assert len(rows) - 1 == total and all(len(r) == len(columns) for r in rows)


@BOTH
def test_the_history_at_320px_shows_every_column_inside_the_window(
    browser: Browser, site: StackProcess, language: str, emergency: str
):
    words = Words(language)
    context = browser.new_context(
        base_url=site.url, locale=LOCALES[language], viewport={"width": 320, "height": 800}
    )
    try:
        page = context.new_page()
        sign_in(page, CAMILLE, words)
        open_history(page, words)
        boxes = page.evaluate(
            """() => [...document.querySelectorAll('.entry dt, .entry dd')].map((el) => {
                 const r = el.getBoundingClientRect();
                 return {text: el.textContent, left: r.left, right: r.right, width: r.width,
                         shown: el.checkVisibility()};
               })"""
        )
        width = page.evaluate("window.innerWidth")
        assert len(boxes) >= 10
        labels = {
            words(f"accessLog.columns.{c}") for c in ("when", "who", "role", "action", "object")
        }
        assert labels <= {b["text"] for b in boxes}
        outside = [
            b
            for b in boxes
            if not b["shown"] or b["width"] <= 0 or b["left"] < 0 or b["right"] > width
        ]
        assert outside == []
        overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert overflow <= 0
        assert_accessible(page, f"{language}: history at 320 px")
    finally:
        context.close()
