"""Concurrent requests to different functions of the local stack each get their own answer.

Powertools keeps the current event on a class shared by every resolver of a process: when the
stack ran every function in one process, a partner's search answered about another request's
query, a patient could get another's list. Here patients, a representative, a treating doctor
and a hospital system (signed requests) call the stack at once over HTTP for a few seconds; every
answer must be about its own request: the caller's space, the documents of the file asked for,
and the per-request marker each request carries (the page size it asked for, which the answer's
length, and the partner's self link, echo).
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from urllib.parse import quote, urlencode

import httpx
import pytest

from healthspace import wiring
from healthspace.partners.fhir import INS_SYSTEM
from infra.local.demo.people import DEMO_ACCOUNTS, TREATING_DOCTOR
from infra.local.partner_signer import REQUIRED, Partner
from infra.local.stack import LocalStack

SECONDS = 4.0
PATIENT, PARENT = DEMO_ACCOUNTS  # Camille Martin; Julien Bernard, who represents his daughter
Check = Callable[[httpx.Client, int], str | None]  # (client, marker) -> what is wrong, or None


@pytest.fixture(scope="module")
def stack() -> Iterator[LocalStack]:
    with LocalStack(port=0) as running:
        yield running


def _login(stack: LocalStack, username: str, password: str, pool: str | None = None) -> str:
    body = {"username": username, "password": password, **({"pool": pool} if pool else {})}
    answer = httpx.post(f"{stack.api_url}/local/login", json=body, trust_env=False, timeout=30)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id_token"])


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _ids(answer: httpx.Response) -> list[str]:
    return [item["document_id"] for item in answer.json()["items"]]


def _own_list(path: str, headers: dict[str, str], expected: list[str]) -> Check:
    """GET path?limit=marker: exactly the first `marker` of the file's documents."""

    def check(client: httpx.Client, marker: int) -> str | None:
        answer = client.get(path, params={"limit": marker}, headers=headers)
        if answer.status_code != 200:
            return f"{path}: {answer.status_code} {answer.text[:200]}"
        got = _ids(answer)
        if got != expected[:marker]:
            return f"{path}?limit={marker}: {got}, expected {expected[:marker]}"
        return None

    return check


def _me(headers: dict[str, str], given_name: str, represented: list[str]) -> Check:
    def check(client: httpx.Client, _: int) -> str | None:
        answer = client.get("/me", headers=headers)
        if answer.status_code != 200:
            return f"/me: {answer.status_code} {answer.text[:200]}"
        me = answer.json()
        seen = (
            me["space"]["holder"]["given_name"],
            [s["holder"]["given_name"] for s in me["represented"]],
        )
        if seen != (given_name, represented):
            return f"/me of {given_name}: {seen}"
        return None

    return check


def _hospital(stack: LocalStack) -> Partner:
    """A hospital system whose key an operator registered (on the stack's table)."""
    from healthspace.adapters.dynamodb.partners import DynamoPartnerKeys
    from healthspace.partners.keys import register_key
    from healthspace.wiring.records import medical_file

    wiring.forget()  # the stack's table, from this process's environment
    files = medical_file()
    partner = Partner(key_id=f"isolation-{uuid.uuid4().hex[:8]}")
    register_key(
        DynamoPartnerKeys(files.store),  # type: ignore[arg-type]
        files.clock,
        operator="op-isolation",
        partner_id="chu-isolation",
        key_id=partner.key_id,
        public_key=partner.public_key_pem,
    )
    wiring.forget()
    return partner


