"""The website's password sign-in against a deployed pool: Cognito's SRP-6a (web/srp.js).

Its arithmetic against a reference written here in Python from the published algorithm (the
same steps as Amazon's SDKs: RFC 3526's 3072-bit group, computed here from its definition; k,
u, x, S, the HKDF "Caldera Derived Key", the signature over the pool, the user, the secret block
and the timestamp): the same inputs give the same A and the same signature. Then the whole sign-in
in the browser, in `cognito` mode, Cognito's API answered by the stack's moto (whose SRP checks
no password: the flow, the parameters and the tokens; the arithmetic is the first test's).
A reference written twice by one hand checks the JavaScript's numbers, not the reading of the
protocol: only a real pool proves that (docs/accounts.md)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from typing import Any

import httpx
import pytest
from playwright.sync_api import Page, Route, expect

from infra.local.demo.people import DEMO_ACCOUNTS
from infra.site.build import build
from tests.browser.site import FR, WEB
from tests.e2e.stack_process import StackProcess

pytestmark = pytest.mark.browser


def pi_times_two_to(bits: int) -> int:
    """floor(2^bits * pi), by Machin's formula in integers (64 guard bits)."""
    one = 1 << (bits + 64)

    def arctan_of_inverse(x: int) -> int:
        total = term = one // x
        n, sign = 1, -1
        while term:
            term //= x * x
            n += 2
            total += sign * (term // n)
            sign = -sign
        return total

    return (4 * (4 * arctan_of_inverse(5) - arctan_of_inverse(239))) >> 64


def rfc3526_3072() -> int:
    """p = 2^3072 - 2^3008 - 1 + 2^64 * (floor(2^2942 pi) + 1690314) (RFC 3526, section 4)."""
    return 2**3072 - 2**3008 - 1 + 2**64 * (pi_times_two_to(2942) + 1690314)


N = rfc3526_3072()


def pad_hex(value: int) -> str:
    text = format(value, "x")
    text = "0" + text if len(text) % 2 else text
    return "00" + text if text[0] in "89abcdef" else text


def hash_hex(text: str) -> int:
    return int(hashlib.sha256(bytes.fromhex(text)).hexdigest(), 16)


def reference_signature(args: dict[str, str]) -> tuple[int, str]:
    a = int(args["a"], 16)
    big_a = pow(2, a, N)
    big_b, salt = int(args["srpB"], 16), int(args["salt"], 16)
    pool = args["poolId"].split("_")[1]
    k = hash_hex(pad_hex(N) + pad_hex(2))
    u = hash_hex(pad_hex(big_a) + pad_hex(big_b))
    inner = hashlib.sha256(f"{pool}{args['userIdForSrp']}:{args['password']}".encode()).hexdigest()
    x = hash_hex(pad_hex(salt) + inner)
    s = pow(big_b - k * pow(2, x, N), a + u * x, N)
    prk = hmac.new(bytes.fromhex(pad_hex(u)), bytes.fromhex(pad_hex(s)), hashlib.sha256).digest()
    key = hmac.new(prk, b"Caldera Derived Key\x01", hashlib.sha256).digest()[:16]
    message = (
        pool.encode()
        + args["userIdForSrp"].encode()
        + base64.b64decode(args["secretBlock"])
        + args["timestamp"].encode()
    )
    return big_a, base64.b64encode(hmac.new(key, message, hashlib.sha256).digest()).decode()


COMPUTE = """async ([url, args]) => {
  const srp = await import(url);
  const { a, A } = srp.srpStart(BigInt(`0x${args.a}`));
  const signature = await srp.srpSignature({ ...args, a, A });
  const at = new Date(Date.UTC(2026, 11, 8, 9, 5, 7));
  return { A: A.toString(16), signature, timestamp: srp.cognitoTimestamp(at) };
}"""


@pytest.mark.parametrize(
    "case",
    [
        {"a": "5" * 256, "srpB": "c3" + "1" * 766, "salt": "8f" + "2" * 30},  # top bits set
        {"a": "ab" * 20, "srpB": "0" * 8 + "7" * 100, "salt": "0a1b"},  # leading zeros
    ],
)
def test_the_sites_srp_computes_what_the_reference_computes(page: Page, case: dict[str, str]):
    args = {
        **case,
        "poolId": "eu-west-3_AbCdEf123",
        "userIdForSrp": "179076912310242",
        "password": "Mon-mot-de-passe-2027",
        "secretBlock": base64.b64encode(bytes(range(64))).decode(),
        "timestamp": "Tue Dec 8 09:05:07 UTC 2026",
    }
    page.goto("/")
    answer = page.evaluate(COMPUTE, [f"/{build(WEB).hashed['srp.js']}", args])
    # RFC 3526 prints the group's first and last hex digits: the definition computed them.
    assert format(N, "X").startswith("FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1")
    assert format(N, "X").endswith("A93AD2CAFFFFFFFFFFFFFFFF")
    big_a, signature = reference_signature(args)
    assert int(answer["A"], 16) == big_a
    assert answer["signature"] == signature
    assert answer["timestamp"] == "Tue Dec 8 09:05:07 UTC 2026"  # the day unpadded, as Cognito


def test_a_deployed_site_signs_in_with_a_password_by_srp(page: Page, site: StackProcess):
    """Cognito's API (its public endpoint) answered by the stack's moto, as a pool would."""
    with httpx.Client(base_url=site.url, trust_env=False, timeout=30) as http:
        local = http.get("/local/config.json").json()
        endpoint = http.get("/local/env").json()["AWS_ENDPOINT_URL"]
    config = {
        "auth": "cognito",
        "region": "eu-west-3",
        "userPoolId": local["userPoolId"],
        "userPoolClientId": local["userPoolClientId"],
    }
    asked: list[tuple[str, Any]] = []

    def cognito(route: Route) -> None:
        target = route.request.headers["x-amz-target"]
        sent = json.loads(route.request.post_data or "{}")
        asked.append((target.rsplit(".", 1)[-1], sent))
        claim = sent.get("ChallengeResponses") or {}
        if "PASSWORD_CLAIM_SECRET_BLOCK" in claim:  # back to moto's session id (below)
            block = base64.b64decode(claim["PASSWORD_CLAIM_SECRET_BLOCK"]).decode()
            sent = {**sent, "ChallengeResponses": {**claim, "PASSWORD_CLAIM_SECRET_BLOCK": block}}
        answer = httpx.post(
            endpoint,
            content=json.dumps(sent),
            headers={"Content-Type": "application/x-amz-json-1.1", "X-Amz-Target": target},
            trust_env=False,
        )
        body = answer.json()
        # Two of moto's answers differ from a pool's: its SECRET_BLOCK is its session id (a
        # pool's is base64), and its USER_ID_FOR_SRP the user's sub, which its own
        # RespondToAuthChallenge cannot find (a pool without username attributes, as ours,
        # gives the username). Both made a pool's here.
        challenge = body.get("ChallengeParameters") or {}
        if "SECRET_BLOCK" in challenge:
            block = challenge["SECRET_BLOCK"].encode()
            challenge["SECRET_BLOCK"] = base64.b64encode(block).decode()
            challenge["USER_ID_FOR_SRP"] = challenge["USERNAME"]
        route.fulfill(status=answer.status_code, json=body)

    page.route("**/config.json", lambda route: route.fulfill(json=config))
    page.route("https://cognito-idp.eu-west-3.amazonaws.com/", cognito)
    account = DEMO_ACCOUNTS[0]
    page.goto("/")
    page.get_by_label(FR("login.username")).fill(account.username)
    page.get_by_label(FR("login.password")).fill(account.password)
    page.get_by_role("button", name=FR("login.submit")).click()
    expect(page.get_by_role("button", name=FR("shell.signOut"))).to_be_visible()

    (init, started), (respond, answered) = asked[:2]
    assert (init, started["AuthFlow"]) == ("InitiateAuth", "USER_SRP_AUTH")
    assert "PASSWORD" not in started["AuthParameters"]  # the password never left the page
    assert int(started["AuthParameters"]["SRP_A"], 16) % N != 0
    assert (respond, answered["ChallengeName"]) == ("RespondToAuthChallenge", "PASSWORD_VERIFIER")
    claim = answered["ChallengeResponses"]
    assert set(claim) == {
        "USERNAME",
        "PASSWORD_CLAIM_SECRET_BLOCK",
        "PASSWORD_CLAIM_SIGNATURE",
        "TIMESTAMP",
    }
    assert account.password not in json.dumps(asked)
