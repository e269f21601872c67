"""People without a space yet, on the site without signing in: one opposes with the code of her
message, one opens his space now (in English), one who lost her code asks for a new one; the
pages pass axe-core in both languages, their errors shown."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from healthspace.kernel.identifiers import make_ins
from tests.browser.site import FR, Words, assert_accessible
from tests.e2e.stack_process import StackProcess
from tests.e2e.test_enrollment_journey import Person, cli, code_sent_to, write_csv

pytestmark = pytest.mark.browser

# Reached by email (their codes are read in the stack's outbox), and one by SMS.
NORA = Person(make_ins("2860175111021"), "1986-01-12", "Nora", "Refus", "nora@example.org")
OSCAR = Person(make_ins("1770769123022"), "1977-07-03", "Oscar", "Ouvert", "oscar@example.org")
PAULE = Person(
    make_ins("2910213055023"),
    "1991-02-20",
    "Paule",
    "Perdu",
    mobile="0698765432",
    address=("3 rue des Lilas", "35000", "Rennes"),
)


@pytest.fixture(scope="module")
def codes(site: StackProcess, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """The three are notified by the operators' CLI, as a population file would."""
    population = tmp_path_factory.mktemp("letters") / "assures.csv"
    write_csv(population, [NORA, OSCAR, PAULE])
    imported = cli(site.url, "import", str(population))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with httpx.Client(base_url=site.url, trust_env=False) as http:
        return {p.email: code_sent_to(http, p.email) for p in (NORA, OSCAR)}


def fill_identity(page: Page, words: Words, person: Person) -> None:
    page.get_by_label(words("enrollment.ins")).fill(person.ins)
    page.get_by_label(words("enrollment.birthDate")).fill(person.birth_date)


def test_a_person_opposes_with_her_code_and_gets_her_receipt(page: Page, codes: dict[str, str]):
    page.goto("/")
    page.get_by_role("link", name=FR("login_links.opposition")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FR("enrollment.opposition.title"))
    # The browser tier's stack has an hour's window (tests/browser/conftest.py).
    period = FR("enrollment.minutes", count=60)
    expect(page.get_by_text(FR("enrollment.validity", period=period))).to_be_visible()
    expect(page.get_by_role("link", name="3422")).to_have_attribute("href", "tel:3422")

    fill_identity(page, FR, NORA)
    page.get_by_label(FR("enrollment.code")).fill("ZZZZ-ZZZZ-ZZZZ")  # not hers
    page.get_by_role("button", name=FR("enrollment.opposition.submit")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=FR("enrollment.opposition.submit")).click()
    expect(dialog.get_by_role("alert")).to_have_text(FR("errors.byCode.CODE_REFUSED"))
    assert_accessible(page, "fr: opposition refused")
    dialog.get_by_role("button", name=FR("common.cancel")).click()
    expect(dialog).to_be_hidden()
    # The dialog's close event gives focus back to its opener; typing before that races it.
    expect(page.get_by_role("button", name=FR("enrollment.opposition.submit"))).to_be_focused()

    code = page.get_by_label(FR("enrollment.code"))
    code.fill(codes[NORA.email])
    expect(code).to_have_value(codes[NORA.email])
    page.get_by_role("button", name=FR("enrollment.opposition.submit")).click()
    dialog.get_by_role("button", name=FR("enrollment.opposition.submit")).click()
    expect(page.get_by_role("heading", name=FR("enrollment.decided.OPPOSED"))).to_be_visible()
    expect(page.get_by_text(f"{NORA.given_name} {NORA.family_name}")).to_be_visible()
    receipt = page.get_by_role("link", name=FR("enrollment.download"))
    pdf = httpx.get(receipt.get_attribute("href") or "", trust_env=False)
    assert pdf.content.startswith(b"%PDF")
    assert_accessible(page, "fr: opposition's receipt")


def test_a_person_opens_his_space_now_in_english(page: Page, codes: dict[str, str]):
    en = Words("en")
    page.goto("/")
    page.get_by_role("button", name=FR("shell.language")).click()
    page.get_by_role("link", name=en("login_links.activation")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(en("enrollment.activation.title"))
    page.get_by_role("button", name=en("enrollment.activation.submit")).click()
    expect(page.get_by_text(en("enrollment.insInvalid"))).to_be_visible()
    expect(page.get_by_text(en("enrollment.codeInvalid"))).to_be_visible()
    assert_accessible(page, "en: activation form with its errors")

    fill_identity(page, en, OSCAR)
    page.get_by_label(en("enrollment.code")).fill(codes[OSCAR.email])
    page.get_by_role("button", name=en("enrollment.activation.submit")).click()
    dialog = page.get_by_role("dialog")
    dialog.get_by_role("button", name=en("enrollment.activation.submit")).click()
    expect(page.get_by_role("heading", name=en("enrollment.decided.ACTIVE"))).to_be_visible()
    assert_accessible(page, "en: activation's receipt")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_person_who_lost_her_code_asks_for_a_new_one(page: Page, language: str, codes):
    words = Words(language)
    page.goto("/#/nouveau-code")
    expect(page.get_by_role("heading", level=1)).to_have_text(words("enrollment.newCode.title"))
    page.get_by_role("button", name=words("enrollment.newCode.submit")).click()
    expect(page.get_by_text(words("enrollment.secondFactorInvalid"))).to_be_visible()
    assert_accessible(page, f"{language}: new code form with its errors")
    fill_identity(page, words, PAULE)
    page.get_by_label(words("enrollment.secondFactor")).fill("35000")
    page.get_by_role("button", name=words("enrollment.newCode.submit")).click()
    expect(page.get_by_role("status")).to_have_text(words("enrollment.newCode.done"))
    assert_accessible(page, f"{language}: new code asked")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_the_help_page_without_signing_in(page: Page, language: str):
    words = Words(language)
    page.goto("/")
    page.get_by_role("contentinfo").get_by_role("link", name=words("shell.help")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("help.title"))
    for topic in ("what", "who", "oppose", "close", "data"):
        title = words(f"help.{topic}.title")
        expect(page.get_by_role("heading", level=2, name=title)).to_be_visible()
    assert_accessible(page, f"{language}: help")
