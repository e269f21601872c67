"""The partner API through the real function on moto: a hospital system pushes a signed FHIR
DocumentReference for a patient named by INS; it lands in the patient's file and history, once
however often it is sent; a request that fails its signature gets a 401 OperationOutcome and
nothing is stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from infra.local.sample_events import api_event, api_result
from tests.partner_fakes import Partner
from tests.unit.test_fhir import pushed

BASE = "https://partenaires.espace.example.org"  # the template's PartnerBaseUrl


@pytest.fixture
def hospital(deployed):
    """A hospital system whose public key an operator registered."""
    from healthspace.adapters.partner_keys import DynamoPartnerKeys
    from healthspace.bootstrap import medical_file
    from healthspace.signatures import register_key

    files = medical_file()
    partner = Partner(key_id=f"chu-lyon-{datetime.now(UTC):%H%M%S%f}")
    register_key(
        DynamoPartnerKeys(files.store),
        files.clock,
        operator="op-1",
        partner_id="chu-lyon",
        key_id=partner.key_id,
        public_key=partner.public_key_pem,
    )
    return partner


def document_for(patient, identifier="LAB-2026-0042") -> dict:
    resource = pushed()
    resource["subject"]["identifier"]["value"] = patient.ins
    resource["masterIdentifier"]["value"] = identifier
    return resource


def send(deployed, partner, path, resource, *, nonce, tamper=None):
    body = json.dumps(resource)
    headers = partner.sign(
        "POST", f"{BASE}{path}", body.encode(), created=datetime.now(UTC), nonce=nonce
    )
    headers["Content-Type"] = "application/fhir+json"
    if tamper:
        body = tamper(body)
    event = api_event("POST", path, None, body, headers=headers, resource=path)
    return api_result(deployed[1].invoke("PartnersFunction", event))


def patient_documents(deployed, patient):
    event = api_event("GET", "/me/documents", patient.claims)
    status, _, body = api_result(deployed[1].invoke("RecordsFunction", event))
    assert status == 200
    return body["items"]


def test_a_signed_document_lands_in_the_patients_file_once(deployed, person, hospital):
    patient = person("Inès")

    status, headers, created = send(
        deployed, hospital, "/fhir/DocumentReference", document_for(patient), nonce="n" * 16
    )
    assert status == 201, created
    assert created["resourceType"] == "DocumentReference"
    assert headers["Location"].endswith(f"/fhir/DocumentReference/{created['id']}")
    [listed] = patient_documents(deployed, patient)
    assert listed["document_id"] == created["id"] and listed["category"] == "reports"

    # The partner's retry (a new signature, the same document identifier): the same document.
    status, _, again = send(
        deployed, hospital, "/fhir/DocumentReference", document_for(patient), nonce="m" * 16
    )
    assert (status, again["id"]) == (200, created["id"])
    assert len(patient_documents(deployed, patient)) == 1


def test_a_transaction_bundle_files_each_entry(deployed, person, hospital):
    patient = person("Jules")
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": document_for(patient, f"LAB-{n}"),
                "request": {"method": "POST", "url": "DocumentReference"},
            }
            for n in range(2)
        ],
    }
    status, _, answer = send(deployed, hospital, "/fhir", bundle, nonce="b" * 16)
    assert status == 200, answer
    assert answer["type"] == "transaction-response"
    assert [e["response"]["status"] for e in answer["entry"]] == ["201 Created"] * 2
    assert len(patient_documents(deployed, patient)) == 2


def test_one_bad_entry_files_nothing_of_the_bundle(deployed, person, hospital):
    patient = person("Léon")
    bad = document_for(patient, "LAB-9")
    bad["subject"] = {"reference": "Patient/1"}
    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {"resource": r, "request": {"method": "POST", "url": "DocumentReference"}}
            for r in (document_for(patient, "LAB-8"), bad)
        ],
    }
    status, _, outcome = send(deployed, hospital, "/fhir", bundle, nonce="c" * 16)
    assert status == 422 and outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["expression"] == [
        "Bundle.entry[1].resource.DocumentReference.subject.identifier"
    ]
    assert patient_documents(deployed, patient) == []


def test_a_tampered_body_is_refused_and_nothing_is_stored(deployed, person, hospital):
    patient = person("Rose")
    status, _, outcome = send(
        deployed,
        hospital,
        "/fhir/DocumentReference",
        document_for(patient),
        nonce="t" * 16,
        tamper=lambda body: body.replace("Physical", "Physics"),
    )
    assert status == 401
    assert outcome["resourceType"] == "OperationOutcome"
    assert outcome["issue"][0]["code"] == "security"
    assert patient_documents(deployed, patient) == []


def test_a_replayed_request_is_refused(deployed, person, hospital):
    patient = person("Paul")
    first = send(
        deployed, hospital, "/fhir/DocumentReference", document_for(patient), nonce="r" * 16
    )
    assert first[0] == 201
    replay = send(
        deployed, hospital, "/fhir/DocumentReference", document_for(patient), nonce="r" * 16
    )
    assert replay[0] == 401 and replay[2]["issue"][0]["code"] == "security"


def test_an_unknown_patient_is_a_404_outcome(deployed, hospital):
    from healthspace.identifiers import make_ins

    stranger = type("P", (), {"ins": make_ins("1990175999999")})()
    status, _, outcome = send(
        deployed, hospital, "/fhir/DocumentReference", document_for(stranger), nonce="u" * 16
    )
    assert status == 404 and outcome["issue"][0]["code"] == "not-found"
