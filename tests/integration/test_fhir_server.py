"""The partner API answers as a FHIR server (hl7.org/fhir/R4/http.html), through the real
function on moto: everything under /fhir is FHIR JSON, unknown types, paths and methods are
OperationOutcomes (404, 405 with Allow), bodies not declared as JSON are 415, formats we cannot
serve 406; the CapabilityStatement lists exactly what the routes serve; conditional create
follows FHIR's rules. The signature is checked before all of it."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from itertools import count
from urllib.parse import quote, urlencode

import pytest
from fhir.resources.R4B.capabilitystatement import CapabilityStatement

from healthspace.partners.fhir import INS_SYSTEM
from infra.local.partner_signer import REQUIRED
from infra.local.sample_events import api_event, api_result
from tests.integration.test_partner_api import (  # the fixture too
    BASE,
    document_for,
    patient_documents,
    professional_field,
    registered_partner,
    search,
)
from tests.integration.test_partner_api import (
    hospital as hospital,
)
from tests.integration.test_professionals_api import DOCTOR, designate
from tests.unit.test_fhir import as_our_partners_send, document_reference_examples, official

FHIR_JSON = "application/fhir+json"
_nonces = count()


def call(
    deployed,
    partner,
    method,
    path,
    body=None,
    *,
    query=None,
    headers=None,
    content_type=FHIR_JSON,
    signed=True,
    professional=None,
):
    """A request as a partner sends it: signed (a GET for `professional`), its query canonical."""
    raw = json.dumps(body) if isinstance(body, dict) else (body or "")
    url = f"{BASE}{path}" + (
        "?" + urlencode(sorted(query.items()), quote_via=quote, safe="") if query else ""
    )
    sent = dict(headers or {})
    if signed:
        extra = {"Healthspace-Professional": professional} if professional else {}
        sent.update(
            partner.sign(
                method,
                url,
                raw.encode(),
                created=datetime.now(UTC),
                nonce=f"fhir-server-{next(_nonces):06d}-nonce",
                components=(*REQUIRED, "healthspace-professional") if professional else REQUIRED,
                headers=extra,
            )
        )
    event = api_event(method, path, None, None, headers=sent, query=query, resource=path)
    if raw:
        event["body"] = raw
        content = {"Content-Type": content_type} if content_type else {}
        event["headers"] = {**event["headers"], **content}
        event["multiValueHeaders"] = {k: [v] for k, v in event["headers"].items()}
    return api_result(deployed[1].invoke("PartnersFunction", event))


def assert_outcome(answer, status, code):
    got_status, headers, body = answer
    assert got_status == status, body
    assert headers["Content-Type"] == FHIR_JSON
    assert body["resourceType"] == "OperationOutcome"
    assert body["issue"][0]["code"] == code, body


# --- unsigned, a probe learns nothing


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/fhir/metadata"),
        ("GET", "/fhir/Patient"),
        ("DELETE", "/fhir/DocumentReference/01ABC"),
        ("GET", "/fhir/no/such/thing"),
    ],
)
def test_an_unsigned_request_gets_the_same_401_on_every_path(deployed, hospital, method, path):
    assert_outcome(call(deployed, hospital, method, path, signed=False), 401, "security")


# --- what no route serves


def test_an_unsupported_resource_type_is_a_404_that_says_so(deployed, hospital):
    status, _, outcome = call(
        deployed, hospital, "GET", "/fhir/Patient", professional=professional_field(DOCTOR)
    )
    assert_outcome((status, {"Content-Type": FHIR_JSON}, outcome), 404, "not-supported")
    assert "DocumentReference" in outcome["issue"][0]["diagnostics"]


def test_a_path_that_is_no_fhir_endpoint_is_a_404(deployed, hospital):
    assert_outcome(
        call(deployed, hospital, "POST", "/fhir/_history/x/y", {"resourceType": "Bundle"}),
        404,
        "not-found",
    )


@pytest.mark.parametrize(
    ("method", "path", "allow"),
    [
        ("GET", "/fhir/DocumentReference", "POST"),  # search is POST _search: no INS in a URL
        ("GET", "/fhir/DocumentReference/_search", "POST"),
        ("PATCH", "/fhir/DocumentReference", "POST"),
        ("DELETE", "/fhir", "POST"),
        ("POST", "/fhir/metadata", "GET"),
    ],
)
def test_another_method_on_a_known_path_is_a_405_with_allow(
    deployed, hospital, method, path, allow
):
    answer = call(
        deployed,
        hospital,
        method,
        path,
        {"resourceType": "DocumentReference"},
        professional=professional_field(DOCTOR),  # a GET's signature covers it
    )
    assert_outcome(answer, 405, "not-supported")
    assert answer[1]["Allow"] == allow


# --- formats


@pytest.mark.parametrize(
    "content_type", ["application/fhir+xml", "application/xml", "text/plain", None]
)
def test_a_body_not_declared_as_fhir_json_is_a_415(deployed, person, hospital, content_type):
    patient = person("Inès")
    answer = call(
        deployed,
        hospital,
        "POST",
        "/fhir/DocumentReference",
        document_for(patient),
        content_type=content_type,
    )
    assert_outcome(answer, 415, "not-supported")
    assert patient_documents(deployed, patient) == []


def test_json_with_parameters_is_taken(deployed, person, hospital):
    patient = person("Inès")
    status, _, created = call(
        deployed,
        hospital,
        "POST",
        "/fhir/DocumentReference",
        document_for(patient),
        content_type="application/fhir+json; fhirVersion=4.0; charset=utf-8",
    )
    assert status == 201, created


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"Accept": "application/fhir+xml"}, None),
        ({"Accept": "text/html, application/xml;q=0.9"}, None),
        ({"Accept": "application/fhir+json;q=0"}, None),
        ({"Accept": "application/fhir+json; fhirVersion=3.0"}, None),
        ({}, {"_format": "xml"}),
    ],
)
def test_a_format_we_cannot_serve_is_a_406(deployed, hospital, headers, query):
    answer = call(deployed, hospital, "GET", "/fhir/metadata", headers=headers, query=query)
    assert_outcome(answer, 406, "not-supported")


@pytest.mark.parametrize(
    ("headers", "query"),
    [
        ({"Accept": "application/fhir+json"}, None),
        ({"Accept": "application/xml;q=0.9, */*;q=0.1"}, None),
        ({"Accept": "application/json"}, {"_format": "json"}),
    ],
)
def test_what_admits_fhir_json_is_served(deployed, hospital, headers, query):
    status, answer_headers, statement = call(
        deployed, hospital, "GET", "/fhir/metadata", headers=headers, query=query
    )
    assert (status, answer_headers["Content-Type"]) == (200, FHIR_JSON), statement


# --- the domain's errors, as OperationOutcome


def test_the_domains_errors_are_outcomes_with_fitting_codes(deployed, person, hospital):
    patient = person("Léa")
    first = document_for(patient, "LAB-CONFLICT")
    assert call(deployed, hospital, "POST", "/fhir/DocumentReference", first)[0] == 201

    other_content = document_for(patient, "LAB-CONFLICT")
    other_content["content"][0]["attachment"] = {
        "contentType": "text/plain",
        "data": "QXV0cmUgY29udGVudQ==",
    }
    answer = call(deployed, hospital, "POST", "/fhir/DocumentReference", other_content)
    assert_outcome(answer, 409, "conflict")
    assert answer[2]["issue"][0]["details"]["coding"][0]["code"] == "CONFLICT"

    answer = call(deployed, hospital, "POST", "/fhir/DocumentReference", "[1, 2]")
    assert_outcome(answer, 422, "invalid")

    status, _, outcome = search(
        deployed,
        hospital,
        {"patient": patient.ins, "status": "current"},
        nonce=f"st{next(_nonces)}".ljust(16, "0"),
        professional=professional_field(DOCTOR),
    )
    assert_outcome((status, {"Content-Type": FHIR_JSON}, outcome), 400, "invalid")

    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [{"request": {"method": "POST", "url": "DocumentReference"}}] * 21,
    }
    assert_outcome(call(deployed, hospital, "POST", "/fhir", bundle), 422, "too-costly")


# --- the CapabilityStatement


def _interaction_of(method: str, path: str) -> tuple[str | None, str]:
    """FHIR's URL grammar (http.html): what a route is, by its method and path alone."""
    parts = path.removeprefix("/fhir").strip("/").split("/") if path != "/fhir" else []
    if parts == ["metadata"] and method == "GET":
        return None, "capabilities"
    if not parts:
        return None, {"POST": "transaction"}[method]
    if len(parts) == 1:
        return parts[0], {"POST": "create", "GET": "search-type"}[method]
    if len(parts) == 2 and parts[1] == "_search":
        return parts[0], {"POST": "search-type"}[method]
    if len(parts) == 2 and re.fullmatch(r"\{\w+\}", parts[1]):
        return parts[0], {"GET": "read", "PUT": "update", "DELETE": "delete"}[method]
    raise AssertionError(f"a route FHIR has no name for: {method} {path}")


