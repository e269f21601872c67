"""People whose space is open choose their password on the site, without signing in, in French
and in English: at their first sign-in, then they sign in with their INS; after forgetting it,
typing a wrong code and two different passwords first. A deployed site's sign-in with
FranceConnect and its sign-out, Cognito's endpoints answered by the test. Every state passes
axe-core in both languages; both pages give the helpline's number."""

from __future__ import annotations

import base64
import hashlib
import json
from urllib.parse import parse_qs, urlparse

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from healthspace.kernel.identifiers import make_ins
from infra.local.demo.people import DEMO_ACCOUNTS
from tests.browser.site import FR, Words, assert_accessible
from tests.e2e.stack_process import StackProcess
from tests.e2e.test_enrollment_journey import CODE, Person, cli, code_sent_to, outbox, write_csv

pytestmark = pytest.mark.browser

# At their first sign-in, by language; and who forgot their password.
FIRST = {
    "fr": Person(make_ins("2870175111031"), "1987-03-14", "Rose", "Premier", "rose@example.org"),
    "en": Person(make_ins("2940175111033"), "1994-01-08", "Rita", "First", "rita@example.org"),
}
FORGOT = {
    "fr": Person(make_ins("2960375111034"), "1996-03-22", "Sophie", "Oubli", "sophie@example.org"),
    "en": Person(make_ins("1750769123032"), "1975-09-30", "Sam", "Forgot", "sam@example.org"),
}
PASSWORD = "Rose-mot-de-passe-2027"
NEW_PASSWORD = "Sam-new-password-2027"


@pytest.fixture(scope="module")
def opened(site: StackProcess, tmp_path_factory: pytest.TempPathFactory) -> None:
    """All notified by the operators' CLI, then all open their space with their code."""
    people = [*FIRST.values(), *FORGOT.values()]
    population = tmp_path_factory.mktemp("accounts") / "assures.csv"
    write_csv(population, people)
    imported = cli(site.url, "import", str(population))
    assert imported.returncode == 0, imported.stdout + imported.stderr
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        for person in people:
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


def expect_helpline(page: Page) -> None:
    expect(page.get_by_role("link", name="3422")).to_have_attribute("href", "tel:3422")


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_first_sign_in_sets_the_password_and_signs_in_with_the_ins(
    page: Page, site: StackProcess, opened: None, language: str
):
    words, person = Words(language), FIRST[language]
    page.goto("/")
    expect(page.get_by_text(words("accounts.login.usernameHint"))).to_be_visible()
    assert_accessible(page, f"{language}: sign-in page with its password links")
    page.get_by_role("link", name=words("accounts.login.first")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("accounts.first.title"))
    expect_helpline(page)
    assert_accessible(page, f"{language}: first sign-in")
    page.get_by_role("button", name=words("accounts.ask.submit")).click()
    expect(page.get_by_text(words("enrollment.insInvalid"))).to_be_visible()
    assert_accessible(page, f"{language}: code request with its errors")

    fill_identity(page, words, person)
    page.get_by_role("button", name=words("accounts.ask.submit")).click()
    expect(page.get_by_role("status").first).to_have_text(words("accounts.first.sent"))
    expect(page.get_by_label(words("enrollment.ins"))).to_have_value(person.ins)  # for step 2
    assert_accessible(page, f"{language}: code sent, password form")

    choose(page, words, account_code(site, person), PASSWORD, PASSWORD)
    expect(page.get_by_role("heading", level=2, name=words("accounts.done.title"))).to_be_visible()
    assert_accessible(page, f"{language}: password saved")

    page.get_by_role("link", name=words("accounts.done.signIn")).click()
    page.get_by_label(words("login.username")).fill(person.ins)
    page.get_by_label(words("login.password")).fill(PASSWORD)
    page.get_by_role("button", name=words("login.submit")).click()
    hello = words("home.hello", name=person.given_name)
    expect(page.get_by_role("heading", level=1)).to_have_text(hello)


