"""The partner API through the real function on moto: a hospital system pushes a signed FHIR
DocumentReference for a patient named by INS; it lands in the patient's file and history, once
however often it is sent; a request that fails its signature gets a 401 OperationOutcome and
nothing is stored."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from urllib.parse import parse_qsl, quote, urlencode, urlsplit

import pytest

from healthspace.partners.fhir import INS_SYSTEM
from infra.local.partner_signer import REQUIRED
from infra.local.sample_events import api_event, api_result
from tests.integration.test_professionals_api import DOCTOR, STRANGER, designate
from tests.partner_fakes import Partner
from tests.unit.test_fhir import pushed

BASE = "https://partenaires.espace.example.org"  # the template's PartnerBaseUrl


def registered_partner(partner_id: str, key_id: str, operator: str = "op-1") -> Partner:
    """A partner system whose public key an operator registered (on the deployed table)."""
    from healthspace.adapters.dynamodb.partners import DynamoPartnerKeys
    from healthspace.partners.keys import register_key
    from healthspace.wiring.records import medical_file

    files = medical_file()
    partner = Partner(key_id=key_id)
    register_key(
        DynamoPartnerKeys(files.store),
        files.clock,
        operator=operator,
        partner_id=partner_id,
        key_id=partner.key_id,
        public_key=partner.public_key_pem,
    )
    return partner


@pytest.fixture
def hospital(deployed):
    """A hospital system whose public key an operator registered."""
    return registered_partner("chu-lyon", f"chu-lyon-{datetime.now(UTC):%H%M%S%f}")


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


@pytest.mark.parametrize(
    ("start", "status"),
    [("2025-03-05", 201), ("2025-03-05T10:00:00+01:00", 201), ("2025-03", 422), ("2025", 422)],
)
def test_a_document_dated_by_its_period_files_at_day_precision_only(
    deployed, person, hospital, start, status
):
    """No `date`: the period's start dates the document. FHIR allows it at month or year
    precision; a document's date is a day, so those are refused by name, never a 500."""
    patient = person("Ines")
    resource = document_for(patient, f"PERIOD-{start}")
    del resource["date"]
    resource["context"] = {"period": {"start": start}}
    nonce = ("p" + start.replace(":", "").replace("+", "").replace("-", "") + "x" * 16)[:32]
    answer_status, _, answer = send(
        deployed, hospital, "/fhir/DocumentReference", resource, nonce=nonce
    )
    assert answer_status == status, answer
    if status == 422:
        assert answer["issue"][0]["expression"] == ["DocumentReference.context.period.start"]
        assert patient_documents(deployed, patient) == []
    else:
        [filed] = patient_documents(deployed, patient)
        assert filed["document_date"] == "2025-03-05"


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
    from healthspace.kernel.identifiers import make_ins

    stranger = type("P", (), {"ins": make_ins("1990175999999")})()
    status, _, outcome = send(
        deployed, hospital, "/fhir/DocumentReference", document_for(stranger), nonce="u" * 16
    )
    assert status == 404 and outcome["issue"][0]["code"] == "not-found"


# --- reads on behalf of a professional (the care rules of docs/professionals.md)

SEARCH = "/fhir/DocumentReference"
SEARCH_POST = "/fhir/DocumentReference/_search"
FORM = "application/x-www-form-urlencoded"


def professional_field(number, profession="10", name="Claire Dubois"):
    return f'"{number}";profession="{profession}";name="{name}"'


def search(deployed, partner, form, *, nonce, professional, cover=True, url=None, headers=None):
    """A signed POST search for `professional`: the parameters in a form-encoded body (its
    Content-Digest signed), or a `next` link's `url` (its paging in the query) posted with it."""
    url = url or f"{BASE}{SEARCH_POST}"
    query = dict(parse_qsl(urlsplit(url).query)) or None
    body = urlencode(sorted(form.items()), quote_via=quote, safe="")
    components = (*REQUIRED, "healthspace-professional") if cover else REQUIRED
    signed = partner.sign(
        "POST",
        url,
        body.encode(),
        created=datetime.now(UTC),
        nonce=nonce,
        components=components,
        headers={"Healthspace-Professional": professional, **(headers or {})},
    )
    event = api_event(
        "POST", SEARCH_POST, None, body, headers=signed, query=query, resource=SEARCH_POST
    )
    event["headers"]["Content-Type"] = FORM
    event["multiValueHeaders"]["Content-Type"] = [FORM]
    return api_result(deployed[1].invoke("PartnersFunction", event))


