"""The agenda's page (#/agenda, issue 13) in the browser against the local stack: a patient adds,
changes and cancels appointments (an overlap shown, a time the clocks skip refused in plain
words), reads them as a list and as a month, at 320 px too; makes the calendar link for a phone,
copies it, a calendar reads it, then revokes it; declines an appointment her treating doctor
booked, the page naming him. axe-core checks each state in French and in English."""

from __future__ import annotations

import re
from datetime import date, timedelta

import httpx
import pytest
from playwright.sync_api import BrowserContext, Locator, Page, expect

from infra.local.demo.people import DEMO_ACCOUNTS, TREATING_DOCTOR
from tests.browser.site import Words, assert_accessible, sign_in
from tests.e2e.stack_process import StackProcess
from tests.local.test_demo import pro_login, referred

pytestmark = pytest.mark.browser

CAMILLE, JULIEN = DEMO_ACCOUNTS
BOTH = pytest.mark.parametrize("language", ["fr", "en"])
# The month after this one, each language its own day of it (both runs share Julien's agenda).
NEXT_MONTH = (date.today().replace(day=1) + timedelta(days=32)).replace(day=1)
DAY = {"fr": NEXT_MONTH.replace(day=20), "en": NEXT_MONTH.replace(day=21)}


def open_agenda(page: Page, words: Words) -> None:
    page.goto("/#/agenda")
    expect(page.get_by_role("heading", level=1, name=words("nav.agenda"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text=words("agenda.loading"))).to_have_count(0)


def add(page: Page, words: Words, day: date, start: str, end: str, who: str) -> Locator:
    page.get_by_role("button", name=words("agenda.add")).first.click()
    dialog = page.get_by_role("dialog", name=words("agenda.add"))
    fill(dialog, words, day, start, end)
    dialog.get_by_label(words("agenda.fields.professional_name")).fill(who)
    dialog.get_by_role("button", name=words("agenda.addSubmit")).click()
    expect(dialog).to_have_count(0)
    return page.get_by_role("listitem").filter(has_text=who)


def fill(dialog: Locator, words: Words, day: date, start: str, end: str) -> None:
    dialog.get_by_label(words("agenda.fields.date")).fill(day.isoformat())
    dialog.get_by_label(words("agenda.fields.start")).fill(start)
    dialog.get_by_label(words("agenda.fields.end")).fill(end)


def last_sunday_of_march() -> date:
    year = date.today().year + (1 if date.today() > date(date.today().year, 3, 20) else 0)
    day = date(year, 3, 31)
    return day - timedelta(days=(day.weekday() + 1) % 7)


@BOTH
def test_appointments_added_changed_cancelled_as_a_list_and_a_month(page: Page, language: str):
    words = Words(language)
    sign_in(page, JULIEN, words)
    open_agenda(page, words)
    assert_accessible(page, f"{language}: the agenda, its list")

    # The form says what is missing, field by field
    page.get_by_role("button", name=words("agenda.add")).first.click()
    dialog = page.get_by_role("dialog", name=words("agenda.add"))
    dialog.get_by_role("button", name=words("agenda.addSubmit")).click()
    expect(dialog.get_by_text(words("agenda.errors.whom"))).to_be_visible()
    assert_accessible(page, f"{language}: the add dialog, with its errors")
    # A time the clocks skip: refused in plain words
    fill(dialog, words, last_sunday_of_march(), "02:30", "03:30")
    dialog.get_by_label(words("agenda.fields.professional_name")).fill("Dr Nuit")
    dialog.get_by_role("button", name=words("agenda.addSubmit")).click()
    expect(dialog.get_by_role("alert")).to_contain_text(words("errors.byCode.NONEXISTENT_TIME"))
    dialog.get_by_role("button", name=words("common.cancel")).click()

    day = DAY[language]
    first = add(page, words, day, "09:30", "10:00", f"Dr Durand {language}")
    expect(page.locator("#notice")).to_contain_text(words("agenda.added"))
    second = add(page, words, day, "09:45", "10:30", f"Kiné Morel {language}")
    expect(second).to_contain_text(words("agenda.overlaps", count=1))
    assert_accessible(page, f"{language}: the list with an overlap")

    # Changed: no overlap any more
    first.get_by_role("button", name=words("agenda.edit")).click()
    dialog = page.get_by_role("dialog", name=words("agenda.editTitle"))
    dialog.get_by_label(words("agenda.fields.end")).fill("09:40")
    dialog.get_by_role("button", name=words("common.save")).click()
    expect(second).not_to_contain_text(words("agenda.overlaps", count=1))

    # Cancelled: kept, marked so
    second.get_by_role("button", name=words("agenda.cancel")).click()
    confirm = page.get_by_role("dialog", name=words("agenda.cancelTitle"))
    assert_accessible(page, f"{language}: cancelling, its confirmation")
    confirm.get_by_role("button", name=words("agenda.cancel")).click()
    expect(second).to_contain_text(words("agenda.status.CANCELLED"))

    # The month: its grid, a time that leads to its appointment
    page.get_by_role("button", name=words("agenda.modes.month")).click()
    page.get_by_role("button", name=words("agenda.next")).click()
    grid = page.get_by_role("table")
    expect(grid.get_by_role("button", name=f"09:30 Dr Durand {language}")).to_be_visible()
    assert_accessible(page, f"{language}: the month")
    grid.get_by_role("button", name=f"09:30 Dr Durand {language}").click()
    expect(page.locator(":focus")).to_contain_text("09:30")
    page.set_viewport_size({"width": 320, "height": 700})
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{overflow} px wider than a 320 px screen"
    assert_accessible(page, f"{language}: the month at 320 px")


@BOTH
def test_the_calendar_link_is_made_copied_read_and_revoked(
    page: Page, context: BrowserContext, site: StackProcess, language: str
):
    words = Words(language)
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    sign_in(page, JULIEN, words)
    open_agenda(page, words)
    feed = page.get_by_role("region", name=words("agenda.feed.title"))
    feed.get_by_role("button", name=words("agenda.feed.make")).click()
    address = feed.get_by_label(words("agenda.feed.address"))
    expect(address).to_have_value(re.compile("/agenda/feeds/[A-Za-z0-9_-]{43}$"))
    url = address.input_value()
    assert "/agenda/feeds/" in url
    feed.get_by_role("button", name=words("agenda.feed.copy")).click()
    expect(feed.get_by_role("status")).not_to_be_empty()
    assert_accessible(page, f"{language}: the calendar link, made")
    with httpx.Client(trust_env=False, timeout=30) as http:
        answer = http.get(url)
        assert answer.status_code == 200, answer.text
        assert answer.headers["content-type"].startswith("text/calendar")
        summary = "Rendez-vous médical" if language == "fr" else "Medical appointment"
        assert f"SUMMARY:{summary}" in answer.text
        assert "Durand" not in answer.text  # nothing but the default words
        feed.get_by_role("button", name=words("agenda.feed.revoke")).click()
        page.get_by_role("dialog", name=words("agenda.feed.revokeTitle")).get_by_role(
            "button", name=words("agenda.feed.revoke")
        ).click()
        expect(feed.get_by_text(words("agenda.feed.none"))).to_be_visible()
        assert http.get(url).status_code == 404


@BOTH
def test_a_booking_by_the_treating_doctor_is_declined(
    page: Page, site: StackProcess, language: str
):
    words = Words(language)
    day = DAY[language] + timedelta(days=2)
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        doctor = pro_login(http, TREATING_DOCTOR)
        reference = referred(http, CAMILLE.person.ins, doctor).json()["reference"]
        booking = {
            "start_local": f"{day.isoformat()}T14:00:00",
            "end_local": f"{day.isoformat()}T14:20:00",
            "time_zone": "Europe/Paris",
            "facility": f"Cabinet Leclerc {language}",
        }
        answer = http.post(f"/pro/patients/{reference}/appointments", json=booking, headers=doctor)
        assert answer.status_code == 201, answer.text
    sign_in(page, CAMILLE, words)
    open_agenda(page, words)
    card = page.get_by_role("listitem").filter(has_text=f"Cabinet Leclerc {language}")
    expect(card).to_contain_text("Leclerc")
    card.get_by_role("button", name=words("agenda.decline")).click()
    dialog = page.get_by_role("dialog", name=words("agenda.declineTitle"))
    expect(dialog).to_contain_text("Sophie Leclerc")
    assert_accessible(page, f"{language}: declining a professional's booking")
    dialog.get_by_role("button", name=words("agenda.decline")).click()
    expect(card).to_contain_text(words("agenda.status.DECLINED"))
    assert_accessible(page, f"{language}: a declined booking")