@pytest.mark.parametrize("language", ["fr", "en"])
def test_a_forgotten_password_with_a_wrong_code_then_the_right_one(
    page: Page, site: StackProcess, opened: None, language: str
):
    words, person = Words(language), FORGOT[language]
    page.goto("/")
    page.get_by_role("link", name=words("accounts.login.forgotten")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(words("accounts.forgotten.title"))
    expect_helpline(page)
    assert_accessible(page, f"{language}: forgotten password")
    page.get_by_role("button", name=words("accounts.ask.submit")).click()
    expect(page.get_by_text(words("enrollment.insInvalid"))).to_be_visible()
    assert_accessible(page, f"{language}: forgotten password's code request with its errors")
    fill_identity(page, words, person)
    page.get_by_role("button", name=words("accounts.ask.submit")).click()
    expect(page.get_by_role("status").first).to_have_text(words("accounts.forgotten.sent"))
    assert_accessible(page, f"{language}: forgotten password's code sent")

    choose(page, words, "ZZZZ-ZZZZ-ZZZZ", "short", "other")
    expect(page.get_by_text(words("accounts.errors.weakPassword"))).to_be_visible()
    expect(page.get_by_text(words("accounts.errors.different"))).to_be_visible()
    assert_accessible(page, f"{language}: password form with its errors")

    choose(page, words, "ZZZZ-ZZZZ-ZZZZ", NEW_PASSWORD, NEW_PASSWORD)
    expect(page.get_by_role("alert").first).to_have_text(words("accounts.errors.codeRefused"))
    assert_accessible(page, f"{language}: code refused")

    choose(page, words, account_code(site, person), NEW_PASSWORD, NEW_PASSWORD)
    expect(page.get_by_role("heading", level=2, name=words("accounts.done.title"))).to_be_visible()
    assert_accessible(page, f"{language}: password saved")


HOSTED = "auth.patients.example"
REGION_API = "https://cognito-idp.eu-west-3.amazonaws.com/"


def test_a_deployed_site_signs_in_with_franceconnect_and_signing_out_revokes(
    page: Page, site: StackProcess
):
    """A deployed site's configuration (config.json, cognito mode) played in the browser: the
    hosted pages and Cognito's API are answered here, with real tokens of the stack's pool (a
    demo patient's), so that the API accepts them. The site sends FranceConnect's code flow with
    PKCE, exchanges the code, and at sign-out revokes the refresh token through Cognito's API."""
    account = DEMO_ACCOUNTS[0]
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        login = {"username": account.username, "password": account.password}
        tokens = http.post("/local/login", json=login).json()
    config = {
        "auth": "cognito",
        "region": "eu-west-3",
        "userPoolClientId": "web-client",
        "hostedDomain": HOSTED,
        "redirectUri": f"{site.url}/",
    }
    seen: dict[str, object] = {}

    def authorize(route: Route) -> None:
        query = parse_qs(urlparse(route.request.url).query)
        seen["authorize"] = query
        back = f"{site.url}/?code=the-code&state={query['state'][0]}"
        route.fulfill(status=302, headers={"Location": back})

    def token(route: Route) -> None:
        seen["token"] = parse_qs(route.request.post_data or "")
        route.fulfill(json={**tokens, "expires_in": 3600, "token_type": "Bearer"})

    def cognito_api(route: Route) -> None:
        seen[route.request.headers["x-amz-target"]] = json.loads(route.request.post_data or "{}")
        route.fulfill(status=200, json={})

    page.route("**/config.json", lambda route: route.fulfill(json=config))
    page.route(f"https://{HOSTED}/oauth2/authorize**", authorize)
    page.route(f"https://{HOSTED}/oauth2/token", token)
    page.route(REGION_API, cognito_api)

    page.goto("/")
    expect(page.get_by_label(FR("login.password"))).to_be_visible()  # by SRP (srp.js)
    assert_accessible(page, "fr: sign-in page of a deployed site")
    page.get_by_role("button", name=FR("accounts.franceConnect.button")).click()
    expect(page.get_by_role("button", name=FR("shell.signOut"))).to_be_visible()

    asked = seen["authorize"]
    assert isinstance(asked, dict)
    assert asked["identity_provider"] == ["FranceConnect"]
    assert asked["code_challenge_method"] == ["S256"]
    sent = seen["token"]
    assert isinstance(sent, dict) and sent["code"] == ["the-code"]
    verifier = sent["code_verifier"][0].encode()
    challenge = base64.urlsafe_b64encode(hashlib.sha256(verifier).digest()).rstrip(b"=")
    assert asked["code_challenge"] == [challenge.decode()]
    assert "code" not in page.url  # the code left the address bar

    page.get_by_role("button", name=FR("shell.signOut")).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(FR("login.title"))
    revoked = seen.get("AWSCognitoIdentityProviderService.RevokeToken")
    assert revoked == {"Token": tokens["refresh_token"], "ClientId": "web-client"}
