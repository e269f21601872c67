"""The records and ingest functions on API Gateway / S3 events, against moto."""

import os
from urllib.parse import unquote, urlparse

import pytest

from healthspace.records.model import Role

PDF = b"%PDF-1.7\n" + b"1 0 obj <<>> endobj\n" * 50 + b"%%EOF\n"


def presigned_key(url):
    """The object key of a presigned URL, virtual-hosted or path style."""
    path = unquote(urlparse(url).path)
    return path[path.index("downloads/") :]


def upload_pdf(api, person, s3, data=PDF, title="Bilan sanguin", space=None):
    """The browser's side of an upload: ask for a ticket, post the file, S3 fires the event."""
    headers = {"X-Space-Id": space} if space else None
    status, _, ticket = api(
        "POST",
        "/me/uploads",
        person,
        body={
            "filename": "bilan.pdf",
            "content_type": "application/pdf",
            "size": len(data),
            "category": "biology",
            "title": title,
            "document_date": "2026-11-02",
        },
        headers=headers,
    )
    assert status == 201, ticket
    # The quarantine bucket notifies the ingest function, which moto runs in-process.
    s3.put_object(Bucket=os.environ["QUARANTINE_BUCKET"], Key=ticket["fields"]["key"], Body=data)
    return ticket["upload_id"]


def test_me_returns_own_space_and_represented(api, person):
    parent = person("Alice")
    child = person("Léa", represented_by=parent)
    status, _, me = api("GET", "/me", parent)
    assert status == 200
    assert me["space"]["space_id"] == parent.space_id
    assert me["space"]["holder"]["given_name"] == "Alice"
    assert [s["space_id"] for s in me["represented"]] == [child.space_id]
    assert me["represented"][0]["role"] == Role.LEGAL_REPRESENTATIVE.value


def test_upload_list_download_rename_mask_delete(api, person, s3, stack_env):
    alice = person("Alice")
    document_id = upload_pdf(api, alice, s3)

    status, _, upload = api("GET", f"/me/uploads/{document_id}", alice)
    assert (status, upload["status"], upload["document_id"]) == (200, "ACCEPTED", document_id)

    status, _, page = api("GET", "/me/documents", alice, query={"category": "biology"})
    assert status == 200
    assert [d["document_id"] for d in page["items"]] == [document_id]
    assert page["items"][0]["sha256"] and page["items"][0]["size"] == len(PDF)

    status, _, link = api("GET", f"/me/documents/{document_id}/content", alice)
    assert status == 200
    staged = s3.get_object(Bucket=stack_env["DOWNLOADS_BUCKET"], Key=presigned_key(link["url"]))
    assert staged["Body"].read() == PDF
    assert "X-Amz-Signature=" in link["url"] and link["expires_in"] <= 300

    status, headers, renamed = api(
        "PATCH",
        f"/me/documents/{document_id}",
        alice,
        body={"title": "Bilan de novembre"},
        headers={"If-Match": '"1"'},
    )
    assert (status, renamed["title"], renamed["version"], headers["ETag"]) == (
        200,
        "Bilan de novembre",
        2,
        '"2"',
    )
    status, _, masked = api(
        "PATCH",
        f"/me/documents/{document_id}",
        alice,
        body={"masked": True},
        headers={"If-Match": "2"},
    )
    assert (status, masked["masked"]) == (200, True)

    status, _, _ = api("DELETE", f"/me/documents/{document_id}", alice)
    assert status == 204
    status, _, error = api("GET", f"/me/documents/{document_id}", alice)
    assert (status, error["code"]) == (404, "NOT_FOUND")


def test_stored_object_is_ciphertext_bound_to_its_space(api, person, s3, kms, stack_env):
    alice, bob = person("Alice"), person("Bob")
    document_id = upload_pdf(api, alice, s3)
    raw = s3.list_objects_v2(
        Bucket=stack_env["DOCUMENTS_BUCKET"], Prefix=f"spaces/{alice.space_id}/"
    )
    [entry] = raw["Contents"]
    blob = s3.get_object(Bucket=stack_env["DOCUMENTS_BUCKET"], Key=entry["Key"])["Body"].read()
    assert entry["Key"].endswith(document_id)
    assert b"%PDF" not in blob and PDF[100:140] not in blob
    # The space's data key only unwraps with its own space id as encryption context.
    from healthspace.wiring.records import medical_file

    space = medical_file().store.get_space(alice.space_id)
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(CiphertextBlob=space.wrapped_key, EncryptionContext={"space_id": bob.space_id})
    kms.decrypt(CiphertextBlob=space.wrapped_key, EncryptionContext={"space_id": alice.space_id})