def for_patient(patient):
    return {"patient": f"{INS_SYSTEM}|{patient.ins}"}


def test_the_treating_doctor_reads_what_the_hospital_pushed(deployed, api, person, hospital):
    patient = person("Inès")
    pushed_ids = [
        send(deployed, hospital, SEARCH, document_for(patient, f"LAB-{n}"), nonce=f"p{n}" * 8)[2][
            "id"
        ]
        for n in range(2)
    ]
    designate(api, patient, DOCTOR)
    doctor = professional_field(DOCTOR)

    # The search, one per page (POST, the patient in the body): the next link carries only
    # the paging, canonical, signed as is
    status, _, bundle = search(
        deployed,
        hospital,
        {**for_patient(patient), "_count": "1"},
        nonce="s" * 16,
        professional=doctor,
    )
    assert status == 200, bundle
    assert (bundle["resourceType"], bundle["type"]) == ("Bundle", "searchset")
    assert "total" not in bundle
    [first] = bundle["entry"]
    [next_url] = [link["url"] for link in bundle["link"] if link["relation"] == "next"]
    assert next_url.startswith(f"{BASE}{SEARCH_POST}?_count=1&_cursor=")
    assert patient.ins not in next_url
    status, _, page_two = search(
        deployed,
        hospital,
        for_patient(patient),
        nonce="t" * 16,
        professional=doctor,
        url=next_url,
    )
    assert status == 200, page_two
    [second] = page_two["entry"]
    found = [e["resource"]["id"] for e in (first, second)]
    assert sorted(found) == sorted(pushed_ids)
    assert first["resource"]["subject"]["identifier"] == {
        "system": INS_SYSTEM,
        "value": patient.ins,
    }

    # The read: a search by _id (and the patient, in the body)
    status, _, one = search(
        deployed,
        hospital,
        {**for_patient(patient), "_id": found[0]},
        nonce="u" * 16,
        professional=doctor,
    )
    assert status == 200, one
    [document] = [entry["resource"] for entry in one["entry"]]
    assert (document["resourceType"], document["id"]) == ("DocumentReference", found[0])

    # The patient's history: the professional read, through their hospital's system
    log = api("GET", "/me/access-log", patient)[2]["items"]
    reads = [
        (e["action"], e["object"]["type"], e["role"], e["actor"]["display_name"], e["via"])
        for e in log
        if e["actor"]["id"] == f"rpps:{DOCTOR}" and e["action"] == "READ"
    ]
    assert reads == [
        ("READ", "document", "PROFESSIONAL", "Claire Dubois", "chu-lyon"),
        ("READ", "document-list", "PROFESSIONAL", "Claire Dubois", "chu-lyon"),
        ("READ", "document-list", "PROFESSIONAL", "Claire Dubois", "chu-lyon"),
    ]
    # and the documents it filed, each named with the system that sent it
    filed = [e["via"] for e in log if e["action"] == "CREATE" and e["object"]["type"] == "document"]
    assert filed == ["chu-lyon"] * len(pushed_ids)


def test_a_professional_with_no_relationship_is_refused(deployed, person, hospital):
    patient = person("Jules")
    send(deployed, hospital, SEARCH, document_for(patient), nonce="q" * 16)

    status, _, outcome = search(
        deployed,
        hospital,
        for_patient(patient),
        nonce="v" * 16,
        professional=professional_field(STRANGER),
    )

    assert status == 403 and outcome["resourceType"] == "OperationOutcome"
    [issue] = outcome["issue"]
    assert issue["code"] == "forbidden"
    assert issue["details"]["coding"][0]["code"] == "NO_RELATIONSHIP"


