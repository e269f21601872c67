"""People without a space yet, on the site without signing in, in French and in English: some
oppose with the code of their message, some open their space now, two who lost their code ask
for a new one, get the request's receipt, receive the new code (in the stack's outbox) and use
it. Every state of these pages passes axe-core in both languages, its errors shown; every page
without sign-in gives the helpline's number as a tel: link."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import Page, expect

from healthspace.kernel.identifiers import make_ins
from tests.browser.site import Words, assert_accessible
from tests.e2e.stack_process import StackProcess
from tests.e2e.test_enrollment_journey import CODE, Person, cli, code_sent_to, outbox, write_csv
from tests.unit.test_helpline import pdf_text

pytestmark = pytest.mark.browser

HELPLINE = "3422"  # the local stack's (infra/local), as the site shows it
# Reached by email (their codes are read in the stack's outbox): one per decision and language.
DECIDING = {
    ("opposition", "fr"): Person(
        make_ins("2860175111021"), "1986-01-12", "Nora", "Refus", "nora@example.org"
    ),
    ("opposition", "en"): Person(
        make_ins("2920475111025"), "1992-04-05", "Noemie", "Never", "noemie@example.org"
    ),
    ("activation", "fr"): Person(
        make_ins("1830975111026"), "1983-09-14", "Otto", "Ouvert", "otto@example.org"
    ),
    ("activation", "en"): Person(
        make_ins("1770769123022"), "1977-07-03", "Oscar", "Open", "oscar@example.org"
    ),
}
# Who lost their code: one reached by SMS (the postcode as second factor), one by letter only.
LOSING = {
    "fr": Person(
        make_ins("2910213055023"),
        "1991-02-20",
        "Paule",
        "Perdu",
        mobile="0698765432",
        address=("3 rue des Lilas", "35000", "Rennes"),
    ),
    "en": Person(
        make_ins("1660575111027"),
        "1966-05-20",
        "Quentin",
        "Lettre",
        address=("8 place du Marche", "29200", "Brest"),
    ),
}
# What each does with the new code.
USES_NEW_CODE = {"fr": "opposition", "en": "activation"}
RECEIPT_TITLE = {
    "opposition": "Justificatif d'opposition",
    "activation": "Justificatif d'activation",
}


@pytest.fixture(scope="module")
def codes(site: StackProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Everyone is notified by the operators' CLI, as a population file would."""
    population = tmp_path_factory.mktemp("letters") / "assures.csv"
    write_csv(population, [*DECIDING.values(), *LOSING.values()])
    imported = cli(site.url, "import", str(population))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with httpx.Client(base_url=site.url, trust_env=False) as http:
        return {p.email: code_sent_to(http, p.email) for p in DECIDING.values()}


def fill_identity(page: Page, words: Words, person: Person) -> None:
    page.get_by_label(words("enrollment.ins")).fill(person.ins)
    page.get_by_label(words("enrollment.birthDate")).fill(person.birth_date)


def expect_helpline(page: Page) -> None:
    expect(page.get_by_role("link", name=HELPLINE)).to_have_attribute("href", f"tel:{HELPLINE}")


def deadline_of(site: StackProcess, person: Person, code: str) -> datetime:
    """The deadline the API tells the holder of the code, on Paris's clocks."""
    body = {"ins": person.ins, "birth_date": person.birth_date, "code": code}
    with httpx.Client(base_url=site.url, trust_env=False) as http:
        answer = http.post("/enrollment/code-checks", json=body)
    assert answer.status_code == 200, answer.text
    return datetime.fromisoformat(answer.json()["deadline"]).astimezone(ZoneInfo("Europe/Paris"))


def decide(page: Page, site: StackProcess, words: Words, kind: str, person: Person, code: str):
    """On the decision's page with the person's details typed: the code, the confirmation (the
    deadline in it), the receipt; its PDF downloaded and read."""
    field = page.get_by_label(words("enrollment.code"))
    field.fill(code)
    expect(field).to_have_value(code)
    page.get_by_role("button", name=words(f"enrollment.{kind}.submit")).click()
    dialog = page.get_by_role("dialog", name=words(f"enrollment.{kind}.confirmTitle"))
    # The date the letter gave, told to whoever holds the right code (here, with its time: the
    # browser tier's stack has an hour's window, tests/browser/conftest.py).
    before, _ = words(f"decisionDeadline.{kind}", date="{date}").split("{date}")
    deadline = deadline_of(site, person, code)
    told = dialog.get_by_text(before)
    expect(told).to_contain_text(f"{deadline:%H:%M}")
    expect(told).to_contain_text(str(deadline.year))
    assert_accessible(page, f"{words.language}: {kind}'s confirmation with its deadline")
    dialog.get_by_role("button", name=words(f"enrollment.{kind}.submit")).click()
    decided = "OPPOSED" if kind == "opposition" else "ACTIVE"
    expect(page.get_by_role("heading", name=words(f"enrollment.decided.{decided}"))).to_be_visible()
    expect(page.get_by_text(f"{person.given_name} {person.family_name}")).to_be_visible()
    assert_accessible(page, f"{words.language}: {kind}'s receipt")
    receipt = page.get_by_role("link", name=words("enrollment.download"))
    pdf = httpx.get(receipt.get_attribute("href") or "", trust_env=False).content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    assert RECEIPT_TITLE[kind] in text
    assert f"{person.given_name} {person.family_name}" in text