def test_rejected_upload_leaves_only_a_status(api, person, s3, stack_env):
    alice = person("Alice")
    fake_pdf = b"MZ\x90\x00 this is a program"
    status, _, ticket = api(
        "POST",
        "/me/uploads",
        alice,
        body={
            "filename": "x.pdf",
            "content_type": "application/pdf",
            "size": len(fake_pdf),
            "category": "other",
            "title": "x",
            "document_date": "2026-01-01",
        },
    )
    s3.put_object(Bucket=stack_env["QUARANTINE_BUCKET"], Key=ticket["fields"]["key"], Body=fake_pdf)
    status, _, upload = api("GET", f"/me/uploads/{ticket['upload_id']}", alice)
    assert status == 200
    assert upload["status"] == "REJECTED" and "not a PDF" in upload["reason"]
    listed = s3.list_objects_v2(Bucket=stack_env["QUARANTINE_BUCKET"], Prefix="uploads/")
    assert listed.get("KeyCount", 0) == 0
    assert api("GET", "/me/documents", alice)[2]["items"] == []


def test_redelivered_s3_event_creates_one_document(api, person, ingest, s3, stack_env):
    alice = person("Alice")
    document_id = upload_pdf(api, alice, s3)
    key = f"uploads/{alice.space_id}/{document_id}"
    # The same object arrives again (a client retry), and S3 delivers its event twice more.
    s3.put_object(Bucket=stack_env["QUARANTINE_BUCKET"], Key=key, Body=PDF)
    ingest(key, len(PDF))
    assert len(api("GET", "/me/documents", alice)[2]["items"]) == 1
    log = api("GET", "/me/access-log", alice)[2]["items"]
    assert sum(1 for e in log if e["action"] == "CREATE") == 1


def test_stale_write_gets_412_and_missing_version_428(api, person, s3):
    alice = person("Alice")
    document_id = upload_pdf(api, alice, s3)
    path = f"/me/documents/{document_id}"
    assert api("PATCH", path, alice, body={"title": "A"}, headers={"If-Match": "1"})[0] == 200
    status, _, error = api("PATCH", path, alice, body={"title": "B"}, headers={"If-Match": "1"})
    assert (status, error["code"]) == (412, "PRECONDITION_FAILED")
    status, _, error = api("PATCH", path, alice, body={"title": "B"})
    assert (status, error["code"]) == (428, "PRECONDITION_REQUIRED")
    assert api("GET", path, alice)[2]["title"] == "A"


@pytest.mark.parametrize("version", ["\u00b2", "\u0661", "1" * 4300, "-1", "1.0", ""])
def test_a_version_that_is_not_a_number_is_a_428_and_changes_nothing(api, person, s3, version):
    alice = person("Alice")
    path = f"/me/documents/{upload_pdf(api, alice, s3)}"
    status, _, error = api("PATCH", path, alice, body={"title": "B"}, headers={"If-Match": version})
    assert (status, error["code"]) == (428, "PRECONDITION_REQUIRED")
    assert api("GET", path, alice)[2]["title"] != "B"


def test_profile_entry_lifecycle(api, person):
    alice = person("Alice")
    body = {"vaccine": "DTCaP", "date": "2024-03-01", "lot_number": "X12", "dose_number": 2}
    status, headers, entry = api("POST", "/me/profile/vaccinations", alice, body=body)
    assert status == 201 and headers["ETag"] == '"1"'
    path = f"/me/profile/vaccinations/{entry['entry_id']}"
    status, _, updated = api(
        "PUT", path, alice, body={**body, "dose_number": 3}, headers={"If-Match": "1"}
    )
    assert (status, updated["dose_number"], updated["version"]) == (200, 3, 2)
    status, _, profile = api("GET", "/me/profile", alice)
    vaccinations = profile["sections"]["vaccinations"]
    assert [e["lot_number"] for e in vaccinations["items"]] == ["X12"]
    assert vaccinations["next_cursor"] is None
    assert api("DELETE", path, alice, headers={"If-Match": "2"})[0] == 204
    assert api("GET", path, alice)[0] == 404


