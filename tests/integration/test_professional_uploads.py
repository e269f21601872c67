"""Professionals deposit documents through the professionals' API (presigned POST, then the
quarantine's notification runs the ingest), against moto: the care rules checked before the
ticket, the professional as author in the patient's file and history, holds and a minor's
secrets kept from the patient's side, and an upload's status for its uploader only."""

import itertools
import os
from datetime import date

import boto3
import pytest

from healthspace.kernel.identifiers import make_ins
from healthspace.records.model import Holder, Role
from tests.integration.conftest import Person
from tests.integration.test_professionals_api import claims, designate, refer
from tests.integration.test_professionals_api import pro as pro  # the fixture
from tests.integration.test_records_api import PDF
from tests.unit.test_care_access import rpps

DOCTOR, COLLEAGUE, DENTIST = rpps(71), rpps(72), rpps(73)
_children = itertools.count(1)


def ticket_request(category="reports", **flags):
    return {
        "filename": "compte-rendu.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "category": category,
        "title": "Compte rendu",
        "document_date": "2026-11-20",
        **flags,
    }


def deposit(pro, s3, patient, who, **request):
    """The professional's browser: ask for a ticket, post the file; S3 notifies the ingest."""
    status, _, ticket = pro("POST", f"{refer(pro, patient, who)}/uploads", who, body=request)
    assert status == 201, ticket
    s3.put_object(Bucket=os.environ["QUARANTINE_BUCKET"], Key=ticket["fields"]["key"], Body=PDF)
    return ticket["upload_id"]


def seen_by_patient(api, who, space=None):
    headers = {"X-Space-Id": space} if space else None
    status, _, page = api("GET", "/me/documents", who, headers=headers)
    assert status == 200, page
    return {d["document_id"]: d for d in page["items"]}


def stored_documents(s3, stack_env):
    listed = s3.list_objects_v2(Bucket=stack_env["DOCUMENTS_BUCKET"])
    return [o["Key"] for o in listed.get("Contents", [])]


def upload_records(patient, stack_env):
    """The upload items of the patient's space, straight from the table."""
    found = boto3.client("dynamodb").query(
        TableName=stack_env["TABLE_NAME"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :upload)",
        ExpressionAttributeValues={
            ":pk": {"S": f"SPACE#{patient.space_id}"},
            ":upload": {"S": "UPLOAD#"},
        },
    )
    return found["Items"]


@pytest.fixture
def child(person):
    """Léa, eight, represented by her mother Alice; she has no login of her own."""

    def make(parent):
        from healthspace.wiring.records import medical_file

        n = next(_children)
        ins = make_ins(f"2180675{n:06d}")
        holder = Holder(given_name="Léa", family_name="Martin", birth_date=date(2018, 6, 1))
        space = medical_file().spaces.open_space(
            ins, holder, {parent.ins: Role.LEGAL_REPRESENTATIVE}
        )
        return Person(f"sub-child-{n}", ins, "Léa", space.space_id)

    return make


def test_a_doctors_deposit_reaches_the_patient_with_him_as_author(api, person, s3, pro):
    """Given Alice's treating doctor, when he uploads a report, then his upload is accepted,
    Alice sees the report authored by him, and her history says he filed it."""
    alice = person("Alice")
    designate(api, alice, DOCTOR)

    upload_id = deposit(pro, s3, alice, claims(DOCTOR), **ticket_request())

    base = refer(pro, alice, claims(DOCTOR))
    status, _, upload = pro("GET", f"{base}/uploads/{upload_id}", claims(DOCTOR))
    assert (status, upload["status"], upload["document_id"]) == (200, "ACCEPTED", upload_id)
    document = seen_by_patient(api, alice)[upload_id]
    assert document["author"] == {
        "kind": "PROFESSIONAL",
        "id": f"rpps:{DOCTOR}",
        "display_name": "Claire Dubois",
    }
    log = api("GET", "/me/access-log", alice)[2]["items"]
    [filed] = [e for e in log if e["object"].get("id") == upload_id]
    assert filed["object"] == {"type": "document", "id": upload_id, "title": document["title"]}
    assert (filed["action"], filed["actor"]["id"], filed["role"], filed["emergency_reason"]) == (
        "CREATE",
        f"rpps:{DOCTOR}",
        "PROFESSIONAL",
        None,
    )


def test_a_held_deposit_is_invisible_to_the_patient_until_released(api, person, s3, pro):
    """Given a doctor's report held for the announcement consultation, then Alice does not see
    it; once he releases it, she does."""
    alice = person("Alice")
    designate(api, alice, DOCTOR)

    upload_id = deposit(
        pro, s3, alice, claims(DOCTOR), **ticket_request(hold_for_announcement=True)
    )

    assert upload_id not in seen_by_patient(api, alice)
    assert api("GET", f"/me/documents/{upload_id}", alice)[0] == 404
    base = f"{refer(pro, alice, claims(DOCTOR))}/documents/{upload_id}"
    assert pro("GET", base, claims(DOCTOR))[2]["hold"]["released_at"] is None
    assert pro("POST", f"{base}/release", claims(DOCTOR))[0] == 200
    assert upload_id in seen_by_patient(api, alice)


