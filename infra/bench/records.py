"""`make bench`: what each route costs in AWS requests and how fast the local stack serves,
each measured side by side with a baseline in the same run (cold starts: infra/bench/cold_start;
the isolated stack's HTTP throughput: infra/bench/local_stack).

    python -m infra.bench [--runs 5] [--pushes 30] [--documents 200]
                          [--partners-only] [--readme README.md]

Tables (medians over --runs):
1. AWS requests per route, by service and operation, with warm caches (a second request on the
   same function instance). Targets: reads <= 2 requests, 0 KMS; no Scan anywhere.
2. Partner pushes (signed FHIR requests to PartnersFunction, docs/partners.md), under 2 minutes:
   AWS requests per request by operation and item (medians over --pushes), a retry's, a refused
   one's; the same for a file of 1 and of --documents documents side by side (the access check
   must not grow with the file); pushes per second through the handler next to a bare GetItem
   loop; `verify_request`'s CPU per request next to an Ed25519 verification alone, for bodies of
   1 KB to 1 MB. Any unexpected count (the signature's 1 GetItem + 1 PutItem, a refused request
   writing anything, a count that differs with the file's size) fails the bench (exit 1).
   --readme writes these tables into the file's bench section, between their own markers.
"""

from __future__ import annotations

import argparse
import base64
import functools
import hashlib
import itertools
import json
import logging
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

import httpx

from infra.bench.measure import (
    SECTION_END,
    SECTION_START,
    RequestCounter,
    around,
    cpu_microseconds,
    interleaved,
    median_counts,
    print_table,
)
from infra.bench.purge import purge_table
from infra.local.partner_signer import Partner
from infra.local.sample_events import api_event, api_result
from infra.local.stack import LocalStack

if TYPE_CHECKING:
    from healthspace.kernel.entity import Page
    from healthspace.partners.keys import KeyEvent, PartnerKey

PDF = b"%PDF-1.7\n" + b"1 0 obj <<>> endobj\n" * 200 + b"%%EOF\n"


# ------------------------------------------------------------------ the scenario
class Patient:
    """A patient of the running stack, with a document and a profile entry."""

    def __init__(self, stack: LocalStack, nir: str = "2900175000101") -> None:
        from healthspace.kernel.identifiers import make_ins
        from healthspace.records.model import Holder
        from healthspace.wiring.records import medical_file

        self.stack = stack
        self.ins = make_ins(nir)
        holder = Holder(given_name="Bench", family_name="Mark", birth_date=date(1990, 1, 1))
        self.space_id = medical_file().spaces.open_space(self.ins, holder).space_id
        self.claims = {"sub": "bench-subject", "custom:ins": self.ins, "given_name": "Bench"}

    def call(self, method: str, path: str, body: Any = None, **headers: str) -> Any:
        event = api_event(method, path, self.claims, body, headers or None)
        status, _, payload = api_result(self.stack.invoke("RecordsFunction", event))
        if status >= 400:
            raise RuntimeError(f"{method} {path}: {status} {payload}")
        return payload

    def upload(self) -> str:
        """The browser's way: a presigned POST to moto, whose notification runs the ingest."""
        ticket = self.call(
            "POST",
            "/me/uploads",
            {
                "filename": "bench.pdf",
                "content_type": "application/pdf",
                "size": len(PDF),
                "category": "biology",
                "title": "Bench",
                "document_date": "2026-11-02",
            },
        )
        response = httpx.post(ticket["url"], data=ticket["fields"], files={"file": PDF})
        response.raise_for_status()
        upload_id: str = ticket["upload_id"]
        status = self.call("GET", f"/me/uploads/{upload_id}")["status"]
        if status != "ACCEPTED":
            raise RuntimeError(f"upload {status}")
        return upload_id


