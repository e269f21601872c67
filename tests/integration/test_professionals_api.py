"""The professionals' API (issue 4) through its function, on API Gateway events carrying the
professionals' pool claims, against moto: the patient designates, the professional reads and
adds; refusals; break-glass and what the patient's access history shows."""

import json
import re
from urllib.parse import quote

import pytest

from healthspace.kernel.identifiers import make_ins
from infra.local.sample_events import api_event, api_result
from tests.integration.test_records_api import PDF, presigned_key, upload_pdf
from tests.samples import SPACE_SAMPLES
from tests.unit.test_care_access import rpps

DOCTOR, NURSE, STRANGER = rpps(41), rpps(42), rpps(43)
ALLERGY = {"substance": "Arachide", "category": "food", "criticality": "high"}


def claims(number, profession="10"):
    return {
        "sub": f"pro-{number}",
        "custom:rpps": number,
        "custom:profession": profession,
        "given_name": "Claire",
        "family_name": "Dubois",
        "token_use": "id",
    }


@pytest.fixture
def pro(deployed):
    """Calls the professionals' function as API Gateway's proxy integration would."""
    registry = deployed[1]

    def call(method, path, who, body=None, headers=None, query=None):
        event = api_event(method, path, who, body, headers, query, resource="/pro/{proxy+}")
        return api_result(registry.invoke("ProfessionalsFunction", event))

    return call


def refer(pro, patient, who, headers=None):
    """The base path of the patient's file for this professional: the INS resolved once, in a
    body, into their reference."""
    body = {"ins": patient.ins}
    status, _, answer = pro("POST", "/pro/patient-references", who, body=body, headers=headers)
    assert status == 201, answer
    return f"/pro/patients/{answer['reference']}"


def designate(api, patient, number):
    status, _, care = api(
        "PUT", "/me/care/treating-doctor", patient, body={"rpps": number}, headers={"If-Match": "0"}
    )
    assert status == 200, care


def test_the_treating_doctor_reads_and_adds_and_the_patient_sees_it(
    api, person, s3, pro, stack_env
):
    alice = person("Alice")
    document_id = upload_pdf(api, alice, s3)
    designate(api, alice, DOCTOR)
    doctor = claims(DOCTOR)
    base = refer(pro, alice, doctor)
    assert alice.ins not in base

    status, _, page = pro("GET", f"{base}/documents", doctor)
    assert status == 200, page
    assert [d["document_id"] for d in page["items"]] == [document_id]
    status, _, document = pro("GET", f"{base}/documents/{document_id}", doctor)
    assert (status, document["title"]) == (200, "Bilan sanguin")
    status, _, link = pro("GET", f"{base}/documents/{document_id}/content", doctor)
    assert status == 200
    staged = s3.get_object(Bucket=stack_env["DOWNLOADS_BUCKET"], Key=presigned_key(link["url"]))
    assert staged["Body"].read() == PDF
    status, headers, entry = pro("POST", f"{base}/profile/allergies", doctor, body=ALLERGY)
    assert (status, headers["ETag"]) == (201, '"1"')
    assert entry["author"] == {
        "kind": "PROFESSIONAL",
        "id": f"rpps:{DOCTOR}",
        "display_name": "Claire Dubois",
    }
    status, _, profile = pro("GET", f"{base}/profile", doctor)
    assert (status, profile["sections"]["allergies"]["items"][0]["entry_id"]) == (
        200,
        entry["entry_id"],
    )
    status, _, page = pro("GET", f"{base}/profile/allergies", doctor)
    assert (status, [e["entry_id"] for e in page["items"]]) == (200, [entry["entry_id"]])

    log = api("GET", "/me/access-log", alice)[2]["items"]
    by_doctor = [
        (e["action"], e["object"]["type"], e["role"])
        for e in log
        if e["actor"]["id"] == f"rpps:{DOCTOR}"
    ]
    assert by_doctor == [
        ("READ", "profile/allergies", "PROFESSIONAL"),
        ("READ", "profile", "PROFESSIONAL"),
        ("CREATE", "profile/allergies", "PROFESSIONAL"),
        ("DOWNLOAD", "document", "PROFESSIONAL"),
        ("READ", "document", "PROFESSIONAL"),
        ("READ", "document-list", "PROFESSIONAL"),
    ]
    assert all(e["emergency_reason"] is None for e in log)


def resolve(pro, ins, who, headers=None):
    return pro("POST", "/pro/patient-references", who, body={"ins": ins}, headers=headers)


