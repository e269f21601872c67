"""The local stack over real HTTP: startup, the Cognito authorizer, login, docs, shutdown."""

from __future__ import annotations

import signal
import time
from pathlib import Path

import httpx
import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from moto.utilities.utils import load_resource

from infra.local.demo.people import DEMO_ACCOUNTS
from tests.e2e.stack_process import StackProcess, start_stack

pytestmark = pytest.mark.e2e


def login(http: httpx.Client) -> dict[str, str]:
    account = DEMO_ACCOUNTS[0]
    answer = http.post(
        "/local/login", json={"username": account.username, "password": account.password}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def pool_id(http: httpx.Client) -> str:
    return str(http.get("/local/config.json").json()["userPoolId"])


def test_the_stack_starts_and_says_how_to_use_it(local_stack: StackProcess) -> None:
    output = local_stack.output()
    assert f"API       {local_stack.url}" in output
    for account in DEMO_ACCOUNTS:
        assert account.username in output
    assert "/local/login" in output


def test_no_token_is_refused(http: httpx.Client) -> None:
    answer = http.get("/me")
    assert answer.status_code == 401
    assert answer.json()["code"] == "UNAUTHORIZED"


def test_a_forged_token_is_refused(http: httpx.Client) -> None:
    # Signed by a key of our own, with the right issuer and key id: not the pool's signature.
    forger = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    issuer = f"https://cognito-idp.eu-west-3.amazonaws.com/{pool_id(http)}"
    now = int(time.time())
    claims = {"iss": issuer, "sub": "x", "token_use": "id", "iat": now, "exp": now + 600}
    token = jwt.encode(claims, forger, algorithm="RS256", headers={"kid": "dummy"})

    answer = http.get("/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401
    assert answer.json() == {"code": "UNAUTHORIZED", "message": "invalid token"}


def test_an_expired_token_is_refused(http: httpx.Client) -> None:
    # Signed with the key moto's pools really use, but expired an hour ago.
    private = load_resource("cognitoidp/resources/jwks-private.json")
    key = jwt.PyJWK.from_dict(private).key
    issuer = f"https://cognito-idp.eu-west-3.amazonaws.com/{pool_id(http)}"
    then = int(time.time()) - 7200
    claims = {"iss": issuer, "sub": "x", "token_use": "id", "iat": then, "exp": then + 3600}
    token = jwt.encode(claims, key, algorithm="RS256", headers={"kid": private["kid"]})

    answer = http.get("/me", headers={"Authorization": f"Bearer {token}"})

    assert answer.status_code == 401
    assert answer.json()["message"] == "token expired"


def test_a_wrong_password_is_refused(http: httpx.Client) -> None:
    answer = http.post(
        "/local/login", json={"username": DEMO_ACCOUNTS[0].username, "password": "nope"}
    )
    assert answer.status_code == 401


def test_a_demo_login_gives_a_token_the_gateway_accepts(http: httpx.Client) -> None:
    tokens = login(http)
    claims = jwt.decode(tokens["id_token"], options={"verify_signature": False})
    assert claims["custom:ins"] == DEMO_ACCOUNTS[0].person.ins

    answer = http.get("/me", headers={"Authorization": f"Bearer {tokens['id_token']}"})

    # The records handler answered with the demo person's space (opened by the demo seed).
    assert answer.status_code == 200, answer.text
    space = answer.json()["space"]
    assert space["holder"]["given_name"] == DEMO_ACCOUNTS[0].person.given_name


def test_a_parent_sees_the_child_they_represent(http: httpx.Client) -> None:
    parent = next(a for a in DEMO_ACCOUNTS if a.represents)
    tokens = http.post(
        "/local/login", json={"username": parent.username, "password": parent.password}
    ).json()

    me = http.get("/me", headers={"Authorization": f"Bearer {tokens['id_token']}"}).json()

    names = [s["holder"]["given_name"] for s in me["represented"]]
    assert names == [child.given_name for child in parent.represents]


def test_openapi_and_swagger_are_served(http: httpx.Client) -> None:
    spec = http.get("/openapi.json")
    assert spec.status_code == 200, spec.text
    assert spec.json()["openapi"].startswith("3.")
    assert any(path.startswith("/me") for path in spec.json()["paths"])
    docs = http.get("/docs")
    assert docs.status_code == 200
    assert docs.headers["content-type"].startswith("text/html")


def test_unknown_routes_are_json_404(http: httpx.Client) -> None:
    answer = http.get("/no/such/route")
    assert answer.status_code == 404
    assert answer.json()["code"] == "NOT_FOUND"


def test_sigterm_stops_the_stack_cleanly(tmp_path: Path) -> None:
    stack = start_stack(tmp_path / "stack.log")

    code = stack.stop(signal.SIGTERM)

    assert code == 0, stack.output()
    with pytest.raises(httpx.TransportError):
        httpx.get(f"{stack.url}/local/health", timeout=2, trust_env=False)
