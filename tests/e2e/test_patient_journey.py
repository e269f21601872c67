"""A patient's whole journey on the local stack, over HTTP only: log in, upload a PDF straight to
S3, list, download the same bytes, mask, and read the access history."""

import time

import httpx
import pytest

from infra.local.demo.people import DEMO_ACCOUNTS

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n" + b"1 0 obj << /Type /Catalog >> endobj\n" * 100 + b"%%EOF\n"


def login(http, account=DEMO_ACCOUNTS[0]):
    response = http.post(
        "/local/login", json={"username": account.username, "password": account.password}
    )
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['id_token']}"}


def upload(http, auth, data, title, content_type="application/pdf", filename="bilan.pdf"):
    ticket = http.post(
        "/me/uploads",
        headers=auth,
        json={
            "filename": filename,
            "content_type": content_type,
            "size": len(data),
            "category": "biology",
            "title": title,
            "document_date": "2026-11-02",
        },
    )
    assert ticket.status_code == 201, ticket.text
    ticket = ticket.json()
    # The browser's part: a multipart POST to S3 (moto), never through the API.
    posted = httpx.post(ticket["url"], data=ticket["fields"], files={"file": (filename, data)})
    assert posted.status_code in (200, 201, 204), posted.text
    for _ in range(100):
        status = http.get(f"/me/uploads/{ticket['upload_id']}", headers=auth).json()
        if status["status"] != "PENDING":
            return status
        time.sleep(0.1)
    raise AssertionError("the upload stayed PENDING")


def test_a_patient_uploads_lists_downloads_masks_and_reads_the_history(http):
    auth = login(http)
    me = http.get("/me", headers=auth)
    assert me.status_code == 200
    assert me.json()["space"]["status"] == "ACTIVE"

    status = upload(http, auth, PDF, "Bilan sanguin de novembre")
    assert status["status"] == "ACCEPTED", status
    document_id = status["document_id"]

    listed = http.get("/me/documents", headers=auth, params={"category": "biology"}).json()
    assert document_id in [d["document_id"] for d in listed["items"]]

    link = http.get(f"/me/documents/{document_id}/content", headers=auth).json()
    downloaded = httpx.get(link["url"])
    assert downloaded.status_code == 200
    assert downloaded.content == PDF

    # Shown on screen: from the documents' own origin, as a PDF, inert (docs/viewer.md).
    view = http.get(f"/me/documents/{document_id}/view", headers=auth).json()
    shown = httpx.get(view["url"])
    assert (shown.status_code, shown.content) == (200, PDF)
    assert shown.headers["Content-Type"] == "application/pdf"
    assert shown.headers["X-Content-Type-Options"] == "nosniff"
    assert shown.headers["Content-Security-Policy"].startswith("sandbox; default-src 'none';")
    assert not view["url"].startswith(str(http.base_url).rstrip("/"))
    assert httpx.get(view["url"].split("?")[0]).status_code == 403  # unsigned

    document = http.get(f"/me/documents/{document_id}", headers=auth)
    masked = http.patch(
        f"/me/documents/{document_id}",
        headers={**auth, "If-Match": document.headers["ETag"]},
        json={"masked": True},
    )
    assert masked.status_code == 200 and masked.json()["masked"] is True

    history = http.get("/me/access-log", headers=auth, params={"limit": 20}).json()["items"]
    mine = [
        (e["action"], e["object"]["type"]) for e in history if e["object"].get("id") == document_id
    ]
    assert mine[:5] == [
        ("UPDATE", "document"),
        ("READ", "document"),
        ("VIEW", "document"),
        ("DOWNLOAD", "document"),
        ("CREATE", "document"),
    ]


def test_the_largest_allowed_file_goes_around_lambdas_payload_limit(http):
    auth = login(http)
    big = b"%PDF-1.7\n" + b"0" * (20 * 1024 * 1024 - 20) + b"\n%%EOF\n"
    big = big[: 20 * 1024 * 1024]
    status = upload(http, auth, big, "Imagerie volumineuse")
    assert status["status"] == "ACCEPTED", status
    link = http.get(f"/me/documents/{status['document_id']}/content", headers=auth).json()
    assert httpx.get(link["url"]).content == big


def test_a_disguised_program_is_refused_with_a_reason(http):
    auth = login(http)
    status = upload(http, auth, b"MZ\x90\x00\x03" + b"\x00" * 200, "Pas un PDF")
    assert status["status"] == "REJECTED"
    assert "PDF" in status["reason"]


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer not-a-jwt", "Bearer eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl"],
)
def test_missing_or_forged_tokens_are_refused(http, authorization):
    headers = {"Authorization": authorization} if authorization else {}
    response = http.get("/me/documents", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "UNAUTHORIZED"


def test_the_website_origin_may_post_uploads_to_the_bucket(http, local_stack):
    auth = login(http)
    ticket = http.post(
        "/me/uploads",
        headers=auth,
        json={
            "filename": "a.pdf",
            "content_type": "application/pdf",
            "size": 10,
            "category": "other",
            "title": "a",
            "document_date": "2026-01-01",
        },
    ).json()
    preflight = httpx.options(
        ticket["url"],
        headers={"Origin": local_stack.url, "Access-Control-Request-Method": "POST"},
    )
    assert preflight.status_code == 200
    assert preflight.headers["Access-Control-Allow-Origin"] in (local_stack.url, "*")