def test_access_log_is_newest_first_and_paginated(api, person):
    alice = person("Alice")
    for _ in range(3):
        api("GET", "/me/documents", alice)
    api("GET", "/me/profile", alice)
    status, _, first = api("GET", "/me/access-log", alice, query={"limit": "2"})
    assert status == 200
    assert [e["object"]["type"] for e in first["items"]] == ["profile", "document-list"]
    assert first["items"][0]["actor"]["id"] == alice.subject
    _, _, rest = api(
        "GET", "/me/access-log", alice, query={"limit": "10", "cursor": first["next_cursor"]}
    )
    assert len(rest["items"]) == 2
    status, _, error = api("GET", "/me/access-log", alice, query={"cursor": "bm9wZQ"})
    assert (status, error["code"]) == (400, "BAD_REQUEST")


def test_representative_acts_on_the_child_space(api, person, s3):
    parent = person("Alice")
    child = person("Léa", represented_by=parent)
    document_id = upload_pdf(api, parent, s3, space=child.space_id)
    status, _, page = api("GET", "/me/documents", parent, headers={"X-Space-Id": child.space_id})
    assert status == 200
    assert [d["document_id"] for d in page["items"]] == [document_id]
    assert api("GET", "/me/documents", parent)[2]["items"] == []
    log = api("GET", "/me/access-log", parent, headers={"X-Space-Id": child.space_id})[2]
    assert {e["role"] for e in log["items"]} == {"LEGAL_REPRESENTATIVE"}


@pytest.mark.parametrize(
    ("method", "path", "body", "code"),
    [
        ("POST", "/me/uploads", "{not json", "VALIDATION_ERROR"),
        ("POST", "/me/uploads", {"filename": "a.pdf"}, "VALIDATION_ERROR"),
        (
            "POST",
            "/me/profile/allergies",
            {"substance": "x", "category": "food", "x": 1},
            "VALIDATION_ERROR",
        ),
        ("POST", "/me/profile/allergies", {"substance": 3, "category": "food"}, "VALIDATION_ERROR"),
        (
            "POST",
            "/me/uploads",
            {
                "filename": "a.pdf",
                "content_type": "application/pdf",
                "size": 10**9,
                "category": "biology",
                "title": "t",
                "document_date": "2026-01-01",
            },
            "PAYLOAD_TOO_LARGE",
        ),
        ("GET", "/me/documents?limit=1000", None, "VALIDATION_ERROR"),
        ("GET", "/me/documents?category=astrology", None, "VALIDATION_ERROR"),
        ("GET", "/me/nowhere", None, "NOT_FOUND"),
        (
            "POST",
            "/me/profile/advance-directives",
            {"title": "t", "content": "x" * 70_000, "date": "2026-01-01"},
            "VALIDATION_ERROR",
        ),
    ],
)
def test_bad_input_gets_a_clear_4xx_and_changes_nothing(api, person, method, path, body, code):
    alice = person("Alice")
    path, _, query = path.partition("?")
    status, _, error = api(
        method, path, alice, body=body, query=dict([query.split("=")]) if query else None
    )
    assert 400 <= status < 500
    assert error["code"] == code and error["message"]
    assert api("GET", "/me/access-log", alice)[2]["items"] == []


def test_missing_claims_or_malformed_ins_are_refused(api, person):
    alice = person("Alice")
    assert api("GET", "/me", alice, claims={})[0] == 401
    status, _, error = api("GET", "/me", alice, claims={"sub": "x", "custom:ins": "123"})
    assert (status, error["code"]) == (400, "INVALID_IDENTIFIER")


def test_a_file_of_another_size_than_its_ticket_is_rejected_on_moto(api, person, s3):
    # Given a ticket for a PDF's size, and a longer file posted under it (moto, unlike S3, does
    # not enforce the presigned POST's content-length-range)
    alice = person("Alice")
    body = {
        "filename": "bilan.pdf",
        "content_type": "application/pdf",
        "size": len(PDF),
        "category": "biology",
        "title": "Bilan sanguin",
        "document_date": "2026-11-02",
    }
    status, _, ticket = api("POST", "/me/uploads", alice, body=body)
    assert status == 201, ticket
    longer = PDF + b"\n%% appended"
    s3.put_object(Bucket=os.environ["QUARANTINE_BUCKET"], Key=ticket["fields"]["key"], Body=longer)
    # Then the ingest refuses it, says why, and files nothing
    status, _, upload = api("GET", f"/me/uploads/{ticket['upload_id']}", alice)
    assert (status, upload["status"]) == (200, "REJECTED"), upload
    assert upload["reason"] == (
        f"the file is {len(longer)} bytes, not the {len(PDF)} bytes its upload declared"
    )
    assert api("GET", "/me/documents", alice)[2]["items"] == []