def _partner_search(stack: LocalStack, partner: Partner, ins: str, expected: list[str]) -> Check:
    """A signed FHIR search for the treating doctor (POST, form-encoded), `_count=marker`: the
    patient's first `marker` documents, and a self link naming this very URL."""
    base = stack.shared_env["PARTNER_BASE_URL"]
    doctor = (
        f'"{TREATING_DOCTOR.rpps}";profession="10";'
        f'name="{TREATING_DOCTOR.given_name} {TREATING_DOCTOR.family_name}"'
    )

    def check(client: httpx.Client, marker: int) -> str | None:
        form = {"patient": f"{INS_SYSTEM}|{ins}", "_count": str(marker)}
        body = urlencode(sorted(form.items()), quote_via=quote, safe="").encode()
        target = "/fhir/DocumentReference/_search"
        headers = partner.sign(
            "POST",
            f"{base}{target}",
            body,
            created=datetime.now(UTC),
            nonce=uuid.uuid4().hex,
            components=(*REQUIRED, "healthspace-professional"),
            headers={"Healthspace-Professional": doctor},
        )
        headers["Content-Type"] = "application/x-www-form-urlencoded"
        answer = client.post(target, content=body, headers=headers)
        if answer.status_code != 200:
            return f"partner search: {answer.status_code} {answer.text[:200]}"
        bundle = answer.json()
        got = [entry["resource"]["id"] for entry in bundle.get("entry", [])]
        subjects = {
            e["resource"]["subject"]["identifier"]["value"] for e in bundle.get("entry", [])
        }
        [self_url] = [link["url"] for link in bundle["link"] if link["relation"] == "self"]
        if got != expected[:marker] or subjects - {ins} or self_url != f"{base}{target}":
            return f"partner search _count={marker}: {got} about {subjects}, self {self_url}"
        return None

    return check


def _run(
    url: str, name: str, check: Check, until: float, markers: Iterator[int]
) -> tuple[int, list[str]]:
    done, wrong = 0, []
    with httpx.Client(base_url=url, timeout=30, trust_env=False) as client:
        while time.monotonic() < until:
            problem = check(client, next(markers))
            done += 1
            if problem:
                wrong.append(f"{name}: {problem}")
    return done, wrong


def test_concurrent_requests_to_different_functions_each_get_their_own_answer(
    stack: LocalStack,
) -> None:
    # Given each caller's own view, read one request at a time
    patient = _bearer(_login(stack, PATIENT.username, PATIENT.password))
    parent = _bearer(_login(stack, PARENT.username, PARENT.password))
    doctor = _bearer(
        _login(stack, TREATING_DOCTOR.username, TREATING_DOCTOR.password, "professionals")
    )
    hospital = _hospital(stack)
    with httpx.Client(base_url=stack.api_url, timeout=30, trust_env=False) as client:
        camille = _ids(client.get("/me/documents", headers=patient))
        julien = _ids(client.get("/me/documents", headers=parent))
        # The doctor names Camille by INS once, in a body: his reference to her file.
        ins = {"ins": PATIENT.person.ins}
        referred = client.post("/pro/patient-references", json=ins, headers=doctor)
        assert referred.status_code == 201, referred.text
    assert len(camille) == len(julien) == 3 and not set(camille) & set(julien)
    pro_path = f"/pro/patients/{referred.json()['reference']}/documents"
    checks: dict[str, Check] = {
        "patient list": _own_list("/me/documents", patient, camille),
        "patient space": _me(patient, PATIENT.person.given_name, []),
        "representative list": _own_list("/me/documents", parent, julien),
        "representative space": _me(
            parent, PARENT.person.given_name, [c.given_name for c in PARENT.represents]
        ),
        "treating doctor": _own_list(pro_path, doctor, camille),
        "hospital system": _partner_search(stack, hospital, PATIENT.person.ins, camille),
    }
    for name, check in checks.items():  # each alone is right
        assert (
            check(httpx.Client(base_url=stack.api_url, trust_env=False, timeout=30), 2) is None
        ), name

    # When they all call at once for a few seconds (markers 1, 2, 3 in turn, offset per caller)
    until = time.monotonic() + SECONDS
    results: dict[str, tuple[int, list[str]]] = {}
    threads = [
        threading.Thread(
            target=lambda n=name, c=check, i=i: results.__setitem__(
                n,
                _run(
                    stack.api_url,
                    n,
                    c,
                    until,
                    itertools.cycle([1, 2, 3][i % 3 :] + [1, 2, 3][: i % 3]),
                ),
            )
        )
        for i, (name, check) in enumerate(checks.items())
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=SECONDS + 60)

    # Then every answer was about its own request
    assert results.keys() == checks.keys()
    wrong = [problem for _, problems in results.values() for problem in problems]
    total = sum(done for done, _ in results.values())
    assert not wrong, f"{len(wrong)} of {total} answers were another request's:\n" + "\n".join(
        wrong[:20]
    )
    assert all(done >= 3 for done, _ in results.values()), results