def test_the_capability_statement_lists_exactly_what_the_routes_serve(deployed, hospital):
    from functions.partners.app import app

    routes = {
        _interaction_of(method.upper(), path)
        for path, operations in json.loads(app.get_openapi_json_schema())["paths"].items()
        for method in operations
    }
    status, headers, statement = call(deployed, hospital, "GET", "/fhir/metadata")
    assert (status, headers["Content-Type"]) == (200, FHIR_JSON), statement
    CapabilityStatement.model_validate(statement)  # valid FHIR

    [rest] = statement["rest"]
    listed = {(None, "capabilities")} | {(None, i["code"]) for i in rest["interaction"]}
    listed |= {(r["type"], i["code"]) for r in rest["resource"] for i in r["interaction"]}
    assert listed == routes
    assert statement["fhirVersion"] == "4.0.1"
    assert statement["format"] == [FHIR_JSON, "json"]
    assert statement["implementation"]["url"] == f"{BASE}/fhir"
    [documents] = rest["resource"]
    assert documents["conditionalCreate"] is True


def test_each_search_parameter_listed_is_taken_and_no_other(deployed, person, hospital):
    patient = person("Anna")
    _, _, statement = call(deployed, hospital, "GET", "/fhir/metadata")
    [documents] = statement["rest"][0]["resource"]
    listed = {p["name"] for p in documents["searchParam"]}
    values = {"patient": patient.ins, "_id": "01ABC", "_count": "5", "_cursor": "x" * 10}
    assert listed == set(values)
    for name in listed:  # each alone with the required patient: never refused as unknown
        answer = search(
            deployed,
            hospital,
            {"patient": patient.ins, name: values[name]},
            nonce=f"sp{next(_nonces)}".ljust(16, "0"),
            professional=professional_field(DOCTOR),
        )
        assert "unsupported search parameter" not in json.dumps(answer[2]), (name, answer)
    status, _, unlisted = search(
        deployed,
        hospital,
        {"patient": patient.ins, "date": "2026"},
        nonce=f"sp{next(_nonces)}".ljust(16, "0"),
        professional=professional_field(DOCTOR),
    )
    assert_outcome((status, {"Content-Type": FHIR_JSON}, unlisted), 400, "invalid")


