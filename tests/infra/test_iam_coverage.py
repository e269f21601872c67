"""Every AWS call each function makes is allowed by that function's Policies in template.yaml.

moto does not enforce IAM: a permission missing from the template passes every other tier and
fails in AWS with AccessDenied. Here the local stack (every resource of the template in moto,
the handlers in this process, Step Functions executing) runs each function through realistic
flows while every AWS call is recorded and attributed to the function making it
(tests/infra/iam.py); each call's IAM needs are then checked against that function's statements,
resolved as the local stack resolves the template.

Flows: an insured-persons file lands under imports/ (PopulationFunction: email, SMS and letter
channels, a bad line reported, the wave timer started); people oppose, activate early, ask for a
new code, ask for their space after opposing, and a helpline operator decides for a caller and
reads the waves (EnrollmentFunction); a patient uploads through a presigned POST (IngestFunction
on the quarantine notification), lists, downloads, views on screen, renames, deletes, writes
their profile and reads their access history (RecordsFunction); the patient designates a
treating doctor, who lists, reads, downloads, adds to the profile and starts the upload of a
held report (the presigned POST signed, its status read), and another doctor breaks the glass
(ProfessionalsFunction); a hospital system pushes a signed FHIR document, twice, then searches
and reads it on behalf of the treating doctor (PartnersFunction); an operator drops a former
system's file under migrations/, one record for the patient and one for nobody
(MigrationFunction); the day's wave reaches its deadline and the state machine seals, activates
and finishes it (WaveFunction); the treating doctor releases a document they held for the
announcement (ProfessionalsFunction), and the daily job releases one held over a month ago
(ReleasesFunction, invoked as its schedule would: EventBridge never fires in moto); the
access-log entries of all this reach NoticesFunction through the table's stream (the local
stack's poller), which emails a patient and fills the treating doctor's inbox, read by him, and
the rest of the stream reaches its router (StreamEventsFunction), which hands the activations
to AccountsQueue: the activated people's accounts are opened (AccountsFunction), one of whom
chooses her password; that patient asks for an export of her space, handed on to ExportsQueue
and built (ExportsFunction), reads its link and her summary, then closes her space and reads
its closure (RecordsFunction), which the archive workflow archives (started by
StreamEventsFunction, ArchiveFunction), then
asks for it again (EnrollmentFunction): S3's restore-completed notification resumes the reopen
workflow (LifecycleEventsFunction), which rehydrates it (ArchiveFunction); then she deletes it,
which its workflow runs (LifecycleFunction), and the daily purge sweep fires; the helpline
closes a caller's space, posts another's file and deletes her space, an operator suspends
another, whose wait ends closing it
(EnrollmentFunction, SuspensionStateMachine, SuspensionFunction), and the death registry's file
lands under deaths/ (DeathsFunction); a doctor signs in
through Pro Santé Connect (ProfessionalSignInFunction, invoked as Cognito's pre token
generation trigger would be), which calls no AWS service and is granted none.
"""

from __future__ import annotations

import json
import re
import time
from contextlib import suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import boto3
import httpx
import pytest

from healthspace import wiring
from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Author, Category, DocumentFacts
from healthspace.wiring.compose import compose_medical_file
from healthspace.wiring.records import medical_file
from infra.bench.records import Patient
from infra.local.executions import finished
from infra.local.outbox import read_outbox
from infra.local.partner_signer import REQUIRED
from infra.local.sample_events import api_event, api_result
from infra.local.stack import LocalStack
from infra.local.template import ACCOUNT_ID, REGION, load_template, walk_events
from tests.fakes import FakeClock
from tests.infra.iam import (
    ENGINE,
    STREAM_POLLER,
    UNATTRIBUTED,
    Account,
    Call,
    CallRecorder,
    Statement,
    account_of,
    check,
    policies,
)
from tests.integration.test_partner_api import registered_partner
from tests.partner_fakes import Partner
from tests.unit.test_care_access import rpps
from tests.unit.test_fhir import PDF, pushed
from tests.unit.test_migration import NOBODY_INS, former, ndjson
from tests.unit.test_pro_sante_connect import recorded as recorded_claims
from tests.unit.test_pro_sante_connect import sign_in_event as psc_sign_in_event

FUNCTIONS = [f.logical_id for f in load_template().of_type("AWS::Serverless::Function")]
# Functions that call no AWS service: least privilege is then no statement at all.
NO_AWS_CALLS = {"ProfessionalSignInFunction"}
CODE = re.compile(r"\b[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b")
OPERATOR = {"sub": "operator-iam", "cognito:groups": "helpline", "token_use": "id"}
DOCTOR = rpps(51)
TREATING_DOCTOR = {"sub": "doctor-iam", "custom:rpps": DOCTOR, "custom:profession": "10"}
EMERGENCY_DOCTOR = {"sub": "er-iam", "custom:rpps": rpps(52), "custom:profession": "10"}


