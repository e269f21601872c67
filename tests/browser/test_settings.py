"""The settings page (#/parametres) and closing a space (issue 12), in the browser against the
local stack: two people whose space is open (one in French, one in English) find the settings in
the menu, learn what closing does to their data and when, forget to tick the confirmation, are
asked to sign in again (the API's REAUTHENTICATION_REQUIRED) and come back to the page, close
their space with the keyboard alone, see the closure (since when, kept until when), and every
other page then says calmly that the space is closed, at 320 px too. axe-core checks each state
in both languages."""

from __future__ import annotations

import json

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from healthspace.kernel.identifiers import make_ins
from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import Words, assert_accessible
from tests.browser.test_account_pages import account_code
from tests.e2e.stack_process import StackProcess
from tests.e2e.test_enrollment_journey import Person, cli, code_sent_to, write_csv

pytestmark = pytest.mark.browser

CLOSERS = {
    "fr": Person(make_ins("2880375111041"), "1988-03-04", "Claire", "Ferme", "claire@example.org"),
    "en": Person(make_ins("1720769123042"), "1972-07-19", "Colin", "Close", "colin@example.org"),
}
SUSPECT = Person(make_ins("2910375111043"), "1991-03-05", "Sue", "Suspendue", "sue@example.org")
PASSWORD = "Closer-password-2027"