# --- conditional create


def test_if_none_exist_creates_once_then_answers_the_match(deployed, person, hospital):
    patient = person("Jean")
    resource = document_for(patient, "LAB-CC-1")
    resource["identifier"] = [{"system": "urn:oid:1.2.3.4", "value": "ORDER-77"}]

    status, headers, created = call(
        deployed,
        hospital,
        "POST",
        "/fhir/DocumentReference",
        resource,
        headers={"If-None-Exist": "identifier=urn:oid:1.2.3.4|ORDER-77"},
    )
    assert status == 201, created

    # Another document (its own masterIdentifier) under the same criterion: the match, 200
    second = document_for(patient, "LAB-CC-2")
    for criterion in ("identifier=urn%3Aoid%3A1.2.3.4%7CORDER-77", "identifier=ORDER-77"):
        status, headers, found = call(
            deployed,
            hospital,
            "POST",
            "/fhir/DocumentReference",
            second,
            headers={"If-None-Exist": criterion},
        )
        assert (status, found["id"]) == (200, created["id"]), found
        assert headers["Location"].endswith(created["id"])
    assert len(patient_documents(deployed, patient)) == 1

    # Another system, or no system, is not a match
    status, _, _ = call(
        deployed,
        hospital,
        "POST",
        "/fhir/DocumentReference",
        second,
        headers={"If-None-Exist": "identifier=|ORDER-77"},
    )
    assert status == 201
    assert len(patient_documents(deployed, patient)) == 2

    # Several documents known by one identifier (two reports of one order): 412, nothing filed
    both = document_for(patient, "LAB-CC-4")
    both["identifier"] = [{"system": "urn:oid:1.2.3.4", "value": "ORDER-88"}]
    assert call(deployed, hospital, "POST", "/fhir/DocumentReference", both)[0] == 201
    again = document_for(patient, "LAB-CC-5")
    again["identifier"] = [{"system": "urn:oid:1.2.3.4", "value": "ORDER-88"}]
    assert call(deployed, hospital, "POST", "/fhir/DocumentReference", again)[0] == 201
    answer = call(
        deployed,
        hospital,
        "POST",
        "/fhir/DocumentReference",
        document_for(patient, "LAB-CC-6"),
        headers={"If-None-Exist": "identifier=urn:oid:1.2.3.4|ORDER-88"},
    )
    assert_outcome(answer, 412, "multiple-matches")
    assert len(patient_documents(deployed, patient)) == 4


