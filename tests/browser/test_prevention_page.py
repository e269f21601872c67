"""The prevention calendar page (#/agenda/prevention, web/prevention.js), in French and English:
what is due now, what comes next and what is past, for the holder and for a child through the
space switcher; a status noted in a dialog (done on a day; planned needs an appointment of the
agenda); every state scanned by axe-core."""

from __future__ import annotations

from datetime import date

import pytest
from playwright.sync_api import Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import Words, assert_accessible, sign_in

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("language", ["fr", "en"])
CAMILLE, JULIEN = DEMO_ACCOUNTS
LEA = JULIEN.represents[0]
# What is due now for each (the stack's clock is the machine's): Julien, 47, his prevention
# check-up of 45 to 50; Camille, 41, the HPV test of her cervical screening (37 to 41).
DUE = {"fr": (JULIEN, "checkup"), "en": (CAMILLE, "screening-cervical-hpv")}


@BOTH
def test_the_holder_notes_an_item_done(page: Page, language: str):
    words = Words(language)
    account, label = DUE[language]
    sign_in(page, account, words)
    page.goto("/#/agenda/prevention")
    expect(page.get_by_role("heading", level=1, name=words("prevention.title"))).to_be_visible()
    expect(page).to_have_title(words("shell.title", page=words("prevention.title")))
    now = page.get_by_role("region", name=words("prevention.now"))
    item = now.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=words(f"prevention.items.{label}"))
    )
    expect(item).to_have_count(1)
    expect(item.get_by_text(words("prevention.statuses.TO_PLAN"))).to_be_visible()
    expect(page.get_by_role("region", name=words("prevention.upcoming"))).to_be_visible()
    assert_accessible(page, f"{language}: the calendar")

    item.get_by_role("button", name=words("prevention.change")).click()
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_role("group", name=words("prevention.choose"))).to_be_visible()
    dialog.get_by_role("radio", name=words("prevention.choices.PLANNED")).check()
    # Other tests of the session may have booked appointments for this account: name none.
    booked = dialog.get_by_label(words("prevention.appointment"))
    if booked.count():
        booked.select_option("")
    else:
        expect(dialog.get_by_text(words("prevention.noAppointment"))).to_be_visible()
    expect(dialog.get_by_label(words("prevention.doneOn"))).to_be_hidden()
    dialog.get_by_role("button", name=words("common.save")).click()
    expect(dialog.get_by_text(words("prevention.appointmentMissing"))).to_be_visible()
    assert_accessible(page, f"{language}: planned, but no appointment to name")

    dialog.get_by_role("radio", name=words("prevention.choices.DONE")).check()
    dialog.get_by_role("button", name=words("common.save")).click()
    expect(dialog.get_by_text(words("prevention.dateMissing"))).to_be_visible()
    done_on = date.today().replace(day=1)
    dialog.get_by_label(words("prevention.doneOn")).fill(done_on.isoformat())
    assert_accessible(page, f"{language}: the status dialog")
    dialog.get_by_role("button", name=words("common.save")).click()
    expect(dialog).to_have_count(0)
    expect(page.get_by_text(words("prevention.saved"))).to_be_visible()

    # Done: no longer in "now", among the earlier steps
    expect(now.get_by_role("heading", name=words(f"prevention.items.{label}"))).to_have_count(0)
    earlier = page.get_by_role("region", name=words("prevention.earlier"))
    earlier.locator("summary").click()
    marked = earlier.get_by_role("listitem").filter(
        has=page.get_by_role("heading", name=words(f"prevention.items.{label}"))
    )
    expect(marked.first).to_be_visible()
    assert_accessible(page, f"{language}: the earlier steps open, one just done")


@BOTH
def test_a_representative_reads_the_childs_calendar(page: Page, language: str):
    words = Words(language)
    sign_in(page, JULIEN, words)
    page.goto("/#/agenda/prevention")
    expect(page.get_by_role("heading", level=1, name=words("prevention.title"))).to_be_visible()
    page.get_by_label(words("shell.shownSpace")).select_option(
        label=f"{LEA.given_name} {LEA.family_name}"
    )
    page.get_by_role("button", name=words("shell.show"), exact=True).click()
    child = LEA.given_name
    title = words("child.prevention.title", child=child)
    expect(page.get_by_role("heading", level=1, name=title)).to_be_visible()
    expect(page).to_have_title(words("shell.title", page=title))
    # Léa, 10: the examination between 11 and 13 years, and the HPV vaccine, are next
    upcoming = page.get_by_role("region", name=words("prevention.upcoming"))
    for label in ("exam-years-11-13", "vacc-hpv"):
        expect(
            upcoming.get_by_role("heading", name=words(f"prevention.items.{label}"), exact=False)
        ).not_to_have_count(0)
    # Never a screening of adults in the months to come
    expect(upcoming.get_by_text(words("prevention.kinds.SCREENING"))).to_have_count(0)
    assert_accessible(page, f"{language}: the child's calendar")
    page.set_viewport_size({"width": 320, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 320, f"{language}: the page is {width}px wide at 320px"
    assert_accessible(page, f"{language}: the child's calendar at 320px")
