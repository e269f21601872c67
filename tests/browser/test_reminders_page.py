"""The reminders' settings (#/agenda/rappels, web/reminders.js) in the browser against the local
stack, in French and English: a patient chooses a day and an hour before, by email, with the
keyboard; the choice is kept and traced in the access history; a change made elsewhere meanwhile
is said calmly; a representative sets the reminders of a child's appointments; a contact without
email or mobile is explained; readable at 320 px. axe-core checks every state in both
languages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, Route, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import Words, assert_accessible, sign_in

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("language", ["fr", "en"])
CAMILLE, JULIEN = DEMO_ACCOUNTS


def open_page(page: Page, words: Words, title: str) -> None:
    page.goto("/#/agenda/rappels")
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page).to_have_title(words("shell.title", page=words("reminders.title")))


@BOTH
def test_a_patient_chooses_reminders_with_the_keyboard_and_finds_them_again(
    page: Page, language: str
) -> None:
    words = Words(language)
    sign_in(page, CAMILLE if language == "fr" else JULIEN, words)
    open_page(page, words, words("reminders.title"))
    settings = page.get_by_role("region", name=words("reminders.settings"))
    email = settings.get_by_role("radio", name=words("reminders.channels.EMAIL"))
    expect(email).to_be_checked()  # the only channel the demo contact offers
    expect(settings.get_by_role("radio", name=words("reminders.channels.SMS"))).to_have_count(0)
    privacy = page.get_by_role("region", name=words("reminders.privacyTitle"))
    expect(privacy.get_by_text(words("reminders.privacy"))).to_be_visible()
    assert_accessible(page, f"{language}: the reminders' page")

    for lead in ("P1D", "PT1H"):
        box = settings.get_by_role("checkbox", name=words(f"reminders.leads.{lead}"))
        box.focus()
        page.keyboard.press("Space")
        expect(box).to_be_checked()
    save = settings.get_by_role("button", name=words("reminders.save"))
    save.focus()
    page.keyboard.press("Enter")
    expect(page.get_by_text(words("reminders.saved", count=2))).to_be_visible()
    expect(settings.get_by_role("button", name=words("reminders.save"))).to_be_focused()
    assert_accessible(page, f"{language}: reminders saved")

    page.reload()
    for lead, ticked in (("P7D", False), ("P1D", True), ("PT1H", True)):
        box = settings.get_by_role("checkbox", name=words(f"reminders.leads.{lead}"))
        (expect(box).to_be_checked if ticked else expect(box).not_to_be_checked)()

    page.set_viewport_size({"width": 320, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    assert_accessible(page, f"{language}: at 320 px")

    # None at all: said so.
    page.set_viewport_size({"width": 1280, "height": 800})
    for lead in ("P1D", "PT1H"):
        settings.get_by_role("checkbox", name=words(f"reminders.leads.{lead}")).uncheck()
    settings.get_by_role("button", name=words("reminders.save")).click()
    expect(page.get_by_text(words("reminders.savedNone"))).to_be_visible()

    page.goto("/#/historique")
    expect(page.get_by_text(words("objects.agenda/reminders")).first).to_be_visible()


@BOTH
def test_a_change_made_elsewhere_meanwhile_is_said_and_shown(page: Page, language: str) -> None:
    words = Words(language)
    sign_in(page, CAMILLE if language == "fr" else JULIEN, words)
    open_page(page, words, words("reminders.title"))

    def stale(route: Route) -> None:
        if route.request.method == "PUT":
            body = {"code": "PRECONDITION_FAILED", "message": "changed since you read it"}
            route.fulfill(status=412, json=body)
        else:
            route.continue_()

    page.route("**/me/agenda/reminders", stale)
    settings = page.get_by_role("region", name=words("reminders.settings"))
    settings.get_by_role("checkbox", name=words("reminders.leads.P2D")).check()
    settings.get_by_role("button", name=words("reminders.save")).click()
    expect(page.locator("#notice").get_by_role("alert")).to_have_text(words("reminders.conflict"))
    box = settings.get_by_role("checkbox", name=words("reminders.leads.P2D"))
    expect(box).not_to_be_checked()  # the page shows what is saved
    assert_accessible(page, f"{language}: a change made elsewhere")


@BOTH
def test_a_representative_sets_a_childs_reminders_and_a_contact_without_channel(
    page: Page, language: str
) -> None:
    words = Words(language)
    child = JULIEN.represents[0]
    sign_in(page, JULIEN, words)
    name = f"{child.given_name} {child.family_name}"
    page.get_by_label(words("shell.shownSpace")).select_option(label=name)
    page.get_by_role("button", name=words("shell.show"), exact=True).click()
    expect(page.locator("#context")).to_have_text(words("shell.viewing", name=name))
    open_page(page, words, words("reminders.child.title", child=child.given_name))
    settings = page.get_by_role(
        "region", name=words("reminders.child.settings", child=child.given_name)
    )
    when = words("reminders.child.when", child=child.given_name)
    expect(settings.get_by_role("group", name=when)).to_be_visible()
    assert_accessible(page, f"{language}: a child's reminders")

    def without_contact(route: Route) -> None:
        answer = route.fetch()
        route.fulfill(response=answer, json={**answer.json(), "channels": []})

    page.route("**/me/agenda/reminders", without_contact)
    page.reload()
    expect(page.get_by_text(words("reminders.noChannel"))).to_be_visible()
    assert_accessible(page, f"{language}: no email nor mobile known")