def test_a_document_of_another_patient_is_not_found(deployed, api, person, hospital):
    patient, other = person("Léon"), person("Rose")
    elsewhere = send(deployed, hospital, SEARCH, document_for(other), nonce="w" * 16)[2]["id"]
    designate(api, patient, DOCTOR)

    status, _, bundle = search(
        deployed,
        hospital,
        {**for_patient(patient), "_id": elsewhere},
        nonce="x" * 16,
        professional=professional_field(DOCTOR),
    )

    assert (status, bundle["type"], bundle["entry"]) == (200, "searchset", [])


def test_a_professional_the_signature_does_not_cover_is_refused(deployed, api, person, hospital):
    patient = person("Paul")
    designate(api, patient, DOCTOR)

    status, _, outcome = search(
        deployed,
        hospital,
        for_patient(patient),
        nonce="y" * 16,
        professional=professional_field(DOCTOR),
        cover=False,
    )

    assert (status, outcome["issue"][0]["code"]) == (401, "security")
    assert api("GET", "/me/access-log", patient)[2]["items"][0]["actor"]["kind"] == "PATIENT"


def test_break_glass_is_not_offered_to_partners(deployed, person, hospital):
    patient = person("Anna")
    status, _, outcome = search(
        deployed,
        hospital,
        for_patient(patient),
        nonce="z" * 16,
        professional=professional_field(STRANGER),
        headers={"X-Emergency-Reason": "unconscious"},
    )

    assert (status, outcome["issue"][0]["code"]) == (400, "invalid")


def test_no_ins_in_a_url_get_search_is_gone_and_the_url_takes_no_patient(
    deployed, api, person, hospital
):
    patient = person("Hugo")
    designate(api, patient, DOCTOR)
    doctor = professional_field(DOCTOR)
    # The patient in the search URL's query is refused, even signed
    url = f"{BASE}{SEARCH_POST}?" + urlencode(for_patient(patient), quote_via=quote, safe="")
    status, _, outcome = search(
        deployed, hospital, {}, nonce="n" * 16, professional=doctor, url=url
    )
    assert (status, outcome["issue"][0]["code"]) == (400, "invalid")
    assert "body" in outcome["issue"][0]["diagnostics"]
    # A search body that is not a form is a 415
    signed = hospital.sign(
        "POST",
        f"{BASE}{SEARCH_POST}",
        b"{}",
        created=datetime.now(UTC),
        nonce="m" * 16,
        components=(*REQUIRED, "healthspace-professional"),
        headers={"Healthspace-Professional": doctor},
    )
    event = api_event("POST", SEARCH_POST, None, "{}", headers=signed, resource=SEARCH_POST)
    assert api_result(deployed[1].invoke("PartnersFunction", event))[0] == 415
    # GET search is no route: it says where searching went
    signed = hospital.sign(
        "GET",
        f"{BASE}{SEARCH}",
        b"",
        created=datetime.now(UTC),
        nonce="k" * 16,
        components=(*REQUIRED, "healthspace-professional"),
        headers={"Healthspace-Professional": doctor},
    )
    event = api_event("GET", SEARCH, None, None, headers=signed, resource=SEARCH)
    status, headers, outcome = api_result(deployed[1].invoke("PartnersFunction", event))
    assert (status, headers["Allow"]) == (405, "POST")
    assert "_search" in outcome["issue"][0]["diagnostics"]


# --- FHIR's read: the document by the URL its push answered (Location, fullUrl)


def read(deployed, partner, path, *, nonce, professional, query=None):
    """A signed GET for `professional` (the signature covers the field naming them)."""
    url = f"{BASE}{path}" + ("?" + urlencode(sorted(query.items())) if query else "")
    signed = partner.sign(
        "GET",
        url,
        b"",
        created=datetime.now(UTC),
        nonce=nonce,
        components=(*REQUIRED, "healthspace-professional"),
        headers={"Healthspace-Professional": professional},
    )
    event = api_event("GET", path, None, None, headers=signed, query=query, resource=path)
    return api_result(deployed[1].invoke("PartnersFunction", event))