def route_table(stack: LocalStack, counter: RequestCounter, runs: int) -> list[list[str]]:
    patient = Patient(stack)
    document_id = patient.upload()
    allergy = {"substance": "Pollen", "category": "environment"}
    entry_id = patient.call("POST", "/me/profile/allergies", allergy)["entry_id"]
    version = {"document": 1, "entry": 1}

    def patch_document() -> None:
        patient.call(
            "PATCH",
            f"/me/documents/{document_id}",
            {"title": f"Bench {version['document']}"},
            **{"If-Match": str(version["document"])},
        )
        version["document"] += 1

    def put_entry() -> None:
        patient.call(
            "PUT",
            f"/me/profile/allergies/{entry_id}",
            allergy,
            **{"If-Match": str(version["entry"])},
        )
        version["entry"] += 1

    routes: list[tuple[str, bool, Callable[[], Any]]] = [
        ("GET /me", True, lambda: patient.call("GET", "/me")),
        ("GET /me/documents", True, lambda: patient.call("GET", "/me/documents")),
        (
            "GET /me/documents/{id}",
            True,
            lambda: patient.call("GET", f"/me/documents/{document_id}"),
        ),
        (
            "GET /me/documents/{id}/content",
            False,
            lambda: patient.call("GET", f"/me/documents/{document_id}/content"),
        ),
        ("GET /me/uploads/{id}", True, lambda: patient.call("GET", f"/me/uploads/{document_id}")),
        ("GET /me/profile", True, lambda: patient.call("GET", "/me/profile")),
        ("GET /me/profile/allergies", True, lambda: patient.call("GET", "/me/profile/allergies")),
        ("GET /me/access-log", True, lambda: patient.call("GET", "/me/access-log")),
        ("PATCH /me/documents/{id}", False, patch_document),
        (
            "POST /me/profile/allergies",
            False,
            lambda: patient.call("POST", "/me/profile/allergies", allergy),
        ),
        ("PUT /me/profile/allergies/{id}", False, put_entry),
        (
            "POST /me/uploads (ticket)",
            False,
            lambda: patient.call(
                "POST",
                "/me/uploads",
                {
                    "filename": "b.pdf",
                    "content_type": "application/pdf",
                    "size": 10,
                    "category": "other",
                    "title": "b",
                    "document_date": "2026-01-01",
                },
            ),
        ),
        ("upload + ingest (S3 event)", False, patient.upload),
    ]
    rows = []
    for name, is_read, call in routes:
        call()  # warm: grants and the data key cached, as on a busy function
        samples = []
        for _ in range(runs):
            with counter.counting() as calls:
                call()
            samples.append(Counter(calls))
        counts = median_counts(samples)
        total = sum(counts.values())
        kms = sum(v for op, v in counts.items() if op.startswith("kms:"))
        scans = sum(v for op, v in counts.items() if op.endswith(":Scan"))
        verdict = ""
        if is_read:
            verdict = "ok" if total <= 2 and kms == 0 else "OVER TARGET"
        if scans:
            verdict = "SCAN!"
        by_op = ", ".join(f"{op} {v:g}" for op, v in counts.items())
        rows.append([name, f"{total:g}", f"{kms:g}", by_op, verdict or "-"])
    return rows


# ------------------------------------------------------------------ local stack throughput
# ------------------------------------------------------------------ partner pushes
RPPS = "10000000009"  # a Luhn-valid RPPS number: the professional the documents name
# Operations that change something (DynamoDB and S3): a refused push must make none.
WRITE_OPERATIONS = frozenset(
    {
        "PutItem",
        "UpdateItem",
        "DeleteItem",
        "BatchWriteItem",
        "TransactWriteItems",
        "PutObject",
        "DeleteObject",
        "DeleteObjects",
        "CopyObject",
    }
)
SIGNATURE_ITEMS = ("PARTNERKEY", "NONCE")  # what healthspace.signatures reads and writes


def document_reference(ins: str, identifier: str, content: bytes = PDF) -> dict[str, Any]:
    """A laboratory report as a partner pushes it (docs/partners.md): the patient by INS, the
    author by RPPS, the content inline."""
    from healthspace.partners.fhir import INS_SYSTEM, LOINC, RPPS_SYSTEM

    return {
        "resourceType": "DocumentReference",
        "masterIdentifier": {"system": "urn:oid:1.2.250.1.999.7.1", "value": identifier},
        "status": "current",
        "type": {"coding": [{"system": LOINC, "code": "11502-2", "display": "Laboratory report"}]},
        "subject": {"identifier": {"system": INS_SYSTEM, "value": ins}},
        "date": "2026-01-15T09:00:00+01:00",
        "author": [{"identifier": {"system": RPPS_SYSTEM, "value": RPPS}, "display": "Dr Bench"}],
        "description": "Bench report",
        "content": [
            {
                "attachment": {
                    "contentType": "application/pdf",
                    "data": base64.b64encode(content).decode(),
                    "size": len(content),
                }
            }
        ],
    }