def test_refusals_and_an_unknown_patient_answer_alike(api, person, pro):
    alice = person("Alice")
    status, _, body = resolve(pro, alice.ins, claims(STRANGER))
    assert (status, body["code"]) == (403, "NO_RELATIONSHIP")
    unknown = make_ins("1991299999999")  # a valid INS nobody opened a space for
    status, _, other = resolve(pro, unknown, claims(STRANGER))
    assert (status, other) == (403, body)

    api("PUT", f"/me/care/blocked/{STRANGER}", alice, headers={"If-Match": "0"})
    reason = {"X-Emergency-Reason": "unconscious"}
    status, _, body = resolve(pro, alice.ins, claims(STRANGER), headers=reason)
    assert (status, body["code"]) == (403, "BLOCKED")


def test_a_reference_is_its_professionals_only_and_the_rules_decide_each_request(api, person, pro):
    # Given Alice's treating doctor's reference
    alice = person("Alice")
    designate(api, alice, DOCTOR)
    base = refer(pro, alice, claims(DOCTOR))
    # Another professional, even one Alice let in, cannot use it: it is not theirs
    api("PUT", f"/me/care/team/{NURSE}", alice, body={"scope": "full"}, headers={"If-Match": "1"})
    status, _, body = pro("GET", f"{base}/documents", claims(NURSE, "60"))
    assert (status, body["code"]) == (404, "PATIENT_REFERENCE_UNKNOWN")
    status, _, unknown = pro(
        "GET", "/pro/patients/AAAAAAAAAAAAAAAAAAAAAAAA/documents", claims(DOCTOR)
    )
    assert (status, unknown) == (404, body)
    # When Alice ends the designation, the doctor's reference opens nothing any more
    assert pro("GET", f"{base}/documents", claims(DOCTOR))[0] == 200
    api("DELETE", "/me/care/treating-doctor", alice, headers={"If-Match": "2"})
    status, _, body = pro("GET", f"{base}/documents", claims(DOCTOR))
    assert (status, body["code"]) == (403, "NO_RELATIONSHIP")


def test_a_bad_token_or_profession_is_refused(person, pro):
    alice = person("Alice")
    assert resolve(pro, alice.ins, {"sub": "x", "token_use": "id"})[0] == 401
    status, _, body = resolve(pro, alice.ins, claims(STRANGER, profession="93"))
    assert (status, body["code"]) == (403, "PROFESSION_NOT_ALLOWED")
    status, _, body = resolve(pro, "123", claims(STRANGER))
    assert (status, body["code"]) == (400, "VALIDATION_ERROR")
    status, _, body = pro("GET", "/pro/patients/123/profile", claims(STRANGER))
    assert (status, body["code"]) == (400, "VALIDATION_ERROR")


def test_no_route_takes_an_ins_in_its_path_any_more(person, pro, api):
    alice = person("Alice")
    designate(api, alice, DOCTOR)
    status, _, body = pro("GET", f"/pro/patients/{alice.ins}/documents", claims(DOCTOR))
    assert (status, body["code"]) == (400, "VALIDATION_ERROR")  # not a reference


def test_break_glass_reads_and_the_reason_is_in_the_patients_history_only(api, person, s3, pro):
    alice = person("Alice")
    document_id = upload_pdf(api, alice, s3)
    stated = "patient inconscient aux urgences, antécédents ?"
    headers = {"X-Emergency-Reason": quote(stated)}
    base = refer(pro, alice, claims(NURSE, "60"), headers=headers)

    status, _, page = pro("GET", f"{base}/documents", claims(NURSE, "60"), headers=headers)
    assert (status, [d["document_id"] for d in page["items"]]) == (200, [document_id])
    status, _, body = pro(
        "POST", f"{base}/profile/allergies", claims(NURSE, "60"), body=ALLERGY, headers=headers
    )
    assert (status, body["code"]) == (400, "BAD_REQUEST")  # break-glass only reads
    status, _, body = pro("POST", f"{base}/profile/allergies", claims(NURSE, "60"), body=ALLERGY)
    assert (status, body["code"]) == (403, "NO_RELATIONSHIP")

    [entry] = [e for e in api("GET", "/me/access-log", alice)[2]["items"] if e["role"] != "HOLDER"]
    assert (entry["action"], entry["object"]["type"], entry["emergency_reason"]) == (
        "READ",
        "document-list",
        stated,
    )

    api(
        "PUT",
        "/me/care/settings",
        alice,
        body={"emergency_access": False},
        headers={"If-Match": "0"},
    )
    status, _, body = pro("GET", f"{base}/documents", claims(NURSE, "60"), headers=headers)
    assert (status, body["code"]) == (403, "EMERGENCY_DISABLED")