@dataclass(frozen=True)
class Person:
    ins: str
    birth_date: str
    email: str = ""
    mobile: str = ""
    postal_code: str = ""

    def row(self, name: str) -> str:
        address = ("1 rue de la Paix", self.postal_code, "Paris") if self.postal_code else ("",) * 3
        return ",".join(
            [self.ins, self.birth_date, name, "Iam", self.email, self.mobile, *address, ""]
        )


SIGN_UP_EVENT = Path(__file__).parents[1] / "unit" / "franceconnect" / "pre_sign_up_event.json"
# One person per channel and per decision; the last line has a wrong INS key (the error report).
OPPOSER = Person(make_ins("2850375111101"), "1985-03-02", email="opposer@example.org")
EARLY = Person(make_ins("1790769123102"), "1979-07-21", email="early@example.org")
TEXTER = Person(make_ins("2880213055103"), "1988-02-11", mobile="0612345678")
WRITER = Person(make_ins("1520233063104"), "1952-02-28", postal_code="33000")
CALLER = Person(make_ins("2660533063105"), "1966-05-30", email="caller@example.org")
POSTED = Person(make_ins("2700533063106"), "1970-05-30", postal_code="75002")
POPULATION = "\n".join(
    [
        "ins,birth_date,given_name,family_name,email,mobile,address_line1,postal_code,city,"
        "representative_ins",
        OPPOSER.row("Olga"),
        EARLY.row("Eric"),
        TEXTER.row("Tess"),
        WRITER.row("Will"),
        CALLER.row("Cleo"),
        POSTED.row("Paule"),
        Person(OPPOSER.ins[:13] + "00", "1990-01-01", email="typo@example.org").row("Typo"),
    ]
)


@dataclass(frozen=True)
class Recorded:
    recorder: CallRecorder
    account: Account
    functions: dict[str, list[Statement]]  # each function's statements, by logical id
    machines: dict[str, list[Statement]]  # each state machine's
    queues: list[tuple[str, str]]  # (function, queue URL) of each `Type: SQS` event


@pytest.fixture(scope="module")
def recorded() -> Recorded:
    """Every flow run once on the local stack, its calls recorded; the template's statements
    resolved against what the stack created."""
    # The handlers in this process: the recorder sees their calls and attributes them.
    # A suspension waits a second here (six weeks in the cloud).
    with LocalStack(
        port=0, demo=False, in_process=True, parameters={"SuspensionWaitSeconds": "1"}
    ) as stack:
        assert stack.template is not None and stack.resolver is not None
        _cold_start()  # no client of another tier's moto
        recorder = CallRecorder(cold_start=_cold_start)
        try:
            with recorder.recording():
                _run_flows(stack)
        finally:
            _cold_start()
        template, resolver = stack.template, stack.resolver
        return Recorded(
            recorder=recorder,
            account=account_of(template, resolver),
            functions=policies(template, resolver, "AWS::Serverless::Function"),
            machines=policies(template, resolver, "AWS::Serverless::StateMachine"),
            queues=[
                (function, str(resolver.refs[props["Queue"]["Fn::GetAtt"][0]]))
                for function, _, props in walk_events(template, "SQS")
            ],
        )


def _cold_start() -> None:
    """The wiring builds each root once per process, and here every function shares one."""
    wiring.forget()


def _fetch(presigned_url: str) -> bytes:
    """What a browser does with a presigned URL (moto checks no signature)."""
    response = httpx.get(presigned_url, trust_env=False)
    response.raise_for_status()
    return response.content