class Hospital:
    """A hospital system of the running stack, its key registered by an operator: it signs its
    requests (infra.local.partner_signer) and PartnersFunction gets them as API Gateway hands
    them."""

    def __init__(self, stack: LocalStack, key_id: str = "bench-hospital") -> None:
        from healthspace.adapters.dynamodb.partners import DynamoPartnerKeys
        from healthspace.adapters.dynamodb.table import DynamoStore
        from healthspace.partners.keys import register_key
        from healthspace.wiring.records import medical_file

        files = medical_file()
        self.stack = stack
        self.partner = Partner(key_id=key_id)
        register_key(
            DynamoPartnerKeys(cast(DynamoStore, files.store)),
            files.clock,
            operator="op-bench",
            partner_id="chu-bench",
            key_id=key_id,
            public_key=self.partner.public_key_pem,
        )
        self.base_url = stack.shared_env["PARTNER_BASE_URL"]
        self._nonces = itertools.count()

    def event(self, path: str, resource: dict[str, Any], *, tamper: bool = False) -> dict[str, Any]:
        """The request's event, signed now with a fresh nonce; `tamper`: its body changed after
        it was signed."""
        body = json.dumps(resource)
        headers = self.partner.sign(
            "POST",
            f"{self.base_url}{path}",
            body.encode(),
            created=datetime.now(UTC),
            nonce=f"bench-nonce-{next(self._nonces):010d}",
        )
        headers["Content-Type"] = "application/fhir+json"
        if tamper:
            body = body.replace("Bench report", "Bench rep0rt")
        return api_event("POST", path, None, body, headers=headers, resource=path)

    def send(self, event: dict[str, Any], expect: int) -> Any:
        status, _, payload = api_result(self.stack.invoke("PartnersFunction", event))
        if status != expect:
            raise RuntimeError(f"partner request: {status}, expected {expect}: {payload}")
        return payload

    def push_event(self, ins: str, identifier: str, *, tamper: bool = False) -> dict[str, Any]:
        resource = document_reference(ins, identifier)
        return self.event("/fhir/DocumentReference", resource, tamper=tamper)

    def push(self, ins: str, identifier: str, expect: int = 201) -> str:
        """A signed POST /fhir/DocumentReference; the document's id."""
        document_id: str = self.send(self.push_event(ins, identifier), expect)["id"]
        return document_id

    def bundle(self, ins: str, identifiers: list[str]) -> list[str]:
        """A signed POST /fhir transaction; each entry's status."""
        entries = [
            {
                "resource": document_reference(ins, identifier),
                "request": {"method": "POST", "url": "DocumentReference"},
            }
            for identifier in identifiers
        ]
        bundle = {"resourceType": "Bundle", "type": "transaction", "entry": entries}
        answer = self.send(self.event("/fhir", bundle), 200)
        return [entry["response"]["status"] for entry in answer["entry"]]


@dataclass(frozen=True)
class Cost:
    """The AWS requests of one call, medians over samples, by operation and item kind."""

    calls: dict[str, float]
    items_read: float

    def total(self, keep: Callable[[str], bool] = lambda _: True) -> float:
        return sum(n for op, n in self.calls.items() if keep(op))

    @property
    def kms(self) -> float:
        return self.total(lambda op: op.startswith("kms:"))

    @property
    def writes(self) -> float:
        return self.total(lambda op: op.split(" ")[0].split(":")[1] in WRITE_OPERATIONS)

    @property
    def signature(self) -> float:
        return self.total(lambda op: op.partition(" ")[2].split("/")[0] in SIGNATURE_ITEMS)

    def by_operation(self) -> str:
        """DynamoDB's operations by their name only, other services' with theirs."""
        return ", ".join(f"{op.removeprefix('dynamodb:')} {n:g}" for op, n in self.calls.items())