def test_a_nurse_with_a_partial_grant_adds_only_what_her_row_writes(api, person, pro):
    alice = person("Alice")
    grant = {"scope": ["vaccinations", "allergies"]}
    assert (
        api("PUT", f"/me/care/team/{NURSE}", alice, body=grant, headers={"If-Match": "0"})[0] == 200
    )
    nurse = claims(NURSE, "60")
    base = refer(pro, alice, nurse)
    vaccine = {"vaccine": "Grippe", "date": "2025-10-20"}
    assert pro("POST", f"{base}/profile/vaccinations", nurse, body=vaccine)[0] == 201
    measure = {
        "kind": "weight",
        "value": 70,
        "unit": "kg",
        "measured_at": "2026-01-01T08:00:00+01:00",
    }
    status, _, body = pro("POST", f"{base}/profile/measurements", nurse, body=measure)
    assert (status, body["code"]) == (403, "FORBIDDEN")  # in her row, not in the grant
    sections = pro("GET", f"{base}/profile", nurse)[2]["sections"]
    assert set(sections) == {"allergies", "vaccinations"}


UPLOADS = "/pro/patients/{ref}/uploads"
# The bodies of the routes that take one, besides the profile sections (SPACE_SAMPLES).
BODIES = {
    ("POST", UPLOADS): {
        "filename": "compte-rendu.pdf",
        "content_type": "application/pdf",
        "size": 100,
        "category": "reports",
        "title": "Compte rendu",
        "document_date": "2026-01-01",
    },
    ("POST", "/pro/patients/{ref}/appointments"): {
        "start_local": "2030-03-04T09:30:00",
        "end_local": "2030-03-04T10:00:00",
        "time_zone": "Europe/Paris",
        "facility": "Cabinet",
    },
}
# Routes that touch no health data, and why (as the patient's: test_route_walk.NOT_HEALTH_DATA).
NOT_HEALTH_DATA = {
    ("POST", UPLOADS): "only a ticket; the document is traced when ingested",
    ("GET", UPLOADS + "/{upload_id}"): "the status of one's own upload, no content",
}
# Routes this walk (a stranger refused, the treating doctor served and traced) does not fit.
WALKED_ELSEWHERE = {
    ("GET", "/pro/notices"): "the professional's own inbox, no patient's file (test_notices.py)",
    ("POST", "/pro/consents"): "how a stranger gets in, and the treating doctor's "
    "access is the patient's to change (test_recorded_consent.py)",
    ("POST", "/pro/patient-references"): "how every walked route gets its reference, and "
    "refuses a stranger (test_refusals_and_an_unknown_patient_answer_alike)",
}


@pytest.fixture(scope="module")
def pro_openapi(deployed):
    from functions.professionals.app import app

    return json.loads(app.get_openapi_json_schema())


def test_every_route_refuses_another_and_traces_the_treating_doctor(
    api, person, s3, pro, pro_openapi, empty_table
):
    """The walk of every professionals' route (a new one is covered without a new test): the
    doctor's reference is refused to another professional, serves the doctor (traced), and
    serves them no more once the patient ends the designation."""
    for path, operations in pro_openapi["paths"].items():
        for method in (m.upper() for m in operations):
            if (method, path) in WALKED_ELSEWHERE:
                continue
            empty_table()
            alice = person("Alice")
            document_id = upload_pdf(api, alice, s3)
            designate(api, alice, DOCTOR)
            section = re.fullmatch(r".*/profile/([a-z-]+)", path)
            body = SPACE_SAMPLES[section.group(1)] if section else BODIES.get((method, path))
            base = refer(pro, alice, claims(DOCTOR))
            url = path.replace("/pro/patients/{ref}", base).replace("{document_id}", document_id)
            if "{upload_id}" in path:  # the doctor's own upload: nobody else's status is shown
                uploads = UPLOADS.replace("/pro/patients/{ref}", base)
                ticket = pro("POST", uploads, claims(DOCTOR), body=BODIES[("POST", UPLOADS)])[2]
                url = url.replace("{upload_id}", ticket["upload_id"])

            status, _, refused = pro(method, url, claims(STRANGER), body=body)
            assert (status, refused["code"]) == (404, "PATIENT_REFERENCE_UNKNOWN"), (method, path)
            before = len(api("GET", "/me/access-log", alice)[2]["items"])
            status, _, answer = pro(method, url, claims(DOCTOR), body=body)
            assert status < 300, (method, path, status, answer)
            after = api("GET", "/me/access-log", alice)[2]["items"]
            if (method, path) in NOT_HEALTH_DATA:
                assert len(after) == before, f"{method} {path} is traced: remove its exemption"
                continue
            assert len(after) == before + 1, f"{method} {path} wrote no access-log entry"
            assert (after[0]["actor"]["id"], after[0]["role"]) == (f"rpps:{DOCTOR}", "PROFESSIONAL")
            ended = api("DELETE", "/me/care/treating-doctor", alice, headers={"If-Match": "1"})
            assert ended[0] == 200, ended
            status, _, refused = pro(method, url, claims(DOCTOR), body=body)
            assert (status, refused["code"]) == (403, "NO_RELATIONSHIP"), (method, path)