def _run_flows(stack: LocalStack) -> None:
    ops_bucket = stack.shared_env["OPS_BUCKET"]
    # PopulationFunction, on the ops bucket's notification.
    boto3.client("s3").put_object(Bucket=ops_bucket, Key="imports/iam.csv", Body=POPULATION)
    outbox = read_outbox(ACCOUNT_ID, REGION, ops_bucket)
    codes = {m["to"]: found[0] for m in outbox if (found := CODE.findall(m["body"]))}
    assert {OPPOSER.email, EARLY.email} <= codes.keys(), outbox
    assert {m["channel"] for m in outbox} == {"email", "sms", "post"}, outbox

    # EnrollmentFunction: the public routes, a signed-in patient, the helpline.
    def enrollment(path: str, body: Any = None, claims: Any = None, method: str = "POST") -> Any:
        resource = "/operator/{proxy+}" if path.startswith("/operator/") else path
        event = api_event(method, path, claims, body, resource=resource)
        status, _, payload = api_result(stack.invoke("EnrollmentFunction", event))
        assert status < 300, (path, status, payload)
        return payload

    def decide(person: Person, route: str) -> Any:
        code = codes[person.email]
        body = {"ins": person.ins, "birth_date": person.birth_date, "code": code}
        return enrollment(f"/enrollment/{route}", body)

    receipt = decide(OPPOSER, "opposition")
    assert _fetch(receipt["receipt_url"]).startswith(b"%PDF")  # with the signer's grants
    decide(EARLY, "activation")
    enrollment(
        "/enrollment/code-requests",
        {"ins": TEXTER.ins, "birth_date": TEXTER.birth_date, "second_factor": "5678"},
    )
    enrollment(
        "/operator/enrollment/decisions",
        {
            "ins": WRITER.ins,
            "birth_date": WRITER.birth_date,
            "decision": "OPPOSED",
            "identity_checked": True,
        },
        claims=OPERATOR,
    )
    enrollment(  # the receipt by email: CALLER has no postal address
        "/operator/enrollment/decisions",
        {
            "ins": CALLER.ins,
            "birth_date": CALLER.birth_date,
            "decision": "ACTIVE",
            "identity_checked": True,
        },
        claims=OPERATOR,
    )
    enrollment(  # the receipt by post
        "/operator/enrollment/decisions",
        {
            "ins": POSTED.ins,
            "birth_date": POSTED.birth_date,
            "decision": "ACTIVE",
            "identity_checked": True,
        },
        claims=OPERATOR,
    )
    patient = {"sub": "opposer-sub", "custom:ins": OPPOSER.ins, "token_use": "id"}
    enrollment("/enrollment/space-requests", claims=patient)
    waves = enrollment("/operator/waves", claims=OPERATOR, method="GET")
    [wave_id] = [w["wave_id"] for w in waves["items"]]  # the import's, today's
    enrollment(f"/operator/waves/{wave_id}", claims=OPERATOR, method="GET")
    # A partner administrator trusts a key, lists the partner's keys, revokes it (audited).
    admin = {"sub": "admin-iam", "cognito:groups": "partner-admins", "token_use": "id"}
    key = {
        "partner_id": "lab-iam",
        "key_id": "lab-iam-1",
        "public_key": Partner("x").public_key_pem,
    }
    enrollment("/operator/partner-keys", key, claims=admin)
    enrollment("/operator/partners/lab-iam/keys", claims=admin, method="GET")
    enrollment("/operator/partner-keys/lab-iam-1/revocation", claims=admin)

    # RecordsFunction and IngestFunction: a patient's documents, profile and history.
    bench = Patient(stack)
    document_id = bench.upload()  # presigned POST; the quarantine notifies IngestFunction
    bench.call("GET", "/me")
    bench.call("GET", "/me/documents")
    link = bench.call("GET", f"/me/documents/{document_id}/content")
    assert _fetch(link["url"]).startswith(b"%PDF")  # with the signer's grants
    # A view: the copy staged under views/, the signing key read. The viewer distribution's
    # own reads are the bucket policy's (tests/infra/test_viewer_template.py), not a function's.
    view = bench.call("GET", f"/me/documents/{document_id}/view")
    assert view["content_type"] == "application/pdf" and "Signature=" in view["url"]
    bench.call("PATCH", f"/me/documents/{document_id}", {"title": "Renamed"}, **{"If-Match": "1"})
    bench.call("POST", "/me/profile/allergies", {"substance": "Pollen", "category": "environment"})
    bench.call("GET", "/me/profile")
    bench.call("GET", "/me/access-log")

    # ProfessionalsFunction: the patient designates a treating doctor, who lists, reads,
    # downloads, adds to the profile and starts an upload (a presigned POST ticket, its
    # status); another doctor breaks the glass.
    bench.call("PUT", "/me/care/treating-doctor", {"rpps": DOCTOR}, **{"If-Match": "0"})

    def professional(method: str, path: str, claims: Any, body: Any = None, **headers: str) -> Any:
        event = api_event(method, path, claims, body, headers or None, resource="/pro/{proxy+}")
        status, _, payload = api_result(stack.invoke("ProfessionalsFunction", event))
        assert status < 300, (path, status, payload)
        return payload

    def referred(ins: str, claims: Any, **headers: str) -> str:
        """The professional's path to the file: the INS resolved once, in a body."""
        answer = professional("POST", "/pro/patient-references", claims, {"ins": ins}, **headers)
        return f"/pro/patients/{answer['reference']}"

    patient = referred(bench.ins, TREATING_DOCTOR)
    professional("GET", f"{patient}/documents", TREATING_DOCTOR)
    professional("GET", f"{patient}/documents/{document_id}", TREATING_DOCTOR)
    link = professional("GET", f"{patient}/documents/{document_id}/content", TREATING_DOCTOR)
    assert _fetch(link["url"]).startswith(b"%PDF")
    allergy = {"substance": "Latex", "category": "environment"}
    professional("POST", f"{patient}/profile/allergies", TREATING_DOCTOR, allergy)
    professional("GET", f"{patient}/profile", TREATING_DOCTOR)
    report = {
        "filename": "cr.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "category": "reports",
        "title": "Compte rendu",
        "document_date": "2026-11-02",
        "hold_for_announcement": True,
    }
    # The presigned POST is signed here (its needs are the signer's, recorded when signed); the
    # file is not posted: IngestFunction's filing is the patient's flow's, and a second filed
    # document would make test_a_missing_statement_is_reported_by_name find two.
    ticket = professional("POST", f"{patient}/uploads", TREATING_DOCTOR, report)
    upload = professional("GET", f"{patient}/uploads/{ticket['upload_id']}", TREATING_DOCTOR)
    assert upload["status"] == "PENDING", upload
    emergency = {"X-Emergency-Reason": "unconscious"}
    rescue = referred(bench.ins, EMERGENCY_DOCTOR, **emergency)
    professional("GET", f"{rescue}/documents", EMERGENCY_DOCTOR, **emergency)
    bench.call("DELETE", f"/me/documents/{document_id}")

    # AgendaFunction: the patient adds, lists, moves and cancels an appointment and makes a
    # calendar link; the treating doctor books one (ProfessionalsFunction), which the patient
    # declines; a calendar fetches the feed (AgendaFeedFunction, its first fetch traced).
    def agenda(method: str, path: str, body: Any = None, **headers: str) -> Any:
        resource = "/me/agenda/{proxy+}"
        event = api_event(method, path, bench.claims, body, headers or None, resource=resource)
        status, _, payload = api_result(stack.invoke("AgendaFunction", event))
        assert status < 300, (path, status, payload)
        return payload

    soon = (datetime.now(UTC) + timedelta(days=3)).date().isoformat()
    visit = {
        "start_local": f"{soon}T09:30:00",
        "end_local": f"{soon}T10:00:00",
        "time_zone": "Europe/Paris",
        "facility": "Centre de santé",
    }
    added = agenda("POST", "/me/agenda/appointments", visit)
    agenda("GET", "/me/agenda/appointments")
    moved = {**visit, "start_local": f"{soon}T11:00:00", "end_local": f"{soon}T11:30:00"}
    agenda("PUT", f"/me/agenda/appointments/{added['appointment_id']}", moved, **{"If-Match": "1"})
    agenda("DELETE", f"/me/agenda/appointments/{added['appointment_id']}")
    booked = professional("POST", f"{patient}/appointments", TREATING_DOCTOR, visit)
    agenda("POST", f"/me/agenda/appointments/{booked['appointment_id']}/decline")
    feed = agenda("POST", "/me/agenda/feed", {})
    fetched = api_event("GET", feed["path"], None, resource="/agenda/feeds/{token}")
    fetched["pathParameters"] = {"token": feed["token"]}
    assert stack.invoke("AgendaFeedFunction", fetched)["statusCode"] == 200
    agenda("DELETE", "/me/agenda/feed")

    # PartnersFunction: a hospital system pushes a signed document for the patient, then again
    # (its retry, a new signature, conditional on its identifier): filed once; then searches
    # and reads it for the treating doctor the patient designated above.
    files = medical_file()
    hospital = registered_partner("chu-iam", "iam-hospital", operator="op-iam")
    resource = pushed()
    resource["subject"]["identifier"]["value"] = bench.ins
    body = json.dumps(resource)
    base_url = stack.shared_env["PARTNER_BASE_URL"]
    for nonce in ("iam-nonce-first-1", "iam-nonce-retry-2"):
        headers = hospital.sign(
            "POST",
            f"{base_url}/fhir/DocumentReference",
            body.encode(),
            created=datetime.now(UTC),
            nonce=nonce,
        )
        if nonce.endswith("2"):
            headers["If-None-Exist"] = "identifier=urn:oid:1.3.6.1.4.1.21367.2005.3.7"
        path = "/fhir/DocumentReference"
        event = api_event("POST", path, None, body, headers=headers, resource=path)
        status, _, payload = api_result(stack.invoke("PartnersFunction", event))
        assert status in (200, 201), payload
    patient_token = f"patient=urn%3Aoid%3A1.2.250.1.213.1.4.8%7C{bench.ins}"
    path = "/fhir/DocumentReference/_search"
    for form, nonce in (
        (patient_token, "iam-nonce-search-3"),
        (f"_id={payload['id']}&{patient_token}", "iam-nonce-read-4"),
    ):
        headers = hospital.sign(
            "POST",
            f"{base_url}{path}",
            form.encode(),
            created=datetime.now(UTC),
            nonce=nonce,
            components=(*REQUIRED, "healthspace-professional"),
            headers={"Healthspace-Professional": f'"{DOCTOR}";profession="10"'},
        )
        event = api_event("POST", path, None, form, headers, resource=path)
        event["headers"]["Content-Type"] = "application/x-www-form-urlencoded"
        event["multiValueHeaders"]["Content-Type"] = ["application/x-www-form-urlencoded"]
        status, _, read = api_result(stack.invoke("PartnersFunction", event))
        assert status == 200 and read["entry"], read

    # ProfessionalsFunction and ReleasesFunction: documents held for the announcement (filed
    # by the test, as a partner's push would), one released by its author, one by the job.
    facts = DocumentFacts(category=Category.REPORTS, title="Held", document_date=date(2025, 1, 2))
    space = files.spaces.space_of(bench.ins)
    doctor = Author.professional(DOCTOR)
    held, _ = files.filing.push_document(
        space, doctor, facts, PDF, "held.pdf", "iam|HELD-1", hold_for_announcement=True
    )
    professional("POST", f"{patient}/documents/{held.document_id}/release", TREATING_DOCTOR)
    past = FakeClock(datetime.now(UTC) - timedelta(days=40))
    month_ago = compose_medical_file(files.store, files.blobs, files.keys, past, files.ids)
    month_ago.filing.push_document(
        space, doctor, facts, PDF, "held.pdf", "iam|HELD-2", hold_for_announcement=True
    )
    assert stack.invoke("ReleasesFunction", {}) == {"released": 1}

    # AgendaFunction and RemindersFunction: EARLY (activated, an email) asks for a reminder an
    # hour before, books an appointment in 58 minutes (due two minutes ago), and the job's
    # first run (invoked as its schedule would) emails it; the prevention reminders' daily run.
    early = {"sub": "early-sub", "custom:ins": EARLY.ins, "token_use": "id"}

    def agenda(method: str, path: str, body: Any = None) -> Any:
        event = api_event(method, path, early, body, resource="/me/agenda/{proxy+}")
        status, _, payload = api_result(stack.invoke("AgendaFunction", event))
        assert status < 300, (path, status, payload)
        return payload

    agenda("PUT", "/me/agenda/reminders", {"leads": ["PT1H"], "channel": "EMAIL"})
    wall = (datetime.now(UTC) + timedelta(minutes=58)).astimezone(ZoneInfo("Europe/Paris"))
    start = wall.replace(tzinfo=None, second=0, microsecond=0)
    appointment = {
        "start_local": start.isoformat(),
        "end_local": (start + timedelta(minutes=30)).isoformat(),
        "professional_name": "Dr Iam",
    }
    agenda("POST", "/me/agenda/appointments", appointment)
    agenda("GET", "/me/agenda/reminders")
    scheduled = {"source": "aws.scheduler", "detail-type": "Scheduled Event", "detail": {}}
    assert stack.invoke("RemindersFunction", scheduled)["outcomes"] == {"sent": 1}
    # PreventionRemindersFunction, as its schedule would: today's birth dates read (Query on
    # gsi1), its cursor written; whoever reaches an opening age today is told.
    assert "told" in stack.invoke("PreventionRemindersFunction", scheduled)

    # MigrationFunction, on the ops bucket's notification: a record filed in the patient's space
    # (the space's key already exists), one for a patient without a space reported.
    migration = ndjson(former(bench.ins, "IAM-MIG-1"), former(NOBODY_INS, "IAM-MIG-2"))
    boto3.client("s3").put_object(
        Bucket=ops_bucket, Key="migrations/iam.ndjson", Body=migration.encode()
    )
    assert any(
        e["actor"]["id"] == "migration" for e in bench.call("GET", "/me/access-log")["items"]
    )

    # NoticesFunction, on the table's stream: EARLY (enrolled with an email) designates the
    # doctor, who reads her file: she is emailed; the break-glass above on the bench patient
    # (no enrollment: no email) went to the treating doctor's inbox, which he reads.
    early = {"sub": "early-sub", "custom:ins": EARLY.ins, "token_use": "id"}
    event = api_event(
        "PUT",
        "/me/care/treating-doctor",
        early,
        {"rpps": DOCTOR},
        {"If-Match": "0"},
        resource="/me/{proxy+}",
    )
    assert api_result(stack.invoke("RecordsFunction", event))[0] == 200
    professional("GET", f"{referred(EARLY.ins, TREATING_DOCTOR)}/profile", TREATING_DOCTOR)
    consent = {"ins": EARLY.ins, "scope": ["biology"], "patient_agreed": True}  # never named
    professional("POST", "/pro/consents", EMERGENCY_DOCTOR, consent)
    stack.deliver_streams()  # what the stack's poller has not delivered yet
    told = [m for m in read_outbox(ACCOUNT_ID, REGION, ops_bucket) if m["to"] == EARLY.email]
    assert any("consulté" in m["subject"] for m in told), told
    assert any("désormais accès" in m["subject"] for m in told), told
    inbox = professional("GET", "/pro/notices", TREATING_DOCTOR)
    assert [n["patient_ins"] for n in inbox["items"]] == [bench.ins], inbox

    # AccountsFunction, fed by AccountsQueue (StreamEventsFunction hands the stream's ACTIVATED
    # lines on): EARLY's activation opened her account (the streams delivered above); she asks
    # for a code and chooses her password with it (EnrollmentFunction).
    identity = {"ins": EARLY.ins, "birth_date": EARLY.birth_date}
    enrollment("/accounts/code-requests", identity)
    [sent] = [
        m
        for m in read_outbox(ACCOUNT_ID, REGION, ops_bucket)
        if "mot de passe" in (m["subject"] or "")
    ]
    password = "Early-password-2027"
    enrollment(
        "/accounts/password",
        {**identity, "code": CODE.findall(sent["body"])[0], "password": password},
    )

    # PatientSignUpFunction, invoked as Cognito's pre sign-up trigger would be on a first
    # FranceConnect sign-in (moto has no AdminLinkProviderForUser: an identity that matches
    # nobody, refused after its lookup).
    signup = json.loads((SIGN_UP_EVENT).read_text(encoding="utf-8"))
    with suppress(Exception):  # the refusal is the function's error, as Cognito receives it
        stack.invoke("PatientSignUpFunction", signup)

    # RecordsFunction and ExportsFunction: EARLY asks for a copy of her space, which the
    # exports function builds (the stream router hands the export to ExportsQueue); she reads
    # its link, then her summary as JSON and as a PDF.
    def mine(method: str, path: str) -> dict[str, Any]:
        event = api_event(method, path, early, None, resource="/me/{proxy+}")
        status, _, answer = api_result(stack.invoke("RecordsFunction", event))
        assert status < 300, (path, answer)
        return dict(answer)

    export_id = mine("POST", "/me/exports")["export_id"]
    stack.deliver_streams()
    assert mine("GET", f"/me/exports/{export_id}")["status"] == "READY"
    mine("GET", "/me/exports")
    mine("GET", "/me/summary")
    mine("GET", "/me/summary/pdf")

    # RecordsFunction: EARLY closes her space, freshly signed in, and reads its closure; the
    # closure's entry reaches the notices, which tell nothing more for a closed space.
    fresh = {**early, "auth_time": str(int(datetime.now(UTC).timestamp()))}
    for method, body in (("POST", {"confirm": "CLOSE"}), ("GET", None)):
        event = api_event(method, "/me/closure", fresh, body, resource="/me/{proxy+}")
        status, _, closure = api_result(stack.invoke("RecordsFunction", event))
        assert (status, closure["status"]) == (200, "CLOSED"), closure
    stack.deliver_streams()
    # StreamEventsFunction, on the table's stream: the closure starts the archive workflow
    # (ArchiveFunction: write, settle, clear). EARLY asks for her space again
    # (EnrollmentFunction: the reopen workflow); S3's restore completes (the stack's restore
    # clock) and its notification resumes the workflow (LifecycleEventsFunction), which
    # rehydrates the space (ArchiveFunction).
    sfn = boto3.client("stepfunctions")
    [archived] = sfn.list_executions(stateMachineArn=stack.ref("ArchiveStateMachine"))["executions"]
    assert finished(archived["executionArn"])["status"] == "SUCCEEDED"
    reopening = enrollment("/enrollment/space-requests", claims=early)
    assert reopening["status"] == "REOPENING", reopening
    [reopen] = sfn.list_executions(stateMachineArn=stack.ref("ReopenStateMachine"))["executions"]
    # Until the workflow's RestoreObject has been sent and completed: a deadline in time, not
    # in rounds (a loaded CI machine runs fewer rounds a second).
    give_up = time.monotonic() + 180
    while True:
        stack.complete_restores()
        described = sfn.describe_execution(executionArn=reopen["executionArn"])
        if described["status"] != "RUNNING" or time.monotonic() > give_up:
            break
        time.sleep(0.05)
    assert described["status"] == "SUCCEEDED", described
    stack.deliver_streams()

    # WaveFunction, invoked by the state machine: the import started the day's timer, waiting
    # for a deadline weeks away; a second execution of the same wave stands for that deadline.
    sfn = boto3.client("stepfunctions")
    machine = stack.ref("WaveStateMachine")
    timer = machine.replace(":stateMachine:", ":execution:") + f":{wave_id}"
    try:
        due = sfn.start_execution(
            stateMachineArn=machine,
            name=f"{wave_id}-due",
            input=json.dumps({"wave_id": wave_id, "deadline": f"{datetime.now(UTC):%FT%TZ}"}),
        )
        described = finished(due["executionArn"])
    finally:
        with suppress(sfn.exceptions.ExecutionDoesNotExist):  # the import did not start it
            sfn.stop_execution(executionArn=timer)
    assert described["status"] == "SUCCEEDED", described
    # the wave ran on the stack's wave: everyone still pending (the texter) was activated
    assert json.loads(described["output"])["activated"] == 1, described["output"]

    # RecordsFunction then LifecycleFunction: EARLY deletes her closed space, freshly signed
    # in; its workflow runs the deletion (every object version, the items, her grants, the
    # confirmation by her channel, the tombstone and the audit); the daily purge sweep fires.
    fresh = {**early, "auth_time": str(int(datetime.now(UTC).timestamp()))}
    delete = api_event(
        "POST", "/me/deletion", fresh, {"confirm": "DELETE"}, resource="/me/{proxy+}"
    )
    status, _, deleting = api_result(stack.invoke("RecordsFunction", delete))
    assert (status, deleting["status"]) == (202, "DELETING"), deleting
    run = stack.ref("DeletionStateMachine").replace(":stateMachine:", ":execution:")
    erased = finished(f"{run}:delete-{deleting['space_id']}")
    assert erased["status"] == "SUCCEEDED", erased
    assert json.loads(erased["output"])["outcome"] == "done", erased["output"]
    told = [m for m in read_outbox(ACCOUNT_ID, REGION, ops_bucket) if m["to"] == EARLY.email]
    assert any("Suppression" in (m["subject"] or "") for m in told), told
    swept = finished(stack.fire("PurgeStateMachine"))
    assert swept["status"] == "SUCCEEDED", swept

    # EnrollmentFunction for a space's life: the helpline closes CALLER's space for her (the
    # receipt by email: no address); an operator suspends OPPOSER's space, which starts its
    # wait: the state machine then closes it (SuspensionFunction), nobody having answered; the
    # suspension's entry reaches the notices, which tell her.
    closed = enrollment(
        "/operator/helpline/acts",
        {
            "action": "CLOSE",
            "ins": CALLER.ins,
            "birth_date": CALLER.birth_date,
            "identity_checked": True,
            "checks": ["IDENTITY_QUESTIONS"],
        },
        claims=OPERATOR,
    )
    assert (closed["status"], closed["receipt"]) == ("CLOSED", "email"), closed
    # ...posts POSTED's file (her summary and her documents' list, a PDF enclosed in the mail
    # house's batch), then deletes her space for her (the deletion workflow started, and run).
    for action in ("SEND_FILE", "DELETE"):
        acted = enrollment(
            "/operator/helpline/acts",
            {
                "action": action,
                "ins": POSTED.ins,
                "birth_date": POSTED.birth_date,
                "identity_checked": True,
                "checks": ["POSTAL_ADDRESS"],
            },
            claims=OPERATOR,
        )
        assert acted["receipt"] == "post", acted
    assert acted["status"] == "DELETING", acted
    erased = finished(f"{run}:delete-{acted['space_id']}")
    assert erased["status"] == "SUCCEEDED", erased
    suspended = enrollment(
        "/operator/suspensions",
        {"ins": OPPOSER.ins, "birth_date": OPPOSER.birth_date, "reason": "IDENTITY_FRAUD"},
        claims=OPERATOR,
    )
    stack.deliver_streams()
    assert any(
        "suspendu" in (m["subject"] or "")
        for m in read_outbox(ACCOUNT_ID, REGION, ops_bucket)
        if m["to"] == OPPOSER.email
    )
    [execution] = sfn.list_executions(stateMachineArn=stack.ref("SuspensionStateMachine"))[
        "executions"
    ]
    assert execution["name"].startswith(suspended["space_id"]), execution
    described = finished(execution["executionArn"])
    assert json.loads(described["output"])["outcome"] == "closed", described

    # DeathsFunction, on the ops bucket's notification: the texter (activated by the wave) has
    # died; a line for nobody with a space, a bad line reported.
    deaths = "\n".join(
        [
            "ins,birth_date,death_date",
            f"{TEXTER.ins},{TEXTER.birth_date},{datetime.now(UTC).date().isoformat()}",
            f"{NOBODY_INS},1950-01-01,2026-01-01",
            f"{TEXTER.ins[:13]}00,1950-01-01,2026-01-01",
        ]
    )
    boto3.client("s3").put_object(Bucket=ops_bucket, Key="deaths/iam.csv", Body=deaths.encode())
    reports = boto3.client("s3").list_objects_v2(Bucket=ops_bucket, Prefix="reports/")
    assert any(o["Key"].endswith(".errors.csv") for o in reports["Contents"])

    # ProfessionalSignInFunction: a doctor's PSC sign-in, as Cognito's trigger event.
    signed_in = stack.invoke(
        "ProfessionalSignInFunction", psc_sign_in_event(recorded_claims("userinfo_medecin"))
    )
    tokens = signed_in["response"]["claimsOverrideDetails"]["claimsToAddOrOverride"]
    assert tokens["custom:profession"] == "10", tokens


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_function_ran_and_called_aws(recorded: Recorded, function: str) -> None:
    assert recorded.recorder.invocations[function], f"no flow invoked {function}"
    if function in NO_AWS_CALLS:
        assert not recorded.recorder.by(function), f"{function} calls AWS now: give it a policy"
        assert recorded.functions[function] == [], f"{function} is granted what it never uses"
    else:
        assert recorded.recorder.by(function), f"{function} made no AWS call in the flows"