# ------------------------------------------------------------------ notices (the table's stream)
def notices_table(stack: LocalStack, counter: RequestCounter, runs: int) -> list[list[str]]:
    """What telling the patient costs, per access-log entry, as the stream delivers them: a
    professional's first act of the day on a file (an email) and each further act that day
    (already told). Lambda's own reads of the stream are free and left out."""
    from healthspace.wiring.records import medical_file
    from infra.local.demo.people import DemoPerson
    from infra.local.demo.spaces import record_enrollment

    patient = Patient(stack, nir="2900175000202")
    person = DemoPerson("Bench", "Mark", "1990-01-01", "2900175000202")
    record_enrollment(medical_file(), person, patient.space_id, "bench.notices@example.org")
    version = patient.call("GET", "/me/care")["version"]
    doctors = [f"10100000{n:03d}" for n in range(1000) if _valid_rpps(f"10100000{n:03d}")][:runs]
    assert len(doctors) == runs, "more runs than RPPS numbers here"
    for rpps in doctors:
        patient.call(
            "PUT", f"/me/care/team/{rpps}", {"scope": "full"}, **{"If-Match": str(version)}
        )
        version += 1

    def claims(rpps: str) -> dict[str, str]:
        return {"sub": f"bench-{rpps}", "custom:rpps": rpps, "custom:profession": "10"}

    def call(method: str, path: str, rpps: str, body: Any = None) -> Any:
        event = api_event(method, path, claims(rpps), body, resource="/pro/{proxy+}")
        status, _, payload = api_result(stack.invoke("ProfessionalsFunction", event))
        if status >= 300:
            raise RuntimeError(f"{method} {path}: {status} {payload}")
        return payload

    # Each doctor names the patient by INS once, in a body: their reference to her file.
    references = {
        rpps: call("POST", "/pro/patient-references", rpps, {"ins": patient.ins})["reference"]
        for rpps in doctors
    }
    stack.deliver_streams()

    def read(rpps: str) -> None:
        call("GET", f"/pro/patients/{references[rpps]}/profile", rpps)

    further = 5
    first, repeats = [], []
    for rpps in doctors:
        read(rpps)
        with counter.counting(by_item=True) as calls:
            stack.deliver_streams()
        first.append(Counter(calls))
        for _ in range(further):
            read(rpps)
        with counter.counting(by_item=True) as calls:
            stack.deliver_streams()
        repeats.append(Counter({op: n / further for op, n in calls.items()}))
    rows = []
    for what, samples in (
        ("a professional's first act of the day (email sent)", first),
        ("each further act of theirs that day (already told)", repeats),
    ):
        costs = {
            op: n
            for op, n in median_counts(samples).items()
            if not op.startswith("dynamodbstreams")
        }
        total = sum(costs.values())
        detail = ", ".join(f"{op} {n:g}" for op, n in sorted(costs.items()) if n)
        rows.append([what, f"{total:g}", detail])
    return rows


def _valid_rpps(number: str) -> bool:
    from healthspace.kernel.errors import InvalidIdentifier
    from healthspace.kernel.identifiers import parse_rpps

    try:
        parse_rpps(number)
    except InvalidIdentifier:
        return False
    return True


def measure(counter: RequestCounter, call: Callable[[], Any], runs: int) -> Cost:
    samples, reads = [], []
    for _ in range(runs):
        with counter.counting(by_item=True) as calls:
            call()
        samples.append(Counter(calls))
        reads.append(counter.items_read)
    return Cost(median_counts(samples), statistics.median(reads))