def test_a_professional_records_consent_and_the_patient_sees_and_revokes_it(api, person, pro):
    alice = person("Alice")
    assert resolve(pro, alice.ins, claims(STRANGER))[0] == 403
    # Without attesting the patient's agreement: refused, nothing recorded
    unattested = {"ins": alice.ins, "scope": "full"}
    status, _, refused = pro("POST", "/pro/consents", claims(STRANGER), body=unattested)
    assert status in (400, 422), refused
    assert api("GET", "/me/care", alice)[2]["team"] == []
    # With it: the consent, a year at most, opens the file within its scope
    consent = {"ins": alice.ins, "scope": ["biology", "allergies"], "patient_agreed": True}
    status, _, grant = pro("POST", "/pro/consents", claims(STRANGER), body=consent)
    assert status == 200, grant
    assert (grant["rpps"], grant["kind"], sorted(grant["scope"])) == (
        STRANGER,
        "CONSENT",
        ["allergies", "biology"],
    )
    base = refer(pro, alice, claims(STRANGER))
    assert pro("GET", f"{base}/documents", claims(STRANGER))[0] == 200
    # Alice sees it, and who recorded it; she revokes it, and the door closes again
    status, headers, care = api("GET", "/me/care", alice)
    assert [(g["rpps"], g["kind"]) for g in care["team"]] == [(STRANGER, "CONSENT")]
    history = api("GET", "/me/access-log", alice)[2]["items"]
    recorded = [e["actor"]["id"] for e in history if e["object"]["type"] == "care/consent"]
    assert recorded == [f"rpps:{STRANGER}"]
    revoked = api(
        "DELETE", f"/me/care/team/{STRANGER}", alice, headers={"If-Match": headers["ETag"]}
    )
    assert revoked[0] == 200, revoked
    assert pro("GET", f"{base}/documents", claims(STRANGER))[0] == 403


def test_a_patients_work_is_shown_to_professionals_by_role_and_name_never_by_subject(
    api, person, s3, pro
):
    # Given Alice's own document and allergy, and her treating doctor
    alice = person("Alice")
    document_id = upload_pdf(api, alice, s3)
    assert api("POST", "/me/profile/allergies", alice, body=ALLERGY)[0] == 201
    designate(api, alice, DOCTOR)
    base = refer(pro, alice, claims(DOCTOR))
    # When the doctor reads them every way the API shows them
    answers = [
        pro("GET", f"{base}/documents", claims(DOCTOR))[2]["items"][0],
        pro("GET", f"{base}/documents/{document_id}", claims(DOCTOR))[2],
        pro("GET", f"{base}/profile/allergies", claims(DOCTOR))[2]["items"][0],
        pro("GET", f"{base}/profile", claims(DOCTOR))[2]["sections"]["allergies"]["items"][0],
    ]
    # Then her work is hers by role and name; her identity provider's subject is nowhere
    for answer in answers:
        assert answer["author"] == {"kind": "PATIENT", "display_name": "Alice Martin"}, answer
        assert alice.subject not in json.dumps(answer)
    # and a professional's work still names them by RPPS
    _, _, entry = pro("POST", f"{base}/profile/allergies", claims(DOCTOR), body=ALLERGY)
    assert entry["author"]["id"] == f"rpps:{DOCTOR}"