def test_the_location_a_push_answers_reads_the_document(deployed, api, person, hospital):
    patient = person("Inès")
    status, headers, created = send(
        deployed, hospital, SEARCH, document_for(patient), nonce="l" * 16
    )
    assert status == 201, created
    designate(api, patient, DOCTOR)
    location = urlsplit(headers["Location"])
    assert f"{location.scheme}://{location.netloc}" == BASE and patient.ins not in location.path

    status, headers, back = read(
        deployed, hospital, location.path, nonce="r" * 16, professional=professional_field(DOCTOR)
    )

    assert status == 200, back
    assert back == created
    assert back["subject"]["identifier"] == {"system": INS_SYSTEM, "value": patient.ins}
    assert headers["ETag"] == 'W/"1"'
    # The patient sees the read, made by the doctor through the hospital's system
    [last, *_] = api("GET", "/me/access-log", patient)[2]["items"]
    assert (last["action"], last["object"]["type"], last["object"]["id"]) == (
        "READ",
        "document",
        created["id"],
    )
    assert (last["actor"]["id"], last["role"], last["via"]) == (
        f"rpps:{DOCTOR}",
        "PROFESSIONAL",
        "chu-lyon",
    )


def test_a_read_the_care_rules_refuse_is_the_404_of_an_unknown_id(deployed, api, person, hospital):
    """No relationship, another patient's document, no such id: one answer, so a read tells
    nobody which ids exist, nor whose they are."""
    patient, other = person("Jules"), person("Rose")
    mine = send(deployed, hospital, SEARCH, document_for(patient, "A-1"), nonce="a1" * 8)[2]
    theirs = send(deployed, hospital, SEARCH, document_for(other, "B-1"), nonce="b1" * 8)[2]
    designate(api, patient, DOCTOR)
    doctor, stranger = professional_field(DOCTOR), professional_field(STRANGER)

    attempts = [
        (stranger, mine["id"]),  # no care relationship
        (doctor, theirs["id"]),  # the doctor treats Jules, not Rose
        (doctor, "01UNKNOWNDOCUMENT"),  # no such document
        (doctor, "no-such.id"),  # a FHIR id, not one of ours
    ]
    answers = [
        read(
            deployed,
            hospital,
            f"{SEARCH}/{document_id}",
            nonce=f"z{n}".ljust(16, "0"),
            professional=who,
        )
        for n, (who, document_id) in enumerate(attempts)
    ]

    assert [status for status, _, _ in answers] == [404] * len(attempts)
    assert len({json.dumps(outcome) for _, _, outcome in answers}) == 1
    assert answers[0][2]["issue"][0]["code"] == "not-found"
    mine_read = read(
        deployed, hospital, f"{SEARCH}/{mine['id']}", nonce="ok" * 8, professional=doctor
    )
    assert mine_read[0] == 200


def test_a_deleted_document_no_longer_says_where_it_was(api, person, s3):
    from healthspace.wiring.records import medical_file
    from tests.integration.test_records_api import upload_pdf

    alice = person("Alice")
    document_id = upload_pdf(api, alice, s3)
    store = medical_file().store
    assert store.space_of_document(document_id) == alice.space_id

    assert api("DELETE", f"/me/documents/{document_id}", alice)[0] == 204

    assert store.space_of_document(document_id) is None


def test_a_read_takes_no_parameter_and_no_patient(deployed, api, person, hospital):
    patient = person("Hugo")
    created = send(deployed, hospital, SEARCH, document_for(patient), nonce="h" * 16)[2]
    designate(api, patient, DOCTOR)

    status, _, outcome = read(
        deployed,
        hospital,
        f"{SEARCH}/{created['id']}",
        nonce="p" * 16,
        professional=professional_field(DOCTOR),
        query=for_patient(patient),
    )

    assert (status, outcome["issue"][0]["code"]) == (400, "invalid")
    assert "patient" in outcome["issue"][0]["diagnostics"]
