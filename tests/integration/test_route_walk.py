"""Walks every route of the patients' OpenAPI document, so that a new route is covered without a
new test: every route that touches health data appends an access-log entry. (Who reaches what,
over every API and role, is tests/integration/test_authorization_walk.py.)
"""

import io
import os
import re

import boto3
import pytest

from infra.local.sample_events import queued_stream_event
from tests.integration.test_records_api import upload_pdf
from tests.samples import SPACE_SAMPLES
from tests.unit.test_care_access import rpps
from tests.unit.test_directory import extract, line

# Routes that touch no health data, and why.
NOT_HEALTH_DATA = {
    ("GET", "/me"): "the space's holder and status: identity, no health data",
    ("GET", "/me/access-log"): "the access history itself",
    ("GET", "/me/news"): "a digest of the access history; traced as a read of the documents "
    "list only when it names documents others filed (tests/integration/test_news.py)",
    ("POST", "/me/uploads"): "only a ticket; the document is traced when ingested",
    ("GET", "/me/uploads/{upload_id}"): "an upload's status, no content",
    ("GET", "/me/care"): "who may see the file, like the access history; every change is traced",
    ("GET", "/directory/professionals"): "the public directory of professionals (open data)",
    ("GET", "/directory/professionals/{rpps}"): "one professional of the public directory",
    ("GET", "/me/closure"): "the space's status and closure dates, as GET /me",
    ("GET", "/me/exports"): "the exports' statuses; each export is traced when asked for",
    ("GET", "/me/deletion"): "the space's status and deletion dates, as GET /me",
}
# Routes after which the space's history is read from the table: they close it (its history
# route then refuses, SPACE_CLOSED); a deletion's history is there until its workflow runs.
CLOSING = {("POST", "/me/closure"), ("POST", "/me/deletion")}
# Query strings of the routes that need one.
QUERIES = {("GET", "/directory/professionals"): {"name": "martin"}}
TREATING_DOCTOR, PROFESSIONAL, OTHER_DOCTOR = rpps(21), rpps(22), rpps(23)
BODIES = {
    ("POST", "/me/uploads"): {
        "filename": "a.pdf",
        "content_type": "application/pdf",
        "size": 100,
        "category": "biology",
        "title": "t",
        "document_date": "2026-01-01",
    },
    ("PATCH", "/me/documents/{document_id}"): {"title": "Renamed"},
    ("PUT", "/me/care/settings"): {"emergency_access": False},
    ("PUT", "/me/care/treating-doctor"): {"rpps": OTHER_DOCTOR},
    ("PUT", "/me/care/team/{rpps}"): {"scope": ["biology"], "expires_at": "2099-01-01T00:00:00Z"},
    ("POST", "/me/closure"): {"confirm": "CLOSE"},
    ("POST", "/me/deletion"): {"confirm": "DELETE"},
}


def export_items(person):
    """The space's new export items as the stream's NEW_IMAGE carries them."""
    page = boto3.client("dynamodb").query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :pk AND begins_with(sk, :export)",
        ExpressionAttributeValues={
            ":pk": {"S": f"SPACE#{person.space_id}"},
            ":export": {"S": "EXPORT#"},
        },
    )
    return page["Items"]


def routes(openapi):
    for path, operations in openapi["paths"].items():
        for method in operations:
            yield method.upper(), path


def body_for(method, path):
    if (method, path) in BODIES:
        return BODIES[(method, path)]
    match = re.fullmatch(r"/me/profile/([a-z-]+)(/\{entry_id\})?", path)
    if match and method in {"POST", "PUT"}:
        return SPACE_SAMPLES[match.group(1)]
    return None


@pytest.fixture
def owned(api, person, s3, deployed):
    """A patient with one object of every kind, and the route parameters naming them."""

    from healthspace.wiring.directory_import import import_extract

    def make():
        owner = person("Alice")
        document_id = upload_pdf(api, owner, s3)
        # An export, built: its link is given (and traced), and another may be asked for.
        export_id = api("POST", "/me/exports", owner)[2]["export_id"]
        built = queued_stream_event(export_items(owner))
        assert deployed[1].invoke("ExportsFunction", built) == {"batchItemFailures": []}
        params = {
            "document_id": document_id,
            "upload_id": document_id,
            "rpps": PROFESSIONAL,
            "export_id": export_id,
        }
        entries = {}
        for section, sample in SPACE_SAMPLES.items():
            entries[section] = api("POST", f"/me/profile/{section}", owner, body=sample)[2][
                "entry_id"
            ]
        # The professional the paths name, in the directory.
        listed = extract(line(PROFESSIONAL, family="Martin"))
        assert not import_extract(io.StringIO(listed), "walk.txt")[1]
        # The care record, at version 1.
        doctor = {"rpps": TREATING_DOCTOR}
        care = api("PUT", "/me/care/treating-doctor", owner, body=doctor, headers={"If-Match": "0"})
        assert care[0] == 200, care
        return owner, params, entries

    return make


def concrete(path, params, entries):
    section = re.fullmatch(r"/me/profile/([a-z-]+)/\{entry_id\}", path)
    if section:
        params = {**params, "entry_id": entries[section.group(1)]}
    return re.sub(r"\{(\w+)\}", lambda m: params[m.group(1)], path)


def test_the_walk_covers_every_route(openapi):
    found = set(routes(openapi))
    assert len(found) >= 30  # documents, uploads, 7 profile sections x 5, space, log, care
    for path, operations in openapi["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert body_for(method.upper(), path) is not None, f"add a sample body for {path}"


def history(api, owner, closed=False):
    """The space's history, newest first: by its route, or from the table once closed."""
    if not closed:
        return api("GET", "/me/access-log", owner, query={"limit": "100"})[2]["items"]
    from healthspace.wiring.records import medical_file

    page = medical_file().store.list_access_log(owner.space_id, 100, None)
    return [entry.model_dump(mode="json") for entry in page.items]


def test_every_health_data_route_writes_an_access_log_entry(api, owned, openapi, empty_table):
    for method, path in routes(openapi):
        empty_table()
        owner, params, entries = owned()
        before = len(history(api, owner))
        status, _, response = api(
            method,
            concrete(path, params, entries),
            owner,
            body=body_for(method, path),
            headers={"If-Match": "1"},
            query=QUERIES.get((method, path)),
        )
        assert status < 300, f"{method} {path} failed: {status} {response}"
        after = history(api, owner, closed=(method, path) in CLOSING)
        if (method, path) in NOT_HEALTH_DATA:
            assert len(after) == before, f"{method} {path} should not be traced"
        else:
            assert len(after) == before + 1, f"{method} {path} wrote no access-log entry"
            assert after[0]["actor"]["id"] == owner.subject