@pytest.mark.parametrize(("kind", "language"), sorted(DECIDING))
def test_a_person_decides_with_her_code_and_gets_her_receipt(
    page: Page, site: StackProcess, codes: dict[str, str], kind: str, language: str
):
    words, person = Words(language), DECIDING[(kind, language)]
    page.goto("/")
    page.get_by_role("link", name=words(f"login_links.{kind}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words(f"enrollment.{kind}.title"))
    period = words("enrollment.minutes", count=60)
    expect(page.get_by_text(words("enrollment.validity", period=period))).to_be_visible()
    expect_helpline(page)
    assert_accessible(page, f"{language}: {kind} form")

    page.get_by_role("button", name=words(f"enrollment.{kind}.submit")).click()
    expect(page.get_by_text(words("enrollment.insInvalid"))).to_be_visible()
    expect(page.get_by_text(words("enrollment.codeInvalid"))).to_be_visible()
    assert_accessible(page, f"{language}: {kind} form with its errors")

    fill_identity(page, words, person)
    page.get_by_label(words("enrollment.code")).fill("ZZZZ-ZZZZ-ZZZZ")  # not theirs
    page.get_by_role("button", name=words(f"enrollment.{kind}.submit")).click()
    form = page.get_by_role("form", name=words("enrollment.yourDetails"))
    expect(form.get_by_role("alert")).to_have_text(words("errors.byCode.CODE_REFUSED"))
    expect(page.get_by_role("dialog")).to_have_count(0)  # refused before any confirmation
    assert_accessible(page, f"{language}: {kind} refused")

    decide(page, site, words, kind, person, codes[person.email])


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_person_who_lost_her_code_gets_a_receipt_and_a_new_code_that_works(
    page: Page, site: StackProcess, language: str, codes: dict[str, str]
):
    words, person = Words(language), LOSING[language]
    recipient = f"+33{person.mobile[1:]}" if person.mobile else None

    def sent() -> list[str]:
        """The codes sent to them so far: by SMS to their mobile, or in letters naming them."""
        with httpx.Client(base_url=site.url, trust_env=False) as http:
            messages = outbox(http, recipient) if recipient else outbox(http)
        return [
            CODE.search(m["body"]).group(0)
            for m in messages
            if recipient or (m["channel"] == "post" and person.given_name in m["to"])
        ]

    first = sent()
    assert len(first) == 1, first  # the import's

    page.goto("/")
    page.get_by_role("link", name=words("login_links.newCode")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("enrollment.newCode.title"))
    period = words("enrollment.minutes", count=60)
    expect(page.get_by_text(words("lostCode.validity", period=period))).to_be_visible()
    expect_helpline(page)
    page.get_by_role("button", name=words("enrollment.newCode.submit")).click()
    expect(page.get_by_text(words("enrollment.secondFactorInvalid"))).to_be_visible()
    assert_accessible(page, f"{language}: new code form with its errors")

    fill_identity(page, words, person)
    page.get_by_label(words("enrollment.secondFactor")).fill(person.address[1])  # the postcode
    page.get_by_role("button", name=words("enrollment.newCode.submit")).click()
    heading = page.get_by_role("heading", level=2, name=words("lostCode.receivedTitle"))
    expect(heading).to_be_focused()
    card = page.get_by_role("region", name=words("lostCode.receivedTitle"))
    expect(card.get_by_role("status")).to_have_text(words("enrollment.newCode.done"))
    expect(card.get_by_text(words("lostCode.validity", period=period))).to_be_visible()
    assert_accessible(page, f"{language}: new code asked, the request's receipt")

    receipt = card.get_by_role("link", name=words("lostCode.download"))
    pdf = httpx.get(receipt.get_attribute("href") or "", trust_env=False).content
    assert pdf.startswith(b"%PDF")
    text = pdf_text(pdf)
    reference = card.locator("div").filter(has_text=words("lostCode.reference")).locator("dd")
    assert reference.inner_text() in text
    said = {"fr": ("Demande reçue le", "nouveau code"), "en": ("Request received on", "new code")}
    assert all(phrase in text for phrase in said[language]), text
    assert HELPLINE in text
    assert person.family_name not in text  # nothing of whom the details named

    # The new code went out (by SMS, or by letter), replaces the first, and works.
    codes_now = sent()
    assert len(codes_now) == 2 and codes_now[-1] != first[0], codes_now
    kind = USES_NEW_CODE[language]
    card.get_by_role("link", name=words(f"login_links.{kind}")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words(f"enrollment.{kind}.title"))
    fill_identity(page, words, person)
    decide(page, site, words, kind, person, codes_now[-1])


PUBLIC_PAGES = {
    "opposition": "enrollment.opposition.title",
    "activation": "enrollment.activation.title",
    "nouveau-code": "enrollment.newCode.title",
    "aide": "help.title",
    "premiere-connexion": "accounts.first.title",
    "mot-de-passe-oublie": "accounts.forgotten.title",
}


@pytest.mark.parametrize("language", ["fr", "en"])
def test_every_page_without_sign_in_gives_the_helplines_number(page: Page, language: str):
    words = Words(language)
    for route, title in PUBLIC_PAGES.items():
        page.goto(f"/#/{route}")
        expect(page.get_by_role("heading", level=1)).to_have_text(words(title))
        expect_helpline(page)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_help_page_without_signing_in(page: Page, language: str):
    words = Words(language)
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name=words("shell.help")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("help.title"))
    for topic in ("what", "who", "oppose", "close", "data"):
        title = words(f"help.{topic}.title")
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    expect_helpline(page)
    assert_accessible(page, f"{language}: help")