@pytest.fixture(scope="module")
def opened(site: StackProcess, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Both notified by the operators' CLI, their space opened with their code, their password
    chosen with the account code."""
    population = tmp_path_factory.mktemp("closers") / "assures.csv"
    write_csv(population, [*CLOSERS.values(), SUSPECT])
    imported = cli(site.url, "import", str(population))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        for person in (*CLOSERS.values(), SUSPECT):
            code = code_sent_to(http, person.email)
            body = {**identity_of(person), "code": code}
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


def identity_of(person: Person) -> dict[str, str]:
    return {"ins": person.ins, "birth_date": person.birth_date}


def sign_in(page: Page, words: Words, person: Person) -> None:
    page.get_by_label(words("login.username")).fill(person.ins)
    page.get_by_label(words("login.password")).fill(PASSWORD)
    page.get_by_role("button", name=words("login.submit")).click()
    expect(page.get_by_role("button", name=words("shell.signOut"))).to_be_visible()


def asked_to_sign_in_again(route: Route) -> None:
    """The API's answer to a closure whose sign-in is too old (the stack's tokens are fresh)."""
    if route.request.method != "POST":
        return route.continue_()
    body = {"code": "REAUTHENTICATION_REQUIRED", "message": "sign in again"}
    route.fulfill(status=401, content_type="application/json", body=json.dumps(body))


@pytest.mark.parametrize("language", ["fr", "en"])
def test_closing_a_space_from_the_settings_page(page: Page, opened: None, language: str):
    words, person = Words(language), CLOSERS[language]
    page.goto("/")  # in the browser's language (the context's locale)
    sign_in(page, words, person)

    # The settings, from the menu: what the space is, and what closing does and when
    page.get_by_role("navigation", name=words("shell.menu")).get_by_role(
        "link", name=words("settings.nav")
    ).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("settings.title"))
    about = page.get_by_role("region", name=words("settings.about.title"))
    expect(about).to_contain_text(words("settings.status.ACTIVE"))
    closing = page.get_by_role("region", name=words("settings.close.title"))
    expect(closing).to_contain_text(words("settings.close.atOnce"))
    expect(closing).to_contain_text(words("settings.close.deleted"))
    expect(closing.get_by_role("link", name=words("settings.myData"))).to_have_attribute(
        "href", "#/mes-donnees"
    )
    assert_accessible(page, f"{language}: settings of an open space")

    # The keyboard alone: submitting without ticking says why and puts the focus on the box
    submit = closing.get_by_role("button", name=words("settings.close.submit"))
    submit.focus()
    page.keyboard.press("Enter")
    box = closing.get_by_role("checkbox", name=words("settings.close.understood"))
    expect(box).to_be_focused()
    expect(closing).to_contain_text(words("settings.close.tickFirst"))
    assert_accessible(page, f"{language}: closing not confirmed")

    # An old sign-in: asked to sign in again, then back on the settings page
    page.route("**/me/closure", asked_to_sign_in_again)
    page.keyboard.press("Space")
    expect(box).to_be_checked()
    submit.focus()
    page.keyboard.press("Enter")
    again = closing.get_by_role("button", name=words("settings.close.signInButton"))
    expect(again).to_be_focused()
    expect(closing.get_by_role("alert")).to_contain_text(words("settings.close.signInAgain"))
    assert_accessible(page, f"{language}: asked to sign in again")
    page.unroute("**/me/closure")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("login.title"))
    sign_in(page, words, person)
    expect(page.get_by_role("heading", level=1)).to_have_text(words("settings.title"))

    # Ticked with the space bar, sent with Enter: closed, and the page says since when
    closing = page.get_by_role("region", name=words("settings.close.title"))
    closing.get_by_role("checkbox").focus()
    page.keyboard.press("Space")
    closing.get_by_role("button", name=words("settings.close.submit")).focus()
    page.keyboard.press("Enter")
    expect(page.get_by_role("region", name=words("settings.about.title"))).to_contain_text(
        words("settings.status.CLOSED")
    )
    closing = page.get_by_role("region", name=words("settings.close.title"))
    expect(closing).to_contain_text(words("settings.reason.REQUEST"))
    expect(closing.get_by_role("button")).to_have_count(0)
    assert_accessible(page, f"{language}: settings of a closed space")

    # Every other page says, calmly, that it is closed; readable at 320 px
    page.set_viewport_size({"width": 320, "height": 800})
    for route in ("documents", "accueil", "historique"):
        page.goto(f"/#/{route}")
        expect(page.get_by_role("heading", level=1)).to_have_text(words("settings.closed.title"))
        reopen = page.get_by_role("region", name=words("lifecycle.reopen.title"))
        expect(reopen).to_be_visible()  # and delete it (tests/browser/test_lifecycle_pages.py)
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page, f"{language}: a page of a closed space at 320 px")


def test_a_suspended_space_says_so_on_every_page(page: Page, site: StackProcess, opened: None):
    """Suspended by an operator (the CLI on the stack): the holder reads why and whom to call."""
    who = ["--ins", SUSPECT.ins, "--birth-date", SUSPECT.birth_date]
    suspended = cli(site.url, "suspension", "--operator", "op-browser", "suspend", *who)
    assert suspended.returncode == 0, suspended.stdout + suspended.stderr
    fr, en = Words("fr"), Words("en")
    page.goto("/")
    sign_in(page, fr, SUSPECT)
    for words in (fr, en):
        for route in ("accueil", "documents"):
            page.goto(f"/#/{route}")
            heading = page.get_by_role("heading", level=1)
            expect(heading).to_have_text(words("settings.suspended.title"))
            expect(page.get_by_role("link", name=words("settings.suspended.help"))).to_be_visible()
        assert_accessible(page, f"{words.language}: a suspended space")
        if words is fr:
            page.get_by_role("button", name=fr("shell.language")).click()
    lifted = cli(site.url, "suspension", "--operator", "op-browser", "lift", *who)
    assert lifted.returncode == 0, lifted.stdout + lifted.stderr


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_representative_reads_the_settings_of_the_childs_space(page: Page, language: str):
    """Said of the child ("Close Léa's health space"); nothing closed here."""
    words = Words(language)
    julien = DEMO_ACCOUNTS[1]
    child = julien.represents[0]
    page.goto("/")
    page.get_by_label(words("login.username")).fill(julien.username)
    page.get_by_label(words("login.password")).fill(julien.password)
    page.get_by_role("button", name=words("login.submit")).click()
    name = f"{child.given_name} {child.family_name}"
    page.get_by_label(words("shell.shownSpace")).select_option(label=name)
    page.get_by_role("button", name=words("shell.show"), exact=True).click()
    expect(page.locator("#context")).to_have_text(words("shell.viewing", name=name))
    page.goto("/#/parametres")
    closing = page.get_by_role(
        "region", name=words("settings.child.close.title", child=child.given_name)
    )
    expect(closing.get_by_role("button")).to_have_text(
        words("settings.child.close.submit", child=child.given_name)
    )
    assert_accessible(page, f"{language}: settings of a child's space")
