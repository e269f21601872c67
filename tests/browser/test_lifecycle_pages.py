"""The settings page's lifecycle sections (web/lifecycle.js, issue 12) in the browser against the
local stack, in French and English, each state scanned by axe-core: my data (the way to the
copy and the summary), deleting one's space now with the keyboard alone (the box to tick, a
sign-in too old asked again, the confirmation with the date the last copy is gone, signed out
calmly), and a closed space whose every page offers to reopen it (a space still being archived:
"try again later") or to delete it; an archived space asked back for real (the stack archives,
restores and rehydrates it), every page saying it is being restored until it is open again; the
history's words for a copy and the summary. Each test has people of its own: nobody else's test
deletes or closes them."""

from __future__ import annotations

import json
import re

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from healthspace.kernel.identifiers import make_ins
from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import Words, assert_accessible
from tests.browser.site import sign_in as site_sign_in
from tests.browser.test_account_pages import account_code
from tests.browser.test_settings import PASSWORD, asked_to_sign_in_again, identity_of, sign_in
from tests.e2e.stack_process import StackProcess
from tests.e2e.test_enrollment_journey import Person, cli, code_sent_to, write_csv

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("language", ["fr", "en"])
DELETERS = {
    "fr": Person(make_ins("2450275111051"), "1945-02-10", "Denise", "Efface", "denise@example.org"),
    "en": Person(make_ins("1480575111052"), "1948-05-12", "Dennis", "Erase", "dennis@example.org"),
}
# Asks for a copy and the summary, then reads them in the history.
READER = Person(
    make_ins("2470675111055"), "1947-06-02", "Henriette", "Histoire", "henriette@example.org"
)
# Closed by the helpline, archived by the stack's workflow, then asked back from the page.
REOPENER = Person(
    make_ins("2490775111056"), "1949-07-03", "Rolande", "Retour", "rolande@example.org"
)
CLOSED = {
    "fr": Person(
        make_ins("2500375111053"), "1950-03-04", "Rose", "Ferme", "rose.ferme@example.org"
    ),
    "en": Person(make_ins("1520475111054"), "1952-04-08", "Ronald", "Shut", "ronald@example.org"),
}


@pytest.fixture(scope="module")
def people(site: StackProcess, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Everyone notified by the operators' CLI, their space opened with their code, their password
    chosen; the CLOSED people's spaces then closed by the helpline for them."""
    everyone = [*DELETERS.values(), *CLOSED.values(), READER, REOPENER]
    population = tmp_path_factory.mktemp("lifecycle") / "assures.csv"
    write_csv(population, everyone)
    imported = cli(site.url, "import", str(population))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        for person in everyone:
            body = {**identity_of(person), "code": code_sent_to(http, person.email)}
            assert http.post("/enrollment/activation", json=body).status_code == 200
            asked = http.post("/accounts/code-requests", json=identity_of(person))
            assert asked.status_code < 300, asked.text
            chosen = {
                **identity_of(person),
                "code": account_code(site, person),
                "password": PASSWORD,
            }
            answer = http.post("/accounts/password", json=chosen)
            assert answer.status_code < 300, answer.text
    for person in (*CLOSED.values(), REOPENER):
        who = ["--ins", person.ins, "--birth-date", person.birth_date]
        closed = cli(
            site.url,
            "helpline",
            "--operator",
            "op-browser",
            "close",
            *who,
            "--checked",
            "IDENTITY_QUESTIONS",
        )
        assert closed.returncode == 0, closed.stdout + closed.stderr


def no_wider_than_the_window(page: Page) -> None:
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow}px wider than the window"