def test_a_confidential_deposit_on_a_minors_file_is_hidden_from_the_parent(
    api, person, child, s3, pro
):
    """Given Léa's treating doctor, designated by her mother, when he deposits a document
    confidential from her representatives, then her mother does not see it, he does."""
    alice = person("Alice")
    lea = child(alice)
    care = api(
        "PUT",
        "/me/care/treating-doctor",
        alice,
        body={"rpps": DOCTOR},
        headers={"If-Match": "0", "X-Space-Id": lea.space_id},
    )
    assert care[0] == 200, care

    upload_id = deposit(
        pro, s3, lea, claims(DOCTOR), **ticket_request(confidential_from_representatives=True)
    )

    assert upload_id not in seen_by_patient(api, alice, space=lea.space_id)
    status, _, document = pro(
        "GET", f"{refer(pro, lea, claims(DOCTOR))}/documents/{upload_id}", claims(DOCTOR)
    )
    assert (status, document["confidential_from_representatives"]) == (200, True)


def test_confidentiality_on_an_adults_file_is_bad_input(api, person, pro):
    alice = person("Alice")
    designate(api, alice, DOCTOR)
    request = ticket_request(confidential_from_representatives=True)
    status, _, body = pro(
        "POST", f"{refer(pro, alice, claims(DOCTOR))}/uploads", claims(DOCTOR), body=request
    )
    assert (status, body["code"]) == (400, "BAD_REQUEST")


def test_a_dentist_writing_outside_his_row_is_refused_and_nothing_is_stored(
    api, person, s3, pro, stack_env
):
    """Given a dentist with full rights on Alice's file, when he asks to upload a biology
    result (not in the dentist's write row), then it is a 403 and no ticket, upload or document
    exists; a report (in his row) is accepted."""
    alice = person("Alice")
    grant = {"scope": "full"}
    assert (
        api("PUT", f"/me/care/team/{DENTIST}", alice, body=grant, headers={"If-Match": "0"})[0]
        == 200
    )
    dentist = claims(DENTIST, "40")
    before = stored_documents(s3, stack_env)

    status, _, body = pro(
        "POST", f"{refer(pro, alice, dentist)}/uploads", dentist, body=ticket_request("biology")
    )

    assert (status, body["code"]) == (403, "FORBIDDEN")
    assert "url" not in body
    assert upload_records(alice, stack_env) == []
    assert stored_documents(s3, stack_env) == before
    assert seen_by_patient(api, alice) == {}
    assert deposit(pro, s3, alice, dentist, **ticket_request("reports")) in seen_by_patient(
        api, alice
    )


def test_break_glass_deposits_nothing(api, person, pro, stack_env):
    """Given a doctor without a relationship, then an upload under break-glass is refused,
    whether he states the emergency (400: it only reads) or not (403)."""
    alice = person("Alice")
    reason = {"X-Emergency-Reason": "unconscious"}
    path = f"{refer(pro, alice, claims(DOCTOR), headers=reason)}/uploads"

    status, _, body = pro("POST", path, claims(DOCTOR), body=ticket_request(), headers=reason)
    assert (status, body["code"]) == (400, "BAD_REQUEST")
    status, _, body = pro("POST", path, claims(DOCTOR), body=ticket_request())
    assert (status, body["code"]) == (403, "NO_RELATIONSHIP")
    assert upload_records(alice, stack_env) == []


def test_an_upload_status_is_for_its_uploader_only(api, person, s3, pro):
    """Given the doctor's upload on Alice's file, then a colleague with full rights finds no
    such upload, nor does the doctor through another patient's file."""
    alice, bob = person("Alice"), person("Bob")
    designate(api, alice, DOCTOR)
    designate(api, bob, DOCTOR)
    grant = {"scope": "full"}
    assert (
        api("PUT", f"/me/care/team/{COLLEAGUE}", alice, body=grant, headers={"If-Match": "1"})[0]
        == 200
    )
    upload_id = deposit(pro, s3, alice, claims(DOCTOR), **ticket_request())

    path = f"{refer(pro, alice, claims(DOCTOR))}/uploads/{upload_id}"
    assert pro("GET", path, claims(DOCTOR))[0] == 200
    colleagues = f"{refer(pro, alice, claims(COLLEAGUE))}/uploads/{upload_id}"
    status, _, body = pro("GET", colleagues, claims(COLLEAGUE))
    assert (status, body["code"]) == (404, "NOT_FOUND")
    other = f"{refer(pro, bob, claims(DOCTOR))}/uploads/{upload_id}"
    assert pro("GET", other, claims(DOCTOR))[0] == 404
    assert api("GET", f"/me/uploads/{upload_id}", alice)[0] == 404  # the doctor's, not hers


def test_a_confidential_profile_entry_on_a_minors_file_is_hidden_from_the_parent(
    api, person, child, pro
):
    """The same secret for a profile entry: the query flag on the professional's POST."""
    alice = person("Alice")
    lea = child(alice)
    mother_on_lea = {"X-Space-Id": lea.space_id}
    designated = api(
        "PUT",
        "/me/care/treating-doctor",
        alice,
        body={"rpps": DOCTOR},
        headers={"If-Match": "0", **mother_on_lea},
    )
    assert designated[0] == 200, designated
    pill = {"medication": "Contraception orale", "dosage": "1/j", "start_date": "2026-11-01"}

    status, _, entry = pro(
        "POST",
        f"{refer(pro, lea, claims(DOCTOR))}/profile/treatments",
        claims(DOCTOR),
        body=pill,
        query={"confidential_from_representatives": "true"},
    )

    assert (status, entry["confidential_from_representatives"]) == (201, True), entry
    section = api("GET", "/me/profile/treatments", alice, headers=mother_on_lea)[2]
    assert entry["entry_id"] not in str(section)
    history = api("GET", "/me/access-log", alice, headers=mother_on_lea)[2]["items"]
    assert entry["entry_id"] not in str(history)
    read = pro("GET", f"{refer(pro, lea, claims(DOCTOR))}/profile", claims(DOCTOR))[2]
    assert entry["entry_id"] in str(read)
