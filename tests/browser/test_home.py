"""The home page says what is new since the last visit (the server's, so on any device): the
documents others filed, the professionals who opened the file, break-glass accesses first and in
words; and what to do next, with links. A represented child's space speaks of the child, with
one way to switch spaces. In French and English, axe-clean."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Page, expect

from infra.bench.screenshots import EMERGENCY_REASON, professionals_act
from infra.local.demo.people import DEMO_ACCOUNTS, STRANGER_DOCTOR
from tests.browser.site import Words, assert_accessible, sign_in
from tests.e2e.stack_process import StackProcess

pytestmark = pytest.mark.browser

CAMILLE, JULIEN = DEMO_ACCOUNTS
LEA = JULIEN.represents[0]
BOTH = pytest.mark.parametrize("language", ["fr", "en"])


@pytest.fixture(scope="module")
def professionals_acted(site: StackProcess) -> None:
    """Camille's doctor files a report and reads her file; a doctor she never named breaks the
    glass (as `make screenshots` has them do)."""
    professionals_act(site.url)


@BOTH
def test_the_home_page_says_what_is_new_and_what_to_do(
    page: Page, language: str, professionals_acted: None
):
    words = Words(language)
    sign_in(page, CAMILLE, words)
    news = page.locator("section[aria-labelledby=news-title]")
    expect(news.get_by_role("heading", level=3, name=words("news.accesses"))).to_be_visible()
    # The break-glass access comes first, and says so in words (not by its colour alone).
    professionals = news.get_by_role("list").first.get_by_role("listitem")
    first = professionals.first
    expect(first).to_contain_text(words("news.emergency"))
    expect(first).to_contain_text(STRANGER_DOCTOR.family_name.upper())
    expect(first).to_contain_text(words("news.reason", reason=EMERGENCY_REASON))
    expect(professionals.filter(has_text="LECLERC")).to_have_count(1)
    expect(news.get_by_text("Compte rendu de consultation de décembre").first).to_be_visible()
    # What to do next: check that access, a link to the history.
    step = page.get_by_role("link", name=words("news.steps.REVIEW_EMERGENCY_ACCESS.action"))
    expect(step).to_have_attribute("href", "#/historique")
    # Not the facts she knows: no birth date, no holder's card.
    expect(page.get_by_text("1985")).to_have_count(0)
    assert_accessible(page, f"{language}: home with news")
    step.click()
    expect(page.get_by_role("heading", level=1, name=words("nav.historique"))).to_be_visible()


@BOTH
def test_a_childs_space_speaks_of_the_child_with_one_switcher(page: Page, language: str):
    words = Words(language)
    sign_in(page, JULIEN, words)
    # One way to switch: the header's, on every page; the home page has no second one.
    expect(page.locator("select[name=space]")).to_have_count(1)
    expect(page.get_by_role("button", name=re.compile(LEA.given_name))).to_have_count(0)
    page.get_by_label(words("shell.shownSpace")).select_option(
        label=f"{LEA.given_name} {LEA.family_name}"
    )
    page.get_by_role("button", name=words("shell.show"), exact=True).click()
    child = LEA.given_name
    expect(
        page.get_by_role("heading", level=1, name=words("child.home.title", child=child))
    ).to_be_visible()
    expect(page.get_by_text(words("child.home.represented", child=child))).to_be_visible()
    expect(page.get_by_role("button", name=re.compile(LEA.given_name))).to_have_count(0)
    expect(page.locator("#news-title")).to_be_visible()
    doctor = words("child.news.steps.CHOOSE_TREATING_DOCTOR.action", child=child)
    expect(page.get_by_role("link", name=doctor)).to_be_visible()
    assert_accessible(page, f"{language}: the child's home")
    menu = page.get_by_role("navigation", name=words("shell.menu"))
    menu.get_by_role("link", name=words("child.nav.documents", child=child)).click()
    expect(
        page.get_by_role("heading", level=1, name=words("child.nav.documents", child=child))
    ).to_be_visible()
    expect(page).to_have_title(words("shell.title", page=words("child.nav.documents", child=child)))
    expect(page.get_by_text(words("child.documents.lead", child=child))).to_be_visible()
    # Back to one's own space: the texts speak to the person again.
    page.get_by_label(words("shell.shownSpace")).select_option(index=0)
    page.get_by_role("button", name=words("shell.show"), exact=True).click()
    expect(menu.get_by_role("link", name=words("nav.documents"))).to_be_visible()