@BOTH
def test_deleting_an_open_space_with_the_keyboard(page: Page, people: None, language: str):
    words, person = Words(language), DELETERS[language]
    page.goto("/")
    sign_in(page, words, person)
    page.goto("/#/parametres")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("settings.title"))

    # My data: the way to the copy and the summary (their page, not here again)
    mine = page.get_by_role("region", name=words("lifecycle.myData.title"))
    expect(mine.get_by_role("link", name=words("export.link"))).to_have_attribute(
        "href", "#/mes-donnees"
    )
    # What deleting does, and when the last copy is gone; unlike closing, final
    deleting = page.get_by_role("region", name=words("lifecycle.delete.title"))
    expect(deleting).to_contain_text(words("lifecycle.delete.key"))
    expect(deleting).to_contain_text(words("lifecycle.delete.final"))
    expect(deleting.get_by_role("link", name=words("export.link"))).to_be_visible()
    assert_accessible(page, f"{language}: the settings' lifecycle sections")

    # The keyboard alone: sent without ticking, the page says why and focuses the box
    submit = deleting.get_by_role("button", name=words("lifecycle.delete.submit"))
    submit.focus()
    page.keyboard.press("Enter")
    box = deleting.get_by_role("checkbox", name=words("lifecycle.delete.understood"))
    expect(box).to_be_focused()
    expect(deleting).to_contain_text(words("lifecycle.delete.tickFirst"))
    assert_accessible(page, f"{language}: deletion not confirmed")

    # A sign-in too old: asked again, then back on the settings page, nothing deleted
    page.route("**/me/deletion", asked_to_sign_in_again)
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    submit.focus()
    page.keyboard.press("Enter")
    again = deleting.get_by_role("button", name=words("lifecycle.signInButton"))
    expect(again).to_be_focused()
    expect(deleting.get_by_role("alert")).to_contain_text(words("lifecycle.delete.signInAgain"))
    assert_accessible(page, f"{language}: asked to sign in again before deleting")
    page.unroute("**/me/deletion")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("login.title"))
    sign_in(page, words, person)
    expect(page.get_by_role("heading", level=1)).to_have_text(words("settings.title"))
    about = page.get_by_role("region", name=words("settings.about.title"))
    expect(about).to_contain_text(words("settings.status.ACTIVE"))

    # Ticked with the space bar, sent with Enter: the confirmation, and signed out
    deleting = page.get_by_role("region", name=words("lifecycle.delete.title"))
    deleting.get_by_role("checkbox").focus()
    page.keyboard.press("Space")
    with page.expect_response("**/me/deletion") as sent:
        deleting.get_by_role("button", name=words("lifecycle.delete.submit")).focus()
        page.keyboard.press("Enter")
    answer = sent.value
    assert answer.status == 202
    assert answer.request.post_data_json == {"confirm": "DELETE"}
    assert answer.json()["status"] == "DELETING"
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(words("lifecycle.deleted.title"))
    expect(heading).to_be_focused()
    expect(page.get_by_text(words("lifecycle.deleted.signedOut"))).to_be_visible()
    said = words("lifecycle.deleted.gone", date="@").split("@")[0]  # the date's own format aside
    expect(page.get_by_text(said)).to_be_visible()
    expect(page.get_by_role("button", name=words("shell.signOut"))).to_have_count(0)
    assert page.evaluate("sessionStorage.getItem('espace-sante.token')") is None
    page.set_viewport_size({"width": 320, "height": 800})
    no_wider_than_the_window(page)
    assert_accessible(page, f"{language}: the deletion's confirmation at 320 px")
    page.get_by_role("link", name=words("lifecycle.deleted.signIn")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("login.title"))


@BOTH
def test_a_closed_space_offers_to_reopen_or_delete_it(page: Page, people: None, language: str):
    words, person = Words(language), CLOSED[language]
    page.set_viewport_size({"width": 320, "height": 800})
    page.goto("/")
    sign_in(page, words, person)

    # Any page: closed, and the two ways on
    for route in ("accueil", "documents"):
        page.goto(f"/#/{route}")
        expect(page.get_by_role("heading", level=1)).to_have_text(words("settings.closed.title"))
        reopening = page.get_by_role("region", name=words("lifecycle.reopen.title"))
        expect(reopening).to_contain_text(words("lifecycle.reopen.time"))
        deleting = page.get_by_role("region", name=words("lifecycle.delete.title"))
        expect(deleting).to_contain_text(words("lifecycle.delete.final"))
        expect(deleting.get_by_role("link", name=words("export.link"))).to_have_count(0)
    no_wider_than_the_window(page)
    assert_accessible(page, f"{language}: a closed space's page at 320 px")

    # Reopening asked while the space is still being archived: try again later
    reopening.get_by_role("checkbox", name=words("lifecycle.reopen.understood")).check()
    conflict = {"code": "CONFLICT", "message": "this space is being archived: ask again later"}
    page.route(
        "**/enrollment/space-requests",
        lambda route: route.fulfill(status=409, json=conflict),
    )
    with page.expect_request("**/enrollment/space-requests") as asked:
        reopening.get_by_role("button", name=words("lifecycle.reopen.submit")).click()
    assert asked.value.method == "POST"
    assert "x-space-id" not in asked.value.headers
    expect(reopening.get_by_role("alert")).to_contain_text(words("lifecycle.reopen.later"))
    assert_accessible(page, f"{language}: reopening asked too early")
    page.unroute("**/enrollment/space-requests")

    # The settings page says the same, with the closure's facts
    page.goto("/#/parametres")
    about = page.get_by_role("region", name=words("settings.about.title"))
    expect(about).to_contain_text(words("settings.status.CLOSED"))
    expect(page.get_by_role("region", name=words("lifecycle.reopen.title"))).to_be_visible()
    expect(page.get_by_role("region", name=words("lifecycle.myData.title"))).to_have_count(0)

    # Deleted from the closed space: the confirmation
    deleting = page.get_by_role("region", name=words("lifecycle.delete.title"))
    deleting.get_by_role("checkbox", name=words("lifecycle.delete.understood")).check()
    deleting.get_by_role("button", name=words("lifecycle.delete.submit")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("lifecycle.deleted.title"))
    assert_accessible(page, f"{language}: a closed space deleted")