class PartnerBench:
    """Partner pushes on the running stack: AWS requests per push, throughput, and the access
    check's cost next to the size of the patient's file. Every unexpected count is a problem:
    the bench fails on any."""

    def __init__(self, stack: LocalStack, counter: RequestCounter) -> None:
        self.stack = stack
        self.counter = counter
        self.hospital = Hospital(stack)
        self.problems: list[str] = []
        self._ids = itertools.count()

    def new_id(self) -> str:
        return f"BENCH-{next(self._ids):06d}"

    def expect(self, what: str, ok: bool, detail: str) -> str:
        if not ok:
            self.problems.append(f"{what}: {detail}")
        return "ok" if ok else "UNEXPECTED"

    # --- 1. AWS requests per push
    def requests_table(self, pushes: int, bundles: int) -> list[list[str]]:
        hospital = self.hospital
        patient = Patient(self.stack, nir="2900175000102")
        ins = patient.ins
        retried = self.new_id()
        hospital.push(ins, retried)  # warm: the function imported, the space's data key cached

        bundle_size = 5
        cases: list[tuple[str, str, int, Callable[[], Any]]] = [
            (
                "POST /fhir/DocumentReference, new document",
                "201",
                pushes,
                lambda: hospital.push(ins, self.new_id()),
            ),
            (
                "the same, retried (same masterIdentifier, new signature)",
                "200",
                pushes,
                lambda: hospital.push(ins, retried, expect=200),
            ),
            (
                f"POST /fhir, transaction of {bundle_size} new documents",
                "200",
                bundles,
                lambda: hospital.bundle(ins, [self.new_id() for _ in range(bundle_size)]),
            ),
            (
                "refused: body changed after signing",
                "401",
                pushes,
                lambda: hospital.send(hospital.push_event(ins, self.new_id(), tamper=True), 401),
            ),
        ]
        rows = []
        for name, status, runs, call in cases:
            cost = measure(self.counter, call, runs)
            rows.append(self._requests_row(name, status, cost))
        # A replay: the same request sent twice, the second counted.
        samples, reads = [], []
        for _ in range(pushes):
            event = hospital.push_event(ins, self.new_id())
            hospital.send(event, 201)
            with self.counter.counting(by_item=True) as calls:
                hospital.send(event, 401)
            samples.append(Counter(calls))
            reads.append(self.counter.items_read)
        cost = Cost(median_counts(samples), statistics.median(reads))
        rows.append(self._requests_row("refused: replayed (the same request again)", "401", cost))
        return rows

    def _requests_row(self, name: str, status: str, cost: Cost) -> list[str]:
        key_read = cost.calls.get("dynamodb:GetItem PARTNERKEY/KEY", 0)
        nonce_written = cost.calls.get("dynamodb:PutItem NONCE", 0)
        if status == "401" and name.startswith("refused: body"):
            ok = cost.total() == 1 and key_read == 1
            verdict = self.expect(name, ok and cost.writes == 0, cost.by_operation())
        elif status == "401":  # a replay: the key read, the nonce's write refused
            ok = cost.total() == 2 and key_read == 1 and nonce_written == 1
            verdict = self.expect(name, ok, cost.by_operation())
        else:
            ok = key_read == 1 and nonce_written == 1 and cost.signature == 2 and cost.kms == 0
            verdict = self.expect(name, ok, cost.by_operation())
        if any(op.split(" ")[0].endswith(":Scan") for op in cost.calls):
            verdict = self.expect(name, False, "a Scan")
        return [
            name,
            status,
            f"{cost.total():g}",
            f"{cost.signature:g}",
            f"{cost.writes:g}",
            f"{cost.kms:g}",
            f"{cost.items_read:g}",
            cost.by_operation(),
            verdict,
        ]

    # --- 2. throughput
    def throughput_table(self, runs: int, batch: int) -> tuple[list[list[str]], float]:
        """Signed pushes per second through the handler (the partner's signing not timed), next
        to a bare GetItem loop on the same moto; and a new push's median seconds."""
        import boto3

        hospital = self.hospital
        ins = Patient(self.stack, nir="2900175000103").ins
        retried = self.new_id()
        hospital.push(ins, retried)
        dynamodb = boto3.client("dynamodb")
        table = self.stack.ref("HealthSpaceTable")
        key = {"pk": {"S": "bench"}, "sk": {"S": "bench"}}
        dynamodb.put_item(TableName=table, Item=key)

        def pushes(identifier: Callable[[], str], expect: int, tamper: bool = False) -> float:
            elapsed = 0.0
            for _ in range(batch):
                event = hospital.push_event(ins, identifier(), tamper=tamper)
                started = time.perf_counter()
                hospital.send(event, expect)
                elapsed += time.perf_counter() - started
            return batch / elapsed

        def get_items() -> float:
            started = time.perf_counter()
            for _ in range(batch):
                dynamodb.get_item(TableName=table, Key=key)
            return batch / (time.perf_counter() - started)

        baseline = "bare moto GetItem loop (boto3, same moto)"
        subjects: dict[str, Callable[[], float]] = {
            "signed push, new document (handler + moto)": lambda: pushes(self.new_id, 201),
            "signed push, retried (same masterIdentifier)": lambda: pushes(lambda: retried, 200),
            "signed push, refused (body changed)": lambda: pushes(self.new_id, 401, tamper=True),
            baseline: get_items,
        }
        rates = interleaved(subjects, runs)
        base = statistics.median(rates[baseline])
        rows = []
        for name, samples in rates.items():
            rate = statistics.median(samples)
            rows.append([name, f"{rate:.1f}", f"{1000 / rate:.1f} ms", f"{rate / base:.3f}x"])
        new_push = next(iter(rates))
        return rows, 1 / statistics.median(rates[new_push])

    # --- 3. the access check against the size of the file
    def access_table(self, runs: int, documents: int) -> list[list[str]]:
        from healthspace.api.partner.documents import MAX_BUNDLE_ENTRIES

        hospital = self.hospital
        small = Patient(self.stack, nir="2900175000104")
        large = Patient(self.stack, nir="2900175000105")
        small_doc = hospital.push(small.ins, "FILE-SMALL-0")
        identifiers = [self.new_id() for _ in range(documents)]
        statuses: list[str] = []
        for start in range(0, documents, MAX_BUNDLE_ENTRIES):
            statuses += hospital.bundle(large.ins, identifiers[start : start + MAX_BUNDLE_ENTRIES])
        if statuses.count("201 Created") != documents:
            raise RuntimeError(f"the large file: {Counter(statuses)}")
        large_doc = hospital.push(large.ins, identifiers[0], expect=200)
        files = {
            "small": (small, small_doc, "FILE-SMALL-0"),
            "large": (large, large_doc, identifiers[0]),
        }

        def cases(size: str) -> list[tuple[str, Callable[[], Any]]]:
            patient, document_id, identifier = files[size]
            return [
                (
                    "GET /me/documents/{id} (the patient)",
                    lambda: patient.call("GET", f"/me/documents/{document_id}"),
                ),
                (
                    "push retried (same masterIdentifier)",
                    lambda: hospital.push(patient.ins, identifier, expect=200),
                ),
                (
                    "push refused (body changed)",
                    lambda: hospital.send(
                        hospital.push_event(patient.ins, self.new_id(), tamper=True), 401
                    ),
                ),
                # last: each adds a document (1 to 1+runs, and documents to documents+runs)
                ("push, new document", lambda: hospital.push(patient.ins, self.new_id())),
            ]

        rows = []
        for (name, small_call), (_, large_call) in zip(cases("small"), cases("large"), strict=True):
            if not name.startswith("push, new"):
                small_call()  # warm: the patient's grants and the space's key cached
                large_call()
            samples: dict[str, list[Counter[str]]] = {"small": [], "large": []}
            reads: dict[str, list[int]] = {"small": [], "large": []}
            for _ in range(runs):  # interleaved
                for size, call in (("small", small_call), ("large", large_call)):
                    with self.counter.counting(by_item=True) as calls:
                        call()
                    samples[size].append(Counter(calls))
                    reads[size].append(self.counter.items_read)
            one, many = (
                Cost(median_counts(samples[size]), statistics.median(reads[size]))
                for size in ("small", "large")
            )
            same = one == many
            self.expect(
                f"{name} grows with the file",
                same,
                f"1 document: {one.by_operation()} ({one.items_read:g} items read); "
                f"{documents} documents: {many.by_operation()} ({many.items_read:g} items read)",
            )
            rows.append(
                [
                    name,
                    f"{one.total():g} ({one.items_read:g})",
                    f"{many.total():g} ({many.items_read:g})",
                    many.by_operation(),
                    "same" if same else "DIFFERS",
                ]
            )
        return rows


