"""People whose space is open choose their password on the site, without signing in: one at her
first sign-in (in French), then signs in with her INS; one who forgot his (in English) types a
wrong code and two different passwords first. A deployed site's sign-in with FranceConnect and
its sign-out, Cognito's endpoints answered by the test. Every state passes axe-core."""

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
