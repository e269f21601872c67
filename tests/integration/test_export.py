"""Give me all my data through the records and exports functions, against moto: a space with
documents and a profile is exported; the ZIP in the downloads bucket (a multipart upload) holds
every document byte for byte, its FHIR Bundle validates, and counts match; one export at a time;
another patient cannot read it; its link is short-lived and ends with its ZIP; the International
Patient Summary as JSON and PDF; all of it in the space's history."""

import hashlib
import io
import json
import os
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlparse

import boto3
import pytest
from fhir.resources.R4B.bundle import Bundle

from infra.local.sample_events import queued_stream_event
from tests.integration.test_records_api import upload_pdf
from tests.integration.test_route_walk import export_items
from tests.samples import SPACE_SAMPLES


@pytest.fixture
def build(deployed):
    """Delivers the space's export items to the exports function, as its queue does (the
    stream router hands them on)."""

    def deliver(person):
        answer = deployed[1].invoke("ExportsFunction", queued_stream_event(export_items(person)))
        assert answer == {"batchItemFailures": []}

    return deliver


def zip_of(s3, person, export_id):
    key = f"exports/{person.space_id}/{export_id}/export.zip"
    return zipfile.ZipFile(
        io.BytesIO(s3.get_object(Bucket=os.environ["DOWNLOADS_BUCKET"], Key=key)["Body"].read())
    )


def test_the_export_holds_everything_the_space_holds(api, person, s3, build):
    alice = person("Alice")
    sent = {}
    for n in range(3):
        data = b"%PDF-1.7\n" + os.urandom(2000 + n) + b"\n%%EOF\n"
        upload_id = upload_pdf(api, alice, s3, data=data, title=f"Compte rendu {n}")
        sent[upload_id] = hashlib.sha256(data).hexdigest()
    for section, sample in SPACE_SAMPLES.items():
        assert api("POST", f"/me/profile/{section}", alice, body=sample)[0] == 201

    status, _, asked = api("POST", "/me/exports", alice, query={"language": "en"})
    assert (status, asked["status"], asked["language"]) == (202, "PENDING", "en")
    export_id = asked["export_id"]
    assert api("GET", f"/me/exports/{export_id}", alice)[2]["status"] == "PENDING"
    build(alice)

    status, _, ready = api("GET", f"/me/exports/{export_id}", alice)
    assert status == 200 and ready["status"] == "READY", ready
    assert ready["documents"] == 3 and ready["expires_in"] == 300
    link = parse_qs(urlparse(ready["url"]).query)
    assert link["X-Amz-Expires"] == ["300"]
    assert urlparse(ready["url"]).path.endswith(f"/exports/{alice.space_id}/{export_id}/export.zip")
    with zip_of(s3, alice, export_id) as archive:
        bundle = json.loads(archive.read("bundle.json"))
        Bundle.model_validate(bundle)
        kinds = [e["resource"]["resourceType"] for e in bundle["entry"]]
        references = [
            e["resource"]
            for e in bundle["entry"]
            if e["resource"]["resourceType"] == "DocumentReference"
        ]
        assert {r["id"] for r in references} == sent.keys()
        for resource in references:
            attachment = resource["content"][0]["attachment"]
            content = archive.read(attachment["url"])
            assert hashlib.sha256(content).hexdigest() == sent[resource["id"]]
            assert attachment["size"] == len(content)
        for kind in (
            "Patient",
            "AllergyIntolerance",
            "MedicationStatement",
            "Condition",
            "Immunization",
            "Observation",
        ):
            assert kinds.count(kind) == 1, kind
        assert kinds.count("Consent") == 2 and kinds.count("AuditEvent") >= 10
        assert len(bundle["entry"]) == ready["resources"]
        assert "Compte rendu 2" in archive.read("index.html").decode()
        assert len([n for n in archive.namelist() if n.startswith("documents/")]) == 3

    # Traced: the request and the link, in the space's history
    history = api("GET", "/me/access-log", alice, query={"limit": "100"})[2]["items"]
    traced = [(e["action"], e["object"]["id"]) for e in history if e["object"]["type"] == "export"]
    assert traced == [("DOWNLOAD", export_id), ("CREATE", export_id)]
    listed = api("GET", "/me/exports", alice)[2]
    assert [e["export_id"] for e in listed["items"]] == [export_id]


def test_one_export_at_a_time_and_nobody_elses(api, person, build):
    alice, bob = person("Alice"), person("Bob")
    first = api("POST", "/me/exports", alice)[2]
    status, _, refused = api("POST", "/me/exports", alice)
    assert (status, refused["code"]) == (409, "EXPORT_RUNNING")
    # Bob cannot read it, by his own space or by naming hers
    assert api("GET", f"/me/exports/{first['export_id']}", bob)[0] == 404
    status, _, _ = api(
        "GET", f"/me/exports/{first['export_id']}", bob, headers={"X-Space-Id": alice.space_id}
    )
    assert status == 404
    assert api("POST", "/me/exports", bob)[0] == 202  # his own is his

    build(alice)
    assert api("POST", "/me/exports", alice)[0] == 202  # the first is done: another may start


def test_the_link_ends_with_the_zip(api, person, build):
    alice = person("Alice")
    export_id = api("POST", "/me/exports", alice)[2]["export_id"]
    build(alice)
    # A day later (the item as its clock would find it): expired, no link
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    key = {"pk": f"SPACE#{alice.space_id}", "sk": f"EXPORT#{export_id}"}
    body = json.loads(table.get_item(Key=key)["Item"]["body"])
    body["finished_at"] = (datetime.now(UTC) - timedelta(days=1, minutes=1)).isoformat()
    table.update_item(
        Key=key,
        UpdateExpression="SET body = :b",
        ExpressionAttributeValues={":b": json.dumps(body)},
    )

    status, _, expired = api("GET", f"/me/exports/{export_id}", alice)
    assert (status, expired["status"]) == (200, "EXPIRED") and "url" not in expired


def test_a_closed_space_is_not_exported(api, person):
    alice = person("Alice")
    assert api("POST", "/me/closure", alice, body={"confirm": "CLOSE"})[0] == 200
    status, _, refused = api("POST", "/me/exports", alice)
    assert (status, refused["code"]) == (403, "SPACE_CLOSED")


def test_the_international_patient_summary(api, person, s3):
    alice = person("Alice")
    for section in ("allergies", "treatments", "conditions"):
        assert api("POST", f"/me/profile/{section}", alice, body=SPACE_SAMPLES[section])[0] == 201

    status, _, summary = api("GET", "/me/summary", alice, query={"language": "en"})
    assert status == 200
    Bundle.model_validate(summary)
    composition = summary["entry"][0]["resource"]
    assert composition["type"]["coding"][0]["code"] == "60591-5"
    assert [s["code"]["coding"][0]["code"] for s in composition["section"]] == [
        "10160-0",
        "48765-2",
        "11450-4",
    ]
    status, _, printed = api("GET", "/me/summary/pdf", alice)
    assert status == 200 and printed["expires_in"] == 300
    bucket = os.environ["DOWNLOADS_BUCKET"]
    key = urlparse(printed["url"]).path.lstrip("/").removeprefix(f"{bucket}/")
    pdf = s3.get_object(Bucket=bucket, Key=key)["Body"].read()
    assert pdf[:5] == b"%PDF-"
    history = api("GET", "/me/access-log", alice, query={"limit": "100"})[2]["items"]
    assert [e["action"] for e in history if e["object"]["type"] == "summary"] == [
        "DOWNLOAD",
        "READ",
    ]