# ------------------------------------------------------------------ verification CPU
class _KeyInMemory:
    """The partner's key, already read: verify_request without DynamoDB."""

    def __init__(self, key: PartnerKey) -> None:
        self.key = key

    def get_key(self, key_id: str) -> PartnerKey | None:
        return self.key if key_id == self.key.key_id else None

    def add_key(self, key: PartnerKey, event: KeyEvent) -> bool:
        return False

    def save_revoked(self, key: PartnerKey, event: KeyEvent) -> bool:
        return False

    def list_keys(self, partner_id: str, limit: int, cursor: str | None) -> Page[PartnerKey]:
        from healthspace.kernel.entity import Page

        return Page[PartnerKey](items=[self.key])

    def key_events(self, key_id: str) -> list[KeyEvent]:
        return []


class _EveryNonce:
    def record_once(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        return True


class _FixedClock:
    def __init__(self, now: datetime) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now


def body_of_size(ins: str, size: int) -> bytes:
    """A pushed DocumentReference's JSON of about `size` bytes (its inline content sized so)."""
    frame = len(json.dumps(document_reference(ins, "SIZE", b"")))
    content = b"%PDF-1.7\n" + b"x" * max(0, (size - frame - 8) * 3 // 4 - 9)
    return json.dumps(document_reference(ins, "SIZE", content)).encode()


def verification_table(
    rounds: int, batch: int, sizes: tuple[int, ...] = (1024, 100 * 1024, 1024 * 1024)
) -> tuple[list[list[str]], list[str], float]:
    """verify_request's CPU per request (the key and the nonce in memory: no I/O) for bodies of
    each size, next to an Ed25519 verification alone, the body's SHA-256 and its json.loads;
    the rows, notes, and the smallest body's verification in µs."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

    from healthspace.kernel.identifiers import make_ins
    from healthspace.partners.keys import PartnerKey
    from healthspace.partners.signatures import verify_request

    now = datetime.now(UTC).replace(microsecond=0)
    partner = Partner(key_id="bench-cpu")
    key = PartnerKey(
        key_id=partner.key_id,
        partner_id="chu-bench",
        public_key=partner.public_key_raw,
        registered_at=now,
        registered_by="op-bench",
    )
    keys, nonces, clock = _KeyInMemory(key), _EveryNonce(), _FixedClock(now)
    url = "https://partenaires.espace.example.org/fhir/DocumentReference"
    ins = make_ins("2900175000106")
    bodies = {size: body_of_size(ins, size) for size in sizes}
    signed = {
        size: partner.sign("POST", url, body, created=now, nonce="bench-cpu-nonce-0001")
        for size, body in bodies.items()
    }
    for size, body in bodies.items():  # accepted, or the figures mean nothing
        verify_request("POST", url, signed[size], body, keys=keys, nonces=nonces, clock=clock)
    # The Ed25519 check alone, on a message as long as a signature base (~300 bytes).
    base = b"x" * 300
    signature = partner.private_key.sign(base)
    public_key = Ed25519PublicKey.from_public_bytes(partner.public_key_raw)

    def verify(size: int) -> Callable[[], Any]:
        body, headers = bodies[size], signed[size]
        return lambda: verify_request(
            "POST", url, headers, body, keys=keys, nonces=nonces, clock=clock
        )

    subjects: dict[tuple[str, int], Callable[[], Any]] = {
        ("ed25519", 0): lambda: public_key.verify(signature, base)
    }
    for size, body in bodies.items():
        subjects[("verify", size)] = verify(size)
        subjects[("sha256", size)] = functools.partial(hashlib.sha256, body)
        subjects[("json", size)] = functools.partial(json.loads, body)
    times = interleaved(
        {
            name: functools.partial(cpu_microseconds, subject, batch)
            for name, subject in subjects.items()
        },
        rounds,
    )
    us = {name: statistics.median(samples) for name, samples in times.items()}
    ed25519 = us[("ed25519", 0)]
    rows = [["Ed25519 verify alone (baseline)", f"{ed25519:.0f}", "1.00x", "-", "-", "-"]]
    rest = {}
    for size, body in bodies.items():
        verify_us, sha_us = us[("verify", size)], us[("sha256", size)]
        rest[size] = verify_us - sha_us
        rows.append(
            [
                f"verify_request, body {len(body) / 1024:,.0f} KB",
                f"{verify_us:,.0f}",
                f"{verify_us / ed25519:.1f}x",
                f"{sha_us:,.0f}",
                f"{rest[size]:,.0f}",
                f"{us[('json', size)]:,.0f}",
            ]
        )
    small, big = min(sizes), max(sizes)
    megabytes = (len(bodies[big]) - len(bodies[small])) / 2**20
    slope = (us[("verify", big)] - us[("verify", small)]) / megabytes
    sha_slope = (us[("sha256", big)] - us[("sha256", small)]) / megabytes
    spread = (max(rest.values()) - min(rest.values())) / min(rest.values())
    notes = [
        f"verify_request grows by {slope:,.0f} µs per MB of body, of which the body's SHA-256 "
        f"(the Content-Digest check) {sha_slope:,.0f} µs: linear in the body through its digest.",
        f"verify_request minus the SHA-256 stays within {spread:.0%} from "
        f"{len(bodies[small]) / 1024:.0f} KB to {len(bodies[big]) / 2**20:.0f} MB "
        f"({min(rest.values()):,.0f}-{max(rest.values()):,.0f} µs): constant otherwise.",
    ]
    return rows, notes, us[("verify", small)]


# ------------------------------------------------------------------ output
PARTNERS_START, PARTNERS_END = "<!-- bench:partners:start -->", "<!-- bench:partners:end -->"


def write_partner_section(path: Path, text: str) -> None:
    """Replace the partner part of the document's bench section (between its own markers, added
    before `<!-- bench:end -->` the first time); the rest of the section is kept."""
    start, end = SECTION_START, SECTION_END
    current = path.read_text(encoding="utf-8")
    if start not in current or end not in current:
        raise SystemExit(f"{path}: no {start} ... {end} section")
    block = f"{PARTNERS_START}\n{text}\n{PARTNERS_END}"
    partners = around(current, PARTNERS_START, PARTNERS_END)
    if partners is not None:
        before, after = partners
    else:
        before, after = current.split(end, 1)
        before, after = before.rstrip("\n") + "\n\n", "\n" + end + after
    path.write_text(before + block + after, encoding="utf-8")


def partner_part(stack: LocalStack, counter: RequestCounter, args: argparse.Namespace) -> int:
    """Partner pushes: print the tables, write them into --readme; 1 on any unexpected count."""
    started = time.perf_counter()
    bench = PartnerBench(stack, counter)
    sections = []
    title = f"Partner push: AWS requests per request (warm function; median of {args.pushes})"
    table = print_table(
        title,
        [
            "request",
            "status",
            "requests",
            "signature",
            "writes",
            "KMS",
            "items read",
            "by operation (DynamoDB unless named) and item",
            "expected",
        ],
        bench.requests_table(args.pushes, args.runs),
    )
    sections.append(
        f"**AWS requests per partner request** (warm function; medians of {args.pushes}, "
        f"the transaction's of {args.runs}). *signature*: the key's read (`PARTNERKEY`) and the "
        "nonce's write (`NONCE`); *writes*: write requests (a replay's conditional PutItem "
        "fails: nothing stored); *items read*: items DynamoDB read (a Query's ScannedCount).\n\n"
        + table
    )
    title = f"Partner push: the access check against the size of the file (median of {args.runs})"
    table = print_table(
        title,
        [
            "request",
            "1 document: requests (items read)",
            f"{args.documents} documents: requests (items read)",
            f"by operation and item ({args.documents} documents)",
            "same?",
        ],
        bench.access_table(args.runs, args.documents),
    )
    sections.append(
        f"**The access check does not grow with the file**: one patient's file holds 1 document, "
        f"another's {args.documents}, measured side by side (medians of {args.runs}; the new "
        f"pushes run last, each adding a document). The bench fails if any count differs.\n\n"
        + table
    )
    rows, push_seconds = bench.throughput_table(args.runs, args.push_batch)
    table = print_table(
        f"Partner push throughput, in-process handler on moto (median of {args.runs} runs "
        f"of {args.push_batch})",
        ["what", "requests/s", "per request", "vs bare GetItem"],
        rows,
    )
    sections.append(
        "**Throughput on this machine** (the handler called in-process, moto over HTTP; the "
        f"partner's signing not timed; medians of {args.runs} runs of {args.push_batch}, "
        "interleaved with the baseline):\n\n" + table
    )
    rows, notes, verify_us = verification_table(args.verify_rounds, args.verify_batch)
    notes.append(
        f"A new push takes {push_seconds * 1000:.0f} ms of wall time here; verifying its "
        f"signature (CPU, ~1 KB body) is {verify_us / 1e6 / push_seconds:.0%} of it."
    )
    table = print_table(
        "Signature verification: CPU per request, keys and nonces in memory "
        f"(median of {args.verify_rounds} rounds of {args.verify_batch})",
        [
            "what",
            "CPU µs",
            "vs Ed25519 alone",
            "SHA-256 of body µs",
            "verify - SHA-256 µs",
            "json.loads of body µs",
        ],
        rows,
    )
    print("\n" + "\n".join(f"- {note}" for note in notes))
    sections.append(
        "**Signature verification alone**: `verify_request` with the key and nonce store in "
        "memory (no I/O), this thread's CPU time per request, next to an Ed25519 verification "
        f"alone (medians of {args.verify_rounds} rounds of {args.verify_batch}, interleaved):\n\n"
        + table
        + "\n\n"
        + "\n".join(f"- {note}" for note in notes)
    )
    elapsed = time.perf_counter() - started
    print(f"\n(partner pushes: {elapsed:.0f} s)")
    if args.readme:
        command = " ".join([PROG, *sys.argv[1:]])
        header = (
            f"### Partner pushes\n\n`{command}` on {datetime.now(UTC):%Y-%m-%d} "
            f"({os.cpu_count()} CPUs, shared; Python {sys.version.split()[0]}; moto in-process). "
            "Counts are exact; times are this machine's, for the ratios."
        )
        write_partner_section(args.readme, "\n\n".join([header, *sections]))
    if bench.problems:
        print("\nPARTNER BENCH FAILED:", file=sys.stderr)
        for problem in bench.problems:
            print(f"- {problem}", file=sys.stderr)
        return 1
    return 0


# How it is run: its usage line, and the command its report names.
PROG = "python -m infra.bench"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=PROG, description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--pushes", type=int, default=30, help="samples per partner request")
    parser.add_argument("--documents", type=int, default=200, help="documents in the large file")
    parser.add_argument("--push-batch", type=int, default=10, help="pushes per throughput run")
    parser.add_argument("--verify-rounds", type=int, default=21)
    parser.add_argument("--verify-batch", type=int, default=10)
    parser.add_argument("--partners-only", action="store_true", help="only the partner tables")
    parser.add_argument(
        "--readme", type=Path, help="write the partner tables into this file's bench section"
    )
    args = parser.parse_args(argv)
    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto server's request lines
    counter = RequestCounter()
    # Streams delivered by the bench itself, in its thread: a request's count is its own, and
    # the notices' cost is measured apart (notices_table). The handlers in this process: the
    # counter sees the AWS calls of this process only. (The isolated stack's throughput:
    # infra/bench/local_stack.py.)
    with LocalStack(port=0, stream_poll_seconds=None, in_process=True) as stack:
        assert stack.registry is not None
        if not args.partners_only:
            print_table(
                "AWS requests per route (warm function; median of runs)",
                ["route", "requests", "KMS", "by operation", "read target"],
                route_table(stack, counter, args.runs),
            )
            print_table(
                "Notices: AWS requests per access-log entry (NoticesFunction; median of runs)",
                ["entry", "requests", "by operation and item"],
                notices_table(stack, counter, args.runs),
            )
            print_table(
                "Purge at term: AWS requests per space purged, and throughput (median of runs)",
                ["purge", "requests", "by operation"],
                purge_table(stack, counter, args.runs),
            )
        status = partner_part(stack, counter, args)
    return status


if __name__ == "__main__":
    sys.exit(main())