def test_every_call_is_attributed(recorded: Recorded) -> None:
    """A call off the test's thread and outside any handler: a function's own thread that lost
    its attribution, whose calls would escape the check."""
    stray = recorded.recorder.by(UNATTRIBUTED)
    assert not stray, [str(c) for c in stray]


@pytest.mark.parametrize("function", FUNCTIONS)
def test_the_policy_allows_every_call(recorded: Recorded, function: str) -> None:
    calls = recorded.recorder.by(function)
    findings = check(function, calls, recorded.functions[function], recorded.account)
    assert not findings, "missing permissions in template.yaml:\n" + "\n".join(
        f.explain() for f in findings
    )


def test_the_state_machine_engine_is_allowed_its_calls(recorded: Recorded) -> None:
    """Step Functions' own calls (lambda:InvokeFunction, the ItemReader's s3:GetObject) run
    with the state machine's role, not a function's."""
    calls = recorded.recorder.by(ENGINE)
    assert calls, "the engine made no call: did the wave run?"
    # The engine's calls do not say which machine made them (the wave's, the deletion's, the
    # purge's, a suspension's, the archive's, the reopening's): each must be allowed by one of
    # them, and each must have called.
    findings = []
    for call in calls:
        tried = [
            check(name, [call], statements, recorded.account)
            for name, statements in recorded.machines.items()
        ]
        if all(tried):
            findings.extend(tried[0])
    assert not findings, "\n".join(f.explain() for f in findings)
    invoked = " ".join(str(call.params.get("FunctionName")) for call in calls)
    for function in (
        "WaveFunction",
        "LifecycleFunction",
        "SuspensionFunction",
        "ArchiveFunction",
    ):
        assert function in invoked, f"no machine invoked {function}"