def as_reopening(route: Route) -> None:
    """GET /me as it reads while the archive comes back (the reopening's back end is beside)."""
    me = route.fetch().json()
    me["space"]["status"] = "REOPENING"
    route.fulfill(status=200, content_type="application/json", body=json.dumps(me))


@BOTH
def test_while_a_space_is_restored_every_page_says_so(page: Page, language: str):
    words = Words(language)
    page.route(re.compile(r".*/me$"), as_reopening)
    site_sign_in(page, DEMO_ACCOUNTS[0], words)
    for route in ("accueil", "documents", "historique"):
        page.goto(f"/#/{route}")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_have_text(words("lifecycle.restoring.title"))
        expect(page.get_by_text(words("lifecycle.restoring.time"))).to_be_visible()
    expect(page).to_have_title(words("shell.title", page=words("lifecycle.restoring.title")))
    check = page.get_by_role("button", name=words("lifecycle.restoring.check"))
    check.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("lifecycle.restoring.title"))
    assert_accessible(page, f"{language}: a space being restored")


def test_the_history_names_a_copy_and_the_summary(page: Page, people: None):
    """The history's words for the export asked (CREATE export) and the summary downloaded
    (DOWNLOAD summary), in both languages (a deletion and a reopening leave theirs in a history
    deleted with the space, or read once it is back: web/history.js names them too)."""
    fr = Words("fr")
    page.goto("/")
    sign_in(page, fr, READER)
    page.goto("/#/mes-donnees")
    copy = page.get_by_role("region", name=fr("export.copy.title"))
    copy.get_by_role("button", name=fr("export.copy.ask")).click()
    expect(page.get_by_text(fr("export.copy.asked"))).to_be_visible()
    summary = page.get_by_role("region", name=fr("export.summary.title"))
    with page.expect_download():
        summary.get_by_role("button", name=fr("export.summary.pdf")).click()
    for words in (fr, Words("en")):
        if words.language == "en":
            page.get_by_role("button", name=fr("shell.language")).click()
        page.goto("/#/historique")
        entries = page.get_by_role("listitem")
        asked = entries.filter(has_text=words("lifecycle.history.export"))
        expect(asked).to_have_count(1)
        expect(asked).to_contain_text(words("lifecycle.history.asked"))
        read = entries.filter(has_text=words("lifecycle.history.summary"))
        expect(read).to_have_count(1)
        expect(read).to_contain_text(words("actions.download"))
        assert_accessible(page, f"{words.language}: the history of a copy and the summary")


ARCHIVED_MS = 90_000  # closed, then archived by the archive workflow (the table's stream)


def test_reopening_an_archived_space(page: Page, people: None):
    """The real thing on the local stack: archived after the helpline closed it, asked back from
    the page (202 REOPENING), every page says it is being restored while S3 restores the archive
    (the stack's restore clock), then the space is open again."""
    words = Words("fr")
    page.goto("/")
    sign_in(page, words, REOPENER)
    about = page.get_by_role("region", name=words("settings.about.title"))
    waited = 0
    while True:  # the settings page reads the status once: look again until archived
        page.goto("/#/parametres")
        page.reload()
        expect(about).to_contain_text(words("settings.status.CLOSED"))
        if words("settings.status.ARCHIVED") in about.inner_text():
            break
        assert waited < ARCHIVED_MS, "never archived"
        page.wait_for_timeout(1000)
        waited += 1000
    reopening = page.get_by_role("region", name=words("lifecycle.reopen.title"))
    reopening.get_by_role("checkbox", name=words("lifecycle.reopen.understood")).check()
    with page.expect_response("**/enrollment/space-requests") as sent:
        reopening.get_by_role("button", name=words("lifecycle.reopen.submit")).click()
    assert sent.value.status == 202
    assert sent.value.json()["status"] == "REOPENING"
    heading = page.get_by_role("heading", level=1)
    page.goto("/#/documents")
    check = page.get_by_role("button", name=words("lifecycle.restoring.check"))
    waited = 0
    while True:  # "look again" until the archive is back
        expect(heading).not_to_have_text(words("settings.closed.title"))
        if heading.inner_text() != words("lifecycle.restoring.title"):
            break
        if waited == 0:
            assert_accessible(page, "fr: a space being restored, for real")
        assert waited < ARCHIVED_MS, "never reopened"
        page.wait_for_timeout(1000)
        waited += 1000
        check.click()
    expect(heading).to_have_text(words("nav.documents"))
    page.goto("/#/parametres")
    expect(about).to_contain_text(words("settings.status.ACTIVE"))
