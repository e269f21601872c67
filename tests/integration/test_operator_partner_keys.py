"""Operators trust, list and revoke partner systems' keys through their API (the enrollment
function's /operator routes, `partner-admins` group) and the CLI: each change audited, a
revocation holding from the partner's next request, every answer declared in OpenAPI."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from infra.local.sample_events import api_event, api_result
from tests.integration.test_partner_api import BASE, document_for
from tests.partner_fakes import Partner

ADMIN = {"sub": "admin-1", "cognito:groups": "partner-admins", "token_use": "id"}
HELPLINE = {"sub": "helpline-1", "cognito:groups": "helpline", "token_use": "id"}
KEYS = "/operator/partner-keys"


def operator(deployed, method, path, body=None, claims=ADMIN, query=None):
    event = api_event(method, path, claims, body, query=query, resource="/operator/{proxy+}")
    return api_result(deployed[1].invoke("EnrollmentFunction", event))


def register(deployed, partner_id, key_id, claims=ADMIN, public_key=None):
    body = {
        "partner_id": partner_id,
        "key_id": key_id,
        "public_key": public_key or Partner(key_id=key_id).public_key_pem,
    }
    return operator(deployed, "POST", KEYS, body, claims)


def push(deployed, partner, patient, nonce):
    body = json.dumps(document_for(patient, f"KEYS-{nonce}"))
    headers = partner.sign(
        "POST",
        f"{BASE}/fhir/DocumentReference",
        body.encode(),
        created=datetime.now(UTC),
        nonce=nonce,
    )
    event = api_event("POST", "/fhir/DocumentReference", None, body, headers=headers)
    return api_result(deployed[1].invoke("PartnersFunction", event))[0]


def test_a_key_registered_by_an_operator_signs_until_it_is_revoked(deployed, person):
    from healthspace.adapters.dynamodb.partners import DynamoPartnerKeys
    from healthspace.partners.keys import KeyAction
    from healthspace.wiring.records import medical_file

    patient = person("Inès")
    lab = Partner(key_id="lab-ops-1")
    status, _, key = register(deployed, "lab-ops", lab.key_id, public_key=lab.public_key_pem)
    assert status == 201, key
    assert (key["status"], key["registered_by"], key["partner_id"]) == (
        "ACTIVE",
        "admin-1",
        "lab-ops",
    )
    assert push(deployed, lab, patient, "keys-nonce-before-1") == 201

    status, _, revoked = operator(deployed, "POST", f"{KEYS}/{lab.key_id}/revocation")
    assert (status, revoked["status"], revoked["revoked_by"]) == (200, "REVOKED", "admin-1")
    assert push(deployed, lab, patient, "keys-nonce-after-01") == 401

    # Again: no change, the first revocation's record stays
    status, _, again = operator(deployed, "POST", f"{KEYS}/{lab.key_id}/revocation")
    assert (status, again["revoked_at"]) == (200, revoked["revoked_at"])

    # The audit: who did what, without the key
    events = DynamoPartnerKeys(medical_file().store).key_events(lab.key_id)
    assert [(e.action, e.operator) for e in events] == [
        (KeyAction.REGISTERED, "admin-1"),
        (KeyAction.REVOKED, "admin-1"),
    ]
    assert "public_key" not in events[0].model_dump()


def test_a_partners_keys_are_listed_page_by_page(deployed):
    for n in range(3):
        assert register(deployed, "ght-pages", f"ght-pages-{n}")[0] == 201

    seen, cursor = [], None
    while True:
        query = {"limit": "2", **({"cursor": cursor} if cursor else {})}
        status, _, page = operator(
            deployed, "GET", "/operator/partners/ght-pages/keys", query=query
        )
        assert status == 200, page
        assert len(page["items"]) <= 2
        seen += [key["key_id"] for key in page["items"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == ["ght-pages-0", "ght-pages-1", "ght-pages-2"]


@pytest.mark.parametrize(
    ("call", "status", "code"),
    [
        (lambda d: register(d, "p", "taken-1"), 409, "CONFLICT"),
        (lambda d: register(d, "p", "k-2", public_key="not a key"), 400, "BAD_REQUEST"),
        (lambda d: register(d, "p", "k#3"), 400, "VALIDATION_ERROR"),
        (lambda d: register(d, "p", "k-4", claims=HELPLINE), 403, "FORBIDDEN"),
        (lambda d: operator(d, "POST", f"{KEYS}/k-5/revocation", claims=HELPLINE), 403, None),
        (lambda d: operator(d, "POST", f"{KEYS}/nobody-6/revocation"), 404, "NOT_FOUND"),
        (
            lambda d: operator(d, "GET", "/operator/partners/p/keys", query={"limit": "0"}),
            400,
            None,
        ),
        (
            lambda d: operator(d, "GET", "/operator/partners/p/keys", query={"cursor": "x"}),
            400,
            None,
        ),
    ],
    ids=[
        "taken id",
        "not a key",
        "bad id",
        "helpline",
        "helpline revokes",
        "unknown",
        "limit",
        "cursor",
    ],
)
def test_what_an_operator_may_not_do_is_refused_and_changes_nothing(deployed, call, status, code):
    assert register(deployed, "p", "taken-1")[0] in (201, 409)
    got, _, body = call(deployed)
    assert got == status, body
    if code:
        assert body["code"] == code
    listed = operator(deployed, "GET", "/operator/partners/p/keys")[2]["items"]
    assert [key["key_id"] for key in listed] == ["taken-1"]


def test_an_unauthenticated_call_is_a_401(deployed):
    assert register(deployed, "p", "k-7", claims={})[0] == 401


def test_the_openapi_document_declares_every_status_of_the_key_routes(deployed):
    from functions.enrollment.app import app

    paths = json.loads(app.get_openapi_json_schema())["paths"]
    declared = {
        ("POST", KEYS): {"201", "400", "401", "403", "409"},
        ("GET", "/operator/partners/{partner_id}/keys"): {"200", "400", "401", "403"},
        ("POST", f"{KEYS}/{{key_id}}/revocation"): {"200", "400", "401", "403", "404"},
    }
    for (method, path), statuses in declared.items():
        assert statuses <= set(paths[path][method.lower()]["responses"]), (method, path)


def test_the_cli_registers_lists_and_revokes_with_the_operators_identity(
    deployed, tmp_path, capsys
):
    from infra.cli.__main__ import main

    pem = tmp_path / "lab.pem"
    pem.write_text(Partner(key_id="cli-1").public_key_pem)
    assert (
        main(["partner-keys", "register", "--partner", "lab-cli", "--key-id", "cli-1", str(pem)])
        == 0
    )
    registered = json.loads(capsys.readouterr().out)
    # The operator is the AWS identity the CLI runs under (moto's)
    assert registered["registered_by"].startswith("iam:arn:aws:")

    args = ["partner-keys", "--operator", "op-cli", "register", "--partner", "lab-cli"]
    assert main([*args, "--key-id", "cli-2", str(pem)]) == 0
    assert main([*args, "--key-id", "cli-2", str(pem)]) == 1  # taken: a message, not a traceback
    assert "CONFLICT" in capsys.readouterr().err

    assert main(["partner-keys", "list", "--partner", "lab-cli", "--limit", "1"]) == 0
    shown = capsys.readouterr()
    assert [json.loads(line)["key_id"] for line in shown.out.splitlines()] == ["cli-1"]
    cursor = shown.err.split("--cursor ")[1].strip()
    assert main(["partner-keys", "list", "--partner", "lab-cli", "--cursor", cursor]) == 0
    assert [json.loads(line)["key_id"] for line in capsys.readouterr().out.splitlines()] == [
        "cli-2"
    ]

    assert main(["partner-keys", "--operator", "op-cli", "revoke", "cli-2"]) == 0
    revoked = json.loads(capsys.readouterr().out)
    assert (revoked["status"], revoked["revoked_by"]) == ("REVOKED", "op-cli")
    assert main(["partner-keys", "revoke", "nobody"]) == 1
