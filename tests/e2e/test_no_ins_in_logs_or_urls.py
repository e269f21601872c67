"""No INS reaches a log, a URL or a trace (issue 10, item 9): a full journey over HTTP (a
patient, professionals, a partner system, enrollment and the helpline), then every line this
session's stack logged (the functions' Powertools JSON lines, the gateway's request lines, the
stack's own stdlib logging, the processes' output) and every URL sent are searched for every
INS the journey used.

The URLs stand for the traces: API Gateway's stage tracing (template.yaml, `TracingEnabled`)
records each request's URL in its X-Ray segment, and Lambda's active tracing records the
invocation and no request data. Our code adds no annotation or metadata: no function loads the
X-Ray SDK (Powertools' Tracer would, and would record what methods return), which the last
test checks.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit

import httpx
import pytest

from healthspace.kernel.identifiers import make_ins
from infra.local.demo.people import (
    DEMO_ACCOUNTS,
    DEMO_OPERATOR,
    STRANGER_DOCTOR,
    TREATING_DOCTOR,
)
from infra.local.partner_signer import REQUIRED, Partner
from tests.e2e.stack_process import StackProcess
from tests.e2e.test_enrollment_journey import FILE
from tests.lambda_env import import_function
from tests.unit.test_fhir import pushed

pytestmark = pytest.mark.e2e

INS_SYSTEM = "urn:oid:1.2.250.1.213.1.4.8"
FORM = "application/x-www-form-urlencoded"
PATIENT = DEMO_ACCOUNTS[0]
REPRESENTED = DEMO_ACCOUNTS[1]
UNKNOWN = make_ins("1991299999999")  # valid, nobody's
# Every INS the session's journeys send: this one's, and the enrollment journey's file.
USED = {PATIENT.person.ins, REPRESENTED.person.ins, UNKNOWN, *(p.ins for p in FILE)}
FUNCTIONS = (
    "functions.records.app",
    "functions.professionals.app",
    "functions.partners.app",
    "functions.enrollment.app",
    "functions.ingest.app",
    "functions.notices.app",
    "functions.wave.app",
    "functions.population.app",
    "functions.migration.app",
    "functions.releases.app",
)


def _login(http: httpx.Client, username: str, password: str, pool: str | None = None) -> dict:
    body = {"username": username, "password": password, **({"pool": pool} if pool else {})}
    answer = http.post("/local/login", json=body)
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['id_token']}"}


def _register(stack: StackProcess) -> Partner:
    partner = Partner(key_id=f"logs-{uuid.uuid4().hex[:8]}")
    command = [sys.executable, "-m", "infra.cli", "--local", stack.url, "partner-keys"]
    command += ["--operator", "logs-test", "register", "--partner", "logs-hospital"]
    command += ["--key-id", partner.key_id, "-"]
    done = subprocess.run(  # noqa: S603 (our interpreter, our module)
        command, input=partner.public_key_pem.encode(), capture_output=True, env=dict(os.environ)
    )
    assert done.returncode == 0, done.stderr.decode()
    return partner


def _signed(
    http: httpx.Client, partner: Partner, base: str, path: str, body: bytes, kind: str | None
) -> httpx.Response:
    """A partner's signed POST (a FHIR resource, or a search form for the treating doctor), or
    with no body (`kind` None) a GET for the treating doctor."""
    extra = {}
    components = REQUIRED
    if kind in (FORM, None):
        name = f"{TREATING_DOCTOR.given_name} {TREATING_DOCTOR.family_name}"
        extra = {
            "Healthspace-Professional": f'"{TREATING_DOCTOR.rpps}";profession="10";name="{name}"'
        }
        components = (*REQUIRED, "healthspace-professional")
    headers = partner.sign(
        "GET" if kind is None else "POST",
        f"{base}{path}",
        body,
        created=datetime.now(UTC),
        nonce=uuid.uuid4().hex,
        components=components,
        headers=extra,
    )
    if kind is None:
        return http.get(path, headers=headers)
    return http.post(path, content=body, headers={**headers, "Content-Type": kind})


def _journey(stack: StackProcess, sent: list[str]) -> None:
    hooks = {"request": [lambda request: sent.append(str(request.url))]}
    with httpx.Client(base_url=stack.url, timeout=30, trust_env=False, event_hooks=hooks) as http:
        ins = PATIENT.person.ins
        # The patient reads her file
        me = _login(http, PATIENT.username, PATIENT.password)
        for path in ("/me", "/me/documents", "/me/profile", "/me/access-log"):
            assert http.get(path, headers=me).status_code == 200, path
        assert http.get("/me/documents/01NOSUCHDOCUMENT", headers=me).status_code == 404
        # Her doctor names her by INS in a body, then reads and adds by his reference
        doctor = _login(http, TREATING_DOCTOR.username, TREATING_DOCTOR.password, "professionals")
        referred = http.post("/pro/patient-references", json={"ins": ins}, headers=doctor)
        assert referred.status_code == 201, referred.text
        base = f"/pro/patients/{referred.json()['reference']}"
        documents = http.get(f"{base}/documents", headers=doctor)
        assert documents.status_code == 200, documents.text
        first = documents.json()["items"][0]["document_id"]
        assert http.get(f"{base}/documents/{first}", headers=doctor).status_code == 200
        assert http.get(f"{base}/profile", headers=doctor).status_code == 200
        allergy = {"substance": "Latex", "category": "environment"}
        added = http.post(f"{base}/profile/allergies", json=allergy, headers=doctor)
        assert added.status_code == 201, added.text
        # A doctor she never named: refused, then the glass broken, then her consent recorded
        stranger = _login(http, STRANGER_DOCTOR.username, STRANGER_DOCTOR.password, "professionals")
        for who in (UNKNOWN, ins):
            refused = http.post("/pro/patient-references", json={"ins": who}, headers=stranger)
            assert refused.status_code == 403, refused.text
        glass = {**stranger, "X-Emergency-Reason": "inconsciente aux urgences"}
        broken = http.post("/pro/patient-references", json={"ins": ins}, headers=glass)
        assert broken.status_code == 201, broken.text
        rescue = f"/pro/patients/{broken.json()['reference']}/documents"
        assert http.get(rescue, headers=glass).status_code == 200
        consent = {"ins": ins, "scope": ["biology"], "patient_agreed": True}
        assert http.post("/pro/consents", json=consent, headers=stranger).status_code == 200
        assert http.get("/pro/notices", headers=doctor).status_code == 200
        # A hospital's system pushes a document for her, then searches and reads for her doctor
        partner = _register(stack)
        partner_base = http.get("/local/env").json()["PARTNER_BASE_URL"]
        resource = pushed()
        resource["subject"]["identifier"]["value"] = ins
        resource["masterIdentifier"]["value"] = f"LOGS-{uuid.uuid4().hex[:8]}"
        body = json.dumps(resource).encode()
        filed = _signed(
            http, partner, partner_base, "/fhir/DocumentReference", body, "application/fhir+json"
        )
        assert filed.status_code == 201, filed.text
        patient = {"patient": f"{INS_SYSTEM}|{ins}"}
        for form in (patient, {**patient, "_id": filed.json()["id"]}, {"patient": UNKNOWN}):
            encoded = urlencode(sorted(form.items()), quote_via=quote, safe="").encode()
            found = _signed(
                http, partner, partner_base, "/fhir/DocumentReference/_search", encoded, FORM
            )
            assert found.status_code in (200, 403), found.text
        location = urlsplit(filed.headers["Location"]).path  # FHIR's read, at the push's URL
        assert _signed(http, partner, partner_base, location, b"", None).status_code == 200
        # Enrollment: a lost code asked for, an opposition with a wrong code, the helpline's
        for who, born in (
            (REPRESENTED.person.ins, REPRESENTED.person.birth_date),
            (UNKNOWN, "1991-12-01"),
        ):
            asked = {"ins": who, "birth_date": born, "second_factor": "75001"}
            assert http.post("/enrollment/code-requests", json=asked).status_code == 202
            wrong = {"ins": who, "birth_date": born, "code": "AAAA-BBBB-CCCC"}
            assert http.post("/enrollment/opposition", json=wrong).status_code in (400, 404, 409)
        helpline = _login(http, DEMO_OPERATOR.username, DEMO_OPERATOR.password, "operators")
        decision = {
            "ins": UNKNOWN,
            "birth_date": "1991-12-01",
            "decision": "OPPOSED",
            "identity_checked": True,
        }
        decided = http.post("/operator/enrollment/decisions", json=decision, headers=helpline)
        assert 400 <= decided.status_code < 500, decided.text


def test_no_ins_of_a_full_journey_is_in_a_log_line_or_a_url(local_stack: StackProcess) -> None:
    assert local_stack.function_logs is not None, "the session's stack logs to a file of its own"
    sent: list[str] = []
    _journey(local_stack, sent)

    logged = local_stack.function_logs.read_text(errors="replace")
    output = local_stack.output()
    lines = logged.splitlines() + output.splitlines()
    # The capture is real: every function served logged its JSON lines, the gateway its own
    for service in ("records", "professionals", "partners", "enrollment"):
        assert f'"service":"{service}"' in logged, f"no log line of the {service} function"
    assert " /pro/patients/" in logged and " /fhir/DocumentReference/_search " in logged
    assert any("/pro/patients/" in url for url in sent) and len(sent) > 20
    # Then no INS anywhere: not in a log line, not in a URL (what the stage's X-Ray records)
    for ins in sorted(USED):
        found = [line.replace(ins, "<INS>")[:300] for line in lines if ins in line]
        assert not found, f"an INS is logged: {found[:3]}"
        in_urls = [url.replace(ins, "<INS>") for url in sent if ins in url]
        assert not in_urls, f"an INS is in a URL: {in_urls[:3]}"


def test_no_function_records_trace_annotations_or_metadata() -> None:
    """No function loads the X-Ray SDK: nothing of ours annotates a trace. Should one adopt
    Powertools' Tracer (which records what methods return as metadata), this fails: capture
    its segments in the journey above before letting it in."""
    for module in FUNCTIONS:
        import_function(module)
    # A Tracer() imports the SDK as it starts (its provider); importing Powertools does not.
    assert "aws_xray_sdk" not in sys.modules
