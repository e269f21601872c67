"""Each API answers as its OpenAPI document says: schemathesis over every operation of every
document, against the local stack over HTTP, with valid tokens.

Every schemathesis check runs (server errors, status codes and headers and bodies conforming to
the document, negative data rejected, authentication not ignored...). The seed is fixed and the
examples bounded per operation, so that CI runs the same requests every time; a failure prints
the request that reproduces it (curl).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig

from infra.local.demo.people import DEMO_ACCOUNTS, DEMO_OPERATOR, TREATING_DOCTOR
from infra.local.partner_signer import REQUIRED, Partner
from tests.e2e.stack_process import StackProcess
from tests.lambda_env import import_function

pytestmark = pytest.mark.e2e

EXAMPLES_PER_OPERATION = 12
BOUNDED = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


def document(module: str) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(import_function(module).app.get_openapi_json_schema())
    return loaded


def login(stack: StackProcess, username: str, password: str, pool: str | None = None) -> str:
    body = {"username": username, "password": password, **({"pool": pool} if pool else {})}
    answer = httpx.post(f"{stack.url}/local/login", json=body, timeout=30, trust_env=False)
    assert answer.status_code == 200, answer.text
    return str(answer.json()["id_token"])


@pytest.fixture(scope="session")
def tokens(local_stack: StackProcess) -> dict[str, str]:
    patient, closing = DEMO_ACCOUNTS[0], DEMO_ACCOUNTS[1]
    return {
        "patient": login(local_stack, patient.username, patient.password),
        # A fresh sign-in closes a space for good: the closure's cases close another demo
        # patient's than the one the session's other tests read.
        "closing_patient": login(local_stack, closing.username, closing.password),
        "professional": login(
            local_stack, TREATING_DOCTOR.username, TREATING_DOCTOR.password, "professionals"
        ),
        "operator": login(local_stack, DEMO_OPERATOR.username, DEMO_OPERATOR.password, "operators"),
    }


def audience(path: str) -> str | None:
    """Whose token a route takes (template.yaml's authorizers): None for the public routes."""
    if path.startswith("/pro/"):
        return "professional"
    if path.startswith("/operator/"):
        return "operator"
    if path.startswith("/enrollment/") and path != "/enrollment/space-requests":
        return None
    if path.startswith("/agenda/feeds/"):  # the calendar feed: its token is the key
        return None
    if path in ("/me/closure", "/me/deletion"):  # they end the space: not the reader's
        return "closing_patient"
    return "patient"


# Every check, as configured by default but two.
# - A schema-valid request may still be refused by what JSON Schema cannot say: an INS or RPPS
#   failing its check digits, a cursor that is not ours, a random id naming nothing, a care
#   rule, a stale version, a file type we do not take. Those refusals must be among these
#   statuses (all documented); any other, a 401 with a valid token, say, fails.
# - A request without its required If-Match is a 428 (RFC 6585's "Precondition Required"),
#   or a 404 when the space it names does not exist (checked first).
CONFIG = SchemathesisConfig.from_dict(
    {
        "checks": {
            "positive_data_acceptance": {
                "expected-statuses": ["2xx", "400", "403", "404", "409", "412", "415", "428"]
            },
            "missing_required_header": {
                "expected-statuses": ["400", "401", "403", "404", "406", "415", "422", "428"]
            },
        }
    }
)


def api(module: str) -> Any:
    """Loaded at collection: the documents are the functions' own, generated from their routes."""
    return schemathesis.openapi.from_dict(document(module), config=CONFIG)


RECORDS = api("functions.records.app")
PARTNERS = api("functions.partners.app")
PROFESSIONALS = api("functions.professionals.app")
ENROLLMENT = api("functions.enrollment.app")
AGENDA = api("functions.agenda.app")
AGENDA_FEED = api("functions.agenda_feed.app")


def call_and_check(case: Any, stack: StackProcess, tokens: dict[str, str]) -> None:
    who = audience(case.path)
    headers = {"Authorization": f"Bearer {tokens[who]}"} if who else {}
    case.call_and_validate(base_url=stack.url, headers=headers)


@RECORDS.parametrize()
@BOUNDED
def test_the_patients_api_answers_as_documented(case, local_stack, tokens):
    call_and_check(case, local_stack, tokens)


@PROFESSIONALS.parametrize()
@BOUNDED
def test_the_professionals_api_answers_as_documented(case, local_stack, tokens):
    call_and_check(case, local_stack, tokens)


@ENROLLMENT.parametrize()
@BOUNDED
def test_the_enrollment_api_answers_as_documented(case, local_stack, tokens):
    call_and_check(case, local_stack, tokens)


@AGENDA.parametrize()
@BOUNDED
def test_the_agenda_api_answers_as_documented(case, local_stack, tokens):
    call_and_check(case, local_stack, tokens)


@AGENDA_FEED.parametrize()
@BOUNDED
def test_the_calendar_feed_answers_as_documented(case, local_stack, tokens):
    call_and_check(case, local_stack, tokens)


@pytest.fixture(scope="session")
def hospital(local_stack: StackProcess) -> Partner:
    """A hospital system whose key an operator registered with the operators' CLI."""
    partner = Partner(key_id=f"contract-{uuid.uuid4().hex[:8]}")
    command = [sys.executable, "-m", "infra.cli", "--local", local_stack.url]
    command += ["partner-keys", "--operator", "contract-test", "register"]
    command += ["--partner", "contract-hospital", "--key-id", partner.key_id, "-"]
    done = subprocess.run(  # noqa: S603 (our interpreter, our module)
        command, input=partner.public_key_pem.encode(), capture_output=True, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr.decode()
    return partner


def signed(case: Any, stack: StackProcess, partner: Partner) -> requests.PreparedRequest:
    """The case's request as the partner sends it: signed over its exact body, its target URI
    written as the server rebuilds it (the query's names sorted, values percent-encoded), and
    for a search, the professional it is for (docs/partners.md)."""
    prepared = requests.Request(**case.as_transport_kwargs(base_url=stack.url)).prepare()
    parts = urlsplit(prepared.url)
    query = sorted(parse_qsl(parts.query, keep_blank_values=True))
    target = f"{stack.url}{quote(unquote(parts.path), safe='/')}" + (
        "?" + urlencode(query, quote_via=quote, safe="") if query else ""
    )
    prepared.prepare_url(target, None)
    body = prepared.body if isinstance(prepared.body, bytes) else (prepared.body or "").encode()
    components, extra = REQUIRED, {}
    reads = case.method == "GET" and not case.path.endswith("/metadata")
    if reads or case.path.endswith("/_search"):  # a read (a GET, or FHIR's POST search)
        doctor = TREATING_DOCTOR
        name = f"{doctor.given_name} {doctor.family_name}"
        extra = {"Healthspace-Professional": f'"{doctor.rpps}";profession="10";name="{name}"'}
        components = (*REQUIRED, "healthspace-professional")
    headers = partner.sign(
        case.method,
        target,
        body,
        created=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
        components=components,
        headers={**extra, **dict(prepared.headers)},
    )
    prepared.headers.update(headers)
    return prepared


@PARTNERS.parametrize()
@BOUNDED
def test_the_partners_api_answers_as_documented(case, local_stack, hospital):
    with requests.Session() as session:
        response = session.send(signed(case, local_stack, hospital), timeout=30)
    case.validate_response(response)