def test_another_partners_documents_are_never_matched(deployed, person, hospital):
    """If-None-Exist searches the partner's own documents: nothing of what others sent shows."""
    clinic = registered_partner("clinique-du-parc", "clinique-du-parc-1")
    patient = person("Zoé")
    assert (
        call(deployed, hospital, "POST", "/fhir/DocumentReference", document_for(patient))[0] == 201
    )

    status, _, created = call(
        deployed,
        clinic,
        "POST",
        "/fhir/DocumentReference",
        document_for(patient, "CLINIC-1"),
        headers={"If-None-Exist": "identifier=LAB-2026-0042"},  # the hospital's identifier
    )
    assert status == 201, created
    assert len(patient_documents(deployed, patient)) == 2


@pytest.mark.parametrize(
    "criterion", ["patient=x", "identifier=", "identifier=a&identifier=b", "identifier=a&_id=1"]
)
def test_a_criterion_we_do_not_take_is_a_400(deployed, person, hospital, criterion):
    patient = person("Noé")
    answer = call(
        deployed,
        hospital,
        "POST",
        "/fhir/DocumentReference",
        document_for(patient),
        headers={"If-None-Exist": criterion},
    )
    assert_outcome(answer, 400, "invalid")
    assert patient_documents(deployed, patient) == []


def test_a_bundle_honours_if_none_exist_and_relative_urls(deployed, person, hospital):
    patient = person("Mia")
    known = document_for(patient, "LAB-B-1")
    known["identifier"] = [{"system": "urn:oid:1.2.3.4", "value": "ORDER-9"}]
    status, _, created = call(deployed, hospital, "POST", "/fhir/DocumentReference", known)
    assert status == 201

    bundle = {
        "resourceType": "Bundle",
        "type": "transaction",
        "entry": [
            {
                "resource": document_for(patient, "LAB-B-2"),
                "request": {
                    "method": "POST",
                    "url": "/DocumentReference",
                    "ifNoneExist": "identifier=urn:oid:1.2.3.4|ORDER-9",
                },
            },
            {
                "resource": document_for(patient, "LAB-B-3"),
                "request": {"method": "POST", "url": "DocumentReference"},
            },
        ],
    }
    status, _, answer = call(deployed, hospital, "POST", "/fhir", bundle)
    assert status == 200, answer
    statuses = [e["response"]["status"] for e in answer["entry"]]
    assert statuses == ["200 OK", "201 Created"]
    assert answer["entry"][0]["response"]["location"].endswith(created["id"])
    assert len(patient_documents(deployed, patient)) == 2


# --- a read gives back what was sent


@pytest.mark.parametrize("name", document_reference_examples())
def test_a_read_gives_back_what_was_pushed(deployed, api, person, hospital, name):
    """HL7's DocumentReference examples, adapted to our rules only (the patient by INS, the
    author by RPPS, the content inline), pushed then read for the treating doctor."""
    patient = person("Inès")
    sent = as_our_partners_send(official(name))
    sent["subject"]["identifier"]["value"] = patient.ins
    status, _, created = call(deployed, hospital, "POST", "/fhir/DocumentReference", sent)
    assert status == 201, created
    designate(api, patient, DOCTOR)

    read, _, back = call(  # FHIR's read, at the URL the push's Location names
        deployed,
        hospital,
        "GET",
        f"/fhir/DocumentReference/{created['id']}",
        professional=professional_field(DOCTOR),
    )
    status, _, found = search(  # and a search by _id: the same resource
        deployed,
        hospital,
        {"patient": f"{INS_SYSTEM}|{patient.ins}", "_id": created["id"]},
        nonce=f"rt{next(_nonces)}".ljust(16, "0"),
        professional=professional_field(DOCTOR),
    )

    assert (read, status) == (200, 200), (back, found)
    assert [entry["resource"] for entry in found["entry"]] == [back]
    assert back == created  # the push answers what a read will
    for element in ("masterIdentifier", "identifier", "docStatus", "type", "date", "context"):
        assert back.get(element) == sent.get(element), element
    assert back["securityLabel"] == sent["securityLabel"]
    assert back["author"][0]["identifier"] == sent["author"][0]["identifier"]
    assert all(concept in back["category"] for concept in sent["category"])
    assert back["description"] == sent["description"]
