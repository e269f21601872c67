"""Due prevention items on the agenda (#/agenda, issue 13) in the browser against the local stack:
the list shows what the prevention calendar asks for and nothing is booked for yet; booking it
from the agenda adds the appointment and the prevention page then says it is planned. A
representative sees the child's items, in the list and under the month they open in, and the
prevention page's link opens the same prefilled dialog. axe-core in French and English, 320 px."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import Locator, Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import Words, assert_accessible, sign_in

pytestmark = pytest.mark.browser

BOTH = pytest.mark.parametrize("language", ["fr", "en"])
CAMILLE, JULIEN = DEMO_ACCOUNTS
LEA = JULIEN.represents[0]
# What is due now (see test_prevention_page.py): Julien's prevention check-up of 45 to 50,
# Camille's HPV test of her cervical screening.
DUE = {"fr": (JULIEN, "checkup"), "en": (CAMILLE, "screening-cervical-hpv")}
# Léa's examination between 11 and 13 opens on her 11th birthday.
LEA_EXAM = "exam-years-11-13"
LEA_OPENS = date.fromisoformat(LEA.birth_date).replace(
    year=date.fromisoformat(LEA.birth_date).year + 11
)
NEXT_MONTH = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
DAY = {"fr": NEXT_MONTH.replace(day=8), "en": NEXT_MONTH.replace(day=9)}


def open_agenda(page: Page, words: Words) -> None:
    page.goto("/#/agenda")
    expect(page.get_by_role("heading", level=1, name=words("nav.agenda"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=words("agenda.loading"))).to_have_count(0)


def prevention_card(page: Page, words: Words, label: str, when: str) -> Locator:
    """The card of the list's prevention section for the item `label` whose window reads as
    `when` ("before": due now, "between": opening later)."""
    region = page.get_by_role("region", name=words("agenda.prevention.title"))
    return (
        region.get_by_role("listitem")
        .filter(has=page.get_by_role("heading", name=words(f"prevention.items.{label}")))
        .filter(has_text=opening_words(words, when))
    )


def opening_words(words: Words, when: str) -> str:
    """The window's words before its first date: "À faire avant le", "To do between"."""
    return str(words.tree["agenda"]["prevention"][when]).split("{")[0].strip()


def no_horizontal_scroll(page: Page) -> None:
    page.set_viewport_size({"width": 320, "height": 800})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px wider than a 320 px screen"