def test_stream_mappings_read_their_stream_with_the_functions_role(recorded: Recorded) -> None:
    """Lambda reads a DynamoDB stream with the mapped function's role: the poller's calls are
    checked against the statements of each function mapped to a stream."""
    calls = recorded.recorder.by(STREAM_POLLER)
    assert {c.operation for c in calls} >= {"DescribeStream", "GetShardIterator", "GetRecords"}
    mapped = {function for function, _, _ in walk_events(load_template(), "DynamoDB")}
    assert mapped == {"NoticesFunction", "StreamEventsFunction"}
    for function in mapped:
        findings = check(function, calls, recorded.functions[function], recorded.account)
        assert not findings, "\n".join(f.explain() for f in findings)


# What Lambda's poller calls on a queue, with the mapped function's role.
QUEUE_POLLER = ("ReceiveMessage", "DeleteMessage", "ChangeMessageVisibility", "GetQueueAttributes")


def test_queue_mappings_read_their_queue_with_the_functions_role(recorded: Recorded) -> None:
    """Lambda polls an SQS queue with the mapped function's role (moto delivers in-process,
    making none of these calls): each function fed by a queue may receive, delete, return and
    describe its messages, and decrypt them, on its queue alone."""
    assert {function for function, _ in recorded.queues} == {"AccountsFunction", "ExportsFunction"}
    for function, url in recorded.queues:
        calls = [
            Call(STREAM_POLLER, "sqs", "sqs", operation, {"QueueUrl": url}, REGION)
            for operation in QUEUE_POLLER
        ]
        findings = check(function, calls, recorded.functions[function], recorded.account)
        assert not findings, "\n".join(f.explain() for f in findings)
        others = [u for f, u in recorded.queues if f != function]
        elsewhere = [
            Call(STREAM_POLLER, "sqs", "sqs", "ReceiveMessage", {"QueueUrl": u}, REGION)
            for u in others
        ]
        assert check(function, elsewhere, recorded.functions[function], recorded.account), (
            f"{function} may read another function's queue"
        )


def test_a_missing_statement_is_reported_by_name(recorded: Recorded) -> None:
    """The check itself: IngestFunction's calls against its policy without StoreDocuments."""
    statements = [s for s in recorded.functions["IngestFunction"] if s.sid != "StoreDocuments"]
    calls = recorded.recorder.by("IngestFunction")

    findings = check("IngestFunction", calls, statements, recorded.account)

    [finding] = findings
    assert (finding.need.action, finding.calls[0].operation) == ("s3:PutObject", "PutObject")
    message = finding.explain()
    assert message.startswith("IngestFunction is not allowed s3:PutObject on arn:aws:s3:::")
    assert "-documentsbucket/spaces/" in message
    assert message.endswith("(no statement grants it)")
