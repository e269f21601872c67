"""People whose space is open choose their password on the site, without signing in: one at her
first sign-in (in French), then signs in with her INS; one who forgot his (in English) types a
wrong code and two different passwords first. Every state passes axe-core."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import Page, expect

from healthspace.kernel.identifiers import make_ins
from tests.browser.site import FR, Words, assert_accessible
from tests.e2e.stack_process import StackProcess
from tests.e2e.test_enrollment_journey import CODE, Person, cli, code_sent_to, outbox, write_csv

pytestmark = pytest.mark.browser

ROSE = Person(make_ins("2870175111031"), "1987-03-14", "Rose", "Premier", "rose@example.org")
SAM = Person(make_ins("1750769123032"), "1975-09-30", "Sam", "Oubli", "sam@example.org")
PASSWORD = "Rose-mot-de-passe-2027"


@pytest.fixture(scope="module")
def opened(site: StackProcess, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Both notified by the operators' CLI, then both open their space with their code."""
    population = tmp_path_factory.mktemp("accounts") / "assures.csv"
    write_csv(population, [ROSE, SAM])
    imported = cli(site.url, "import", str(population))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        for person in (ROSE, SAM):
            code = code_sent_to(http, person.email)
            body = {"ins": person.ins, "birth_date": person.birth_date, "code": code}
            assert http.post("/enrollment/activation", json=body).status_code == 200


def account_code(site: StackProcess, person: Person) -> str:
    with httpx.Client(base_url=site.url, trust_env=False) as http:
        sent = [m for m in outbox(http, person.email) if "mot de passe" in m["subject"]]
    assert sent, f"no account code to {person.email}"
    return CODE.search(sent[-1]["body"]).group(0)


def fill_identity(page: Page, words: Words, person: Person) -> None:
    page.get_by_label(words("enrollment.ins")).fill(person.ins)
    page.get_by_label(words("enrollment.birthDate")).fill(person.birth_date)


def choose(page: Page, words: Words, code: str, password: str, again: str) -> None:
    page.get_by_label(words("accounts.choose.code")).fill(code)
    page.get_by_label(words("accounts.choose.password"), exact=True).fill(password)
    page.get_by_label(words("accounts.choose.again")).fill(again)
    page.get_by_role("button", name=words("accounts.choose.submit")).click()


def test_a_first_sign_in_sets_the_password_and_signs_in_with_the_ins(
    page: Page, site: StackProcess, opened: None
):
    page.goto("/")
    expect(page.get_by_text(FR("accounts.login.usernameHint"))).to_be_visible()
    assert_accessible(page, "fr: sign-in page with its password links")
    page.get_by_role("link", name=FR("accounts.login.first")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FR("accounts.first.title"))
    page.get_by_role("button", name=FR("accounts.ask.submit")).click()
    expect(page.get_by_text(FR("enrollment.insInvalid"))).to_be_visible()
    assert_accessible(page, "fr: code request with its errors")

    fill_identity(page, FR, ROSE)
    page.get_by_role("button", name=FR("accounts.ask.submit")).click()
    expect(page.get_by_role("status").first).to_have_text(FR("accounts.first.sent"))
    expect(page.get_by_label(FR("enrollment.ins"))).to_have_value(ROSE.ins)  # kept for step 2
    assert_accessible(page, "fr: code sent, password form")

    choose(page, FR, account_code(site, ROSE), PASSWORD, PASSWORD)
    expect(page.get_by_role("heading", level=2, name=FR("accounts.done.title"))).to_be_visible()
    assert_accessible(page, "fr: password saved")

    page.get_by_role("link", name=FR("accounts.done.signIn")).click()
    page.get_by_label(FR("login.username")).fill(ROSE.ins)
    page.get_by_label(FR("login.password")).fill(PASSWORD)
    page.get_by_role("button", name=FR("login.submit")).click()
    hello = FR("home.hello", name=ROSE.given_name)
    expect(page.get_by_role("heading", level=1)).to_have_text(hello)


def test_a_forgotten_password_with_a_wrong_code_then_the_right_one_in_english(
    page: Page, site: StackProcess, opened: None
):
    en = Words("en")
    page.goto("/")
    page.get_by_role("button", name=FR("shell.language")).click()
    page.get_by_role("link", name=en("accounts.login.forgotten")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(en("accounts.forgotten.title"))
    assert_accessible(page, "en: forgotten password")
    fill_identity(page, en, SAM)
    page.get_by_role("button", name=en("accounts.ask.submit")).click()
    expect(page.get_by_role("status").first).to_have_text(en("accounts.forgotten.sent"))

    choose(page, en, "ZZZZ-ZZZZ-ZZZZ", "short", "other")
    expect(page.get_by_text(en("accounts.errors.weakPassword"))).to_be_visible()
    expect(page.get_by_text(en("accounts.errors.different"))).to_be_visible()
    assert_accessible(page, "en: password form with its errors")

    choose(page, en, "ZZZZ-ZZZZ-ZZZZ", "Sam-new-password-2027", "Sam-new-password-2027")
    expect(page.get_by_role("alert").first).to_have_text(en("accounts.errors.codeRefused"))
    assert_accessible(page, "en: code refused")

    choose(page, en, account_code(site, SAM), "Sam-new-password-2027", "Sam-new-password-2027")
    expect(page.get_by_role("heading", level=2, name=en("accounts.done.title"))).to_be_visible()
    assert_accessible(page, "en: password saved")