@BOTH
def test_a_due_item_is_booked_from_the_agenda_and_planned(page: Page, language: str):
    words = Words(language)
    account, label = DUE[language]
    name = words(f"prevention.items.{label}")
    sign_in(page, account, words)
    open_agenda(page, words)
    nav = page.get_by_role("navigation", name=words("agenda.otherPages"))
    expect(nav.get_by_role("link", name=words("prevention.title"))).to_be_visible()
    expect(nav.get_by_role("link", name=words("reminders.title"))).to_be_visible()
    card = prevention_card(page, words, label, "before")
    expect(card).to_have_count(1)
    item_id = card.get_attribute("data-prevention")
    card = page.locator(f'[data-prevention="{item_id}"]')
    expect(card.get_by_role("link", name=words("agenda.prevention.see"))).to_have_attribute(
        "href", "#/agenda/prevention"
    )
    assert_accessible(page, f"{language}: the agenda with a due prevention item")
    size = page.viewport_size
    no_horizontal_scroll(page)
    assert_accessible(page, f"{language}: the agenda with a due prevention item at 320 px")
    assert size is not None
    page.set_viewport_size(size)

    card.get_by_role("button", name=words("agenda.prevention.book")).click()
    dialog = page.get_by_role("dialog", name=words("agenda.add"))
    expect(dialog.get_by_label(words("agenda.fields.reason"))).to_have_value(name)
    day = DAY[language]
    dialog.get_by_label(words("agenda.fields.date")).fill(day.isoformat())
    dialog.get_by_label(words("agenda.fields.start")).fill("08:00")
    dialog.get_by_label(words("agenda.fields.end")).fill("08:30")
    dialog.get_by_label(words("agenda.fields.professional_name")).fill(f"Dr Prévention {language}")
    dialog.get_by_role("button", name=words("agenda.addSubmit")).click()
    expect(dialog).to_have_count(0)
    expect(page.locator("#notice")).to_contain_text(words("agenda.prevention.planned"))
    booked = page.get_by_role("listitem").filter(has_text=f"Dr Prévention {language}")
    expect(booked).to_contain_text(name)
    expect(card).to_have_count(0)  # planned: off the list

    nav.get_by_role("link", name=words("prevention.title")).click()
    expect(page.get_by_role("heading", level=1, name=words("prevention.title"))).to_be_visible()
    item = (
        page.get_by_role("region", name=words("prevention.now"))
        .get_by_role("listitem")
        .filter(has=page.get_by_role("heading", name=name))
    )
    expect(item.get_by_text(words("prevention.statuses.PLANNED"))).to_be_visible()
    assert_accessible(page, f"{language}: the prevention page, the item planned")

    # Back as it was for the prevention page's own tests: to plan, the appointment cancelled
    item.get_by_role("button", name=words("prevention.change")).click()
    status = page.get_by_role("dialog")
    status.get_by_role("radio", name=words("prevention.choices.TO_PLAN")).check()
    status.get_by_role("button", name=words("common.save")).click()
    expect(item.get_by_text(words("prevention.statuses.TO_PLAN"))).to_be_visible()
    open_agenda(page, words)
    booked.get_by_role("button", name=words("agenda.cancel")).click()
    page.get_by_role("dialog", name=words("agenda.cancelTitle")).get_by_role(
        "button", name=words("agenda.cancel")
    ).click()
    expect(booked).to_contain_text(words("agenda.status.CANCELLED"))


@BOTH
def test_a_representative_sees_the_childs_items_and_books_from_the_prevention_page(
    page: Page, language: str
):
    words = Words(language)
    name = words(f"prevention.items.{LEA_EXAM}")
    sign_in(page, JULIEN, words)
    page.goto("/#/agenda")
    page.get_by_label(words("shell.shownSpace")).select_option(
        label=f"{LEA.given_name} {LEA.family_name}"
    )
    page.get_by_role("button", name=words("shell.show"), exact=True).click()
    expect(page.get_by_role("status").filter(has_text=words("agenda.loading"))).to_have_count(0)
    # Her examination opens within the list's range (a year and a month): said with its window
    when = "before" if date.today() >= LEA_OPENS else "between"
    expect(prevention_card(page, words, LEA_EXAM, when)).to_have_count(1)

    # The month it opens in lists it under the grid
    page.get_by_role("button", name=words("agenda.modes.month")).click()
    months = (LEA_OPENS.year - date.today().year) * 12 + LEA_OPENS.month - date.today().month
    for _ in range(abs(months)):
        page.get_by_role(
            "button", name=words("agenda.next" if months > 0 else "agenda.previous")
        ).click()
        expect(page.get_by_role("status").filter(has_text=words("agenda.loading"))).to_have_count(0)
    month = page.get_by_role("region", name=words("agenda.prevention.month"))
    expect(month.get_by_role("heading", name=name)).to_be_visible()
    assert_accessible(page, f"{language}: the child's month, an item opening in it")
    size = page.viewport_size
    no_horizontal_scroll(page)
    assert size is not None
    page.set_viewport_size(size)
    page.get_by_role("button", name=words("agenda.modes.list")).click()

    # The prevention page's link opens the agenda's dialog, prefilled
    page.goto("/#/agenda/prevention")
    item = page.get_by_role("listitem").filter(has=page.get_by_role("heading", name=name))
    item.get_by_role("link", name=words("prevention.book")).click()
    dialog = page.get_by_role("dialog", name=words("agenda.add"))
    expect(dialog.get_by_label(words("agenda.fields.reason"))).to_have_value(name)
    assert_accessible(page, f"{language}: booking a prevention item, prefilled")
    dialog.get_by_role("button", name=words("common.cancel")).click()
    expect(dialog).to_have_count(0)
    expect(page).to_have_url(re.compile(r"#/agenda$"))
