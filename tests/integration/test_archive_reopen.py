"""The ten-year archive and the reopening, on moto with Step Functions executing
(infra/statemachines/archive.asl.json and reopen.asl.json, their tasks run by the real
ArchiveFunction handler in this process).

A space is closed through the records function; the closure item reaches StreamEventsFunction (the
table's stream router) as the stream delivers it, which starts the archive workflow: one object in
Deep Archive, the space ARCHIVED, its hot items and documents' objects gone, the tombstone kept. The
holder asks for their space again (the enrollment function's space request): REOPENING, the workflow
waits for S3's restore. moto completes a restore on the next read of the object's state (its state
manager's "immediate" progression) and only then sends `s3:ObjectRestore:Completed` to the bucket's
notification: the test's HEAD of the object plays the twelve hours, and the event reaches
LifecycleEventsFunction as S3 would send it. Then the space is ACTIVE with the same documents
(byte-identical through the API's download), profile and history.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tarfile
import time
from collections.abc import Iterator
from contextlib import suppress
from typing import Any
from unittest.mock import patch

import boto3
import pytest
from boto3.dynamodb.conditions import Key
from fhir.resources.R4B.bundle import Bundle
from moto.core.config import default_user_config

from healthspace.lifecycle.archive_format import ArchiveReader
from healthspace.wiring.records import medical_file
from infra.local.executions import finished
from infra.local.sample_events import api_event, api_result, dynamodb_stream_event
from tests.integration.test_closure import CLOSE, space_items, table_item
from tests.integration.test_lifecycle_operators import caller as caller  # the fixture
from tests.integration.test_records_api import upload_pdf
from tests.samples import SPACE_SAMPLES
from tests.unit.test_fhir import PDF

ARCHIVED_KINDS = ("doc", "profile", "count", "log")


@pytest.fixture(scope="module")
def _machines(deployed) -> None:
    """The lifecycle's state machines, created again in moto's executing backend (a separate
    one, which the package's deployment, made without execution, did not fill)."""
    from infra.local.resources import CREATORS

    deployer = deployed[0]
    with patch.dict(default_user_config, {"stepfunctions": {"execute_state_machine": True}}):
        for lid in ("ArchiveStateMachine", "ReopenStateMachine"):
            props = deployer.resolver.resolve(deployer.template.properties(lid))
            CREATORS["AWS::Serverless::StateMachine"](deployer, lid, props)


@pytest.fixture(autouse=True)
def _executing(_machines) -> Iterator[None]:
    """moto runs the state machines (its default only records their starts)."""
    with patch.dict(default_user_config, {"stepfunctions": {"execute_state_machine": True}}):
        yield


def _low_level_items(space_id: str) -> list[dict[str, Any]]:
    client = boto3.client("dynamodb")
    return client.query(
        TableName=os.environ["TABLE_NAME"],
        KeyConditionExpression="pk = :pk",
        ExpressionAttributeValues={":pk": {"S": f"SPACE#{space_id}"}},
    )["Items"]


def _executions(machine: str) -> list[dict[str, Any]]:
    sfn = boto3.client("stepfunctions")
    arn = os.environ[machine]
    return sfn.list_executions(stateMachineArn=arn)["executions"]


def _execution_of(machine: str, space_id: str) -> str:
    found = [e for e in _executions(machine) if e["name"].startswith(space_id)]
    assert len(found) == 1, found
    return str(found[0]["executionArn"])


def _close_and_archive(api, deployed, who) -> dict[str, Any]:
    status, _, closed = api("POST", "/me/closure", who, body=CLOSE)
    assert status == 200, closed
    closure = _closure_image(who.space_id)
    # The table's stream delivers the closure item's insertion to its router (the mapping's
    # filter keeps it), which starts the archive workflow.
    deployed[1].invoke("StreamEventsFunction", dynamodb_stream_event([closure]))
    done = finished(_execution_of("ARCHIVE_STATE_MACHINE_ARN", who.space_id))
    assert done["status"] == "SUCCEEDED", done
    return closed


def _closure_image(space_id: str) -> dict[str, Any]:
    return next(i for i in _low_level_items(space_id) if i["sk"]["S"] == "CLOSURE")


def _ask_again(deployed, who) -> tuple[int, dict[str, Any]]:
    event = api_event("POST", "/enrollment/space-requests", who.claims)
    status, _, body = api_result(deployed[1].invoke("EnrollmentFunction", event))
    return status, body


def _download(api, s3, who, document_id) -> bytes:
    status, _, link = api("GET", f"/me/documents/{document_id}/content", who)
    assert status == 200, link
    key = link["url"].split("?")[0].split("/", 3)[3]
    return bytes(s3.get_object(Bucket=os.environ["DOWNLOADS_BUCKET"], Key=key)["Body"].read())


def _documents(api, who) -> list[dict[str, Any]]:
    status, _, page = api("GET", "/me/documents", who)
    assert status == 200, page
    return list(page["items"])


def _archive_of(space_id: str) -> dict[str, Any]:
    return json.loads(table_item(space_id, "CLOSURE")["body"])["archive"]


def test_close_archive_then_reopen_gives_everything_back(api, person, s3, deployed):
    alice, bob = person("Alice"), person("Bob")
    for who in (alice, bob):
        upload_pdf(api, who, s3)
        upload_pdf(api, who, s3, data=PDF + b"%second", title="Radio du genou")
        status, _, added = api(
            "POST", "/me/profile/allergies", who, body=SPACE_SAMPLES["allergies"]
        )
        assert status == 201, added
    documents = _documents(api, alice)
    assert len(documents) == 2
    contents = {d["document_id"]: _download(api, s3, alice, d["document_id"]) for d in documents}
    profile = api("GET", "/me/profile", alice)[2]
    history = api("GET", "/me/access-log", alice, query={"limit": "100"})[2]["items"]
    before = {i["sk"]["S"]: i for i in _low_level_items(alice.space_id) if i["sk"]["S"] != "SPACE"}
    bob_before = _low_level_items(bob.space_id)
    documents_bucket = os.environ["DOCUMENTS_BUCKET"]
    blob_keys = [
        o["Key"]
        for o in s3.list_objects_v2(Bucket=documents_bucket, Prefix=f"spaces/{alice.space_id}/")[
            "Contents"
        ]
    ]
    stored_blobs = {
        k: s3.get_object(Bucket=documents_bucket, Key=k)["Body"].read() for k in blob_keys
    }

    # Close -> archive
    closed = _close_and_archive(api, deployed, alice)

    space = table_item(alice.space_id, "SPACE")
    assert space["status"] == "ARCHIVED" and '"wrapped_key":null' not in space["body"]
    left = {i["sk"] for i in space_items(alice.space_id)}
    assert left == {"SPACE", "CLOSURE"}, left  # the tombstone, nothing hot
    for document in documents:  # no DOCREF left
        assert (
            not boto3.resource("dynamodb")
            .Table(os.environ["TABLE_NAME"])
            .get_item(Key={"pk": f"DOCREF#{document['document_id']}", "sk": "SPACE"})
            .get("Item")
        )
    versions = s3.list_object_versions(Bucket=documents_bucket, Prefix=f"spaces/{alice.space_id}/")
    assert not versions.get("Versions") and not versions.get("DeleteMarkers")
    grants = (
        boto3.resource("dynamodb")
        .Table(os.environ["TABLE_NAME"])
        .query(KeyConditionExpression=Key("pk").eq(f"PERSON#{alice.ins}"))["Items"]
    )
    assert any(g["sk"] == f"GRANT#{alice.space_id}" for g in grants)
    # One object, in Deep Archive, its manifest's counts on the tombstone
    archive = _archive_of(alice.space_id)
    archive_bucket = os.environ["ARCHIVE_BUCKET"]
    head = s3.head_object(
        Bucket=archive_bucket, Key=archive["key"], VersionId=archive["version_id"]
    )
    assert head["StorageClass"] == "DEEP_ARCHIVE"
    assert head["ContentLength"] == archive["size"]
    # Every item but the space's: those read before closing, and the closure's history entry
    assert archive["documents"] == 2 and archive["items"] == len(before) + 1
    listed = s3.list_objects_v2(Bucket=archive_bucket, Prefix=f"spaces/{alice.space_id}/")
    assert [o["Key"] for o in listed["Contents"]] == [archive["key"]]
    with pytest.raises(s3.exceptions.ClientError, match="InvalidObjectState"):
        s3.get_object(Bucket=archive_bucket, Key=archive["key"])  # not before a restore
    # Another patient's space is untouched
    assert _low_level_items(bob.space_id) == bob_before
    assert len(_documents(api, bob)) == 2
    # The holder sees ARCHIVED; GET /me says so too
    assert api("GET", "/me/closure", alice)[2]["status"] == "ARCHIVED"

    # Reopen: REOPENING until S3 has restored the object
    status, reopening = _ask_again(deployed, alice)
    assert status == 202, reopening
    assert reopening["status"] == "REOPENING" and reopening["closed_at"] == closed["closed_at"]
    assert api("GET", "/me", alice)[2]["space"]["status"] == "REOPENING"
    assert api("GET", "/me/closure", alice)[2]["status"] == "REOPENING"
    assert _ask_again(deployed, alice) == (202, reopening)  # asked twice: one workflow
    execution = _execution_of("REOPEN_STATE_MACHINE_ARN", alice.space_id)
    _wait_for_token(alice.space_id)
    assert (
        boto3.client("stepfunctions").describe_execution(executionArn=execution)["status"]
        == "RUNNING"
    )
    done = _restored(archive, execution)
    assert done["status"] == "SUCCEEDED", done

    assert api("GET", "/me", alice)[2]["space"]["status"] == "ACTIVE"
    assert table_item(alice.space_id, "CLOSURE") is None  # out of the purge index
    after = {i["sk"]["S"]: i for i in _low_level_items(alice.space_id) if i["sk"]["S"] != "SPACE"}
    for sk, item in before.items():
        if sk != "CLOSURE":
            assert after[sk] == item, sk  # every item as it was, attribute for attribute
    assert _documents(api, alice) == documents
    for document_id, content in contents.items():
        assert hashlib.sha256(_download(api, s3, alice, document_id)).hexdigest() == (
            hashlib.sha256(content).hexdigest()
        )
    for key, blob in stored_blobs.items():  # the ciphertext itself, byte for byte
        assert s3.get_object(Bucket=documents_bucket, Key=key)["Body"].read() == blob
    assert api("GET", "/me/profile", alice)[2] == profile
    history_now = api("GET", "/me/access-log", alice, query={"limit": "100"})[2]["items"]
    objects = [entry["object"]["type"] for entry in history_now]
    assert "space/closure" in objects and "space/reopening" in objects
    assert all(entry in history_now for entry in history)
    # The archive object went: its content is hot again
    gone = s3.list_object_versions(Bucket=archive_bucket, Prefix=f"spaces/{alice.space_id}/")
    assert not gone.get("Versions")
    assert _low_level_items(bob.space_id) != [] and len(_documents(api, bob)) == 2


def _restored(archive: dict[str, Any], execution: str, timeout: float = 60) -> dict[str, Any]:
    """Twelve hours later: moto completes a restore on the next read of the object's state and
    then notifies LifecycleEventsFunction (s3:ObjectRestore:Completed), which resumes the
    workflow. Read until the execution ends: a read before the workflow's RestoreObject
    completes nothing."""
    s3 = boto3.client("s3")
    sfn = boto3.client("stepfunctions")
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution)
        if described["status"] != "RUNNING":
            return described
        with suppress(s3.exceptions.ClientError):  # gone once the space is back
            s3.head_object(Bucket=os.environ["ARCHIVE_BUCKET"], Key=archive["key"])
        time.sleep(0.1)
    raise AssertionError(f"{execution} still running")


def _wait_for_token(space_id: str, timeout: float = 30) -> None:
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        closure = table_item(space_id, "CLOSURE")
        if closure and json.loads(closure["body"]).get("restore_token"):
            return
        time.sleep(0.1)
    raise AssertionError("the reopen workflow never stored its token")


def test_the_helpline_reopens_a_callers_archived_space(api, deployed, caller, s3, stack_env):
    from tests.integration.test_lifecycle_operators import BORN, letters, new_batch, operator

    upload_pdf(api, caller, s3)
    _close_and_archive(api, deployed, caller)
    archive = _archive_of(caller.space_id)
    before = letters(s3, stack_env)
    act = {
        "action": "REOPEN",
        "ins": caller.ins,
        "birth_date": BORN.isoformat(),
        "identity_checked": True,
        "checks": ["CALLBACK"],
    }
    status, _, reopening = operator(deployed, "/operator/helpline/acts", act)

    assert status == 200, reopening
    assert (reopening["status"], reopening["receipt"]) == ("REOPENING", "post")
    assert "reopening-receipt" in new_batch(before, s3, stack_env)
    status, _, again = operator(deployed, "/operator/helpline/acts", act)
    assert (status, again["status"], again["receipt"]) == (200, "REOPENING", None)
    assert len(letters(s3, stack_env)) == len(before) + 1  # nothing sent again
    execution = _execution_of("REOPEN_STATE_MACHINE_ARN", caller.space_id)  # one workflow
    _wait_for_token(caller.space_id)
    assert _restored(archive, execution)["status"] == "SUCCEEDED"
    assert api("GET", "/me", caller)[2]["space"]["status"] == "ACTIVE"
    assert len(_documents(api, caller)) == 1
    history = api("GET", "/me/access-log", caller, query={"limit": "100"})[2]["items"]
    [reopened] = [e for e in history if e["object"]["type"] == "space/reopening"]
    assert (reopened["actor"]["id"], reopened["role"]) == ("operator:operator-9", "SYSTEM")
    # Open again: nothing to reopen
    status, _, refused = operator(deployed, "/operator/helpline/acts", act)
    assert (status, refused["code"]) == (409, "CONFLICT")


def test_the_archive_holds_a_manifest_and_the_documents_ciphertext(api, person, s3, deployed):
    alice = person("Alice")
    upload_pdf(api, alice, s3)
    api("POST", "/me/profile/allergies", alice, body=SPACE_SAMPLES["allergies"])
    documents_bucket = os.environ["DOCUMENTS_BUCKET"]
    (blob,) = s3.list_objects_v2(Bucket=documents_bucket, Prefix=f"spaces/{alice.space_id}/")[
        "Contents"
    ]
    stored = s3.get_object(Bucket=documents_bucket, Key=blob["Key"])["Body"].read()
    _close_and_archive(api, deployed, alice)
    archive = _archive_of(alice.space_id)

    data = _read_past_deep_archive(archive)

    assert hashlib.sha256(data).hexdigest() == archive["sha256"]
    with tarfile.open(fileobj=io.BytesIO(data)) as tar:
        names = tar.getnames()
        manifest = json.loads(tar.extractfile("manifest.json").read())  # type: ignore[union-attr]
        assert tar.extractfile(f"objects/{blob['Key']}").read() == stored  # type: ignore[union-attr]
        items = tar.extractfile("items/doc.jsonl").read()  # type: ignore[union-attr]
    assert names[-1] == "manifest.json"
    assert manifest["format_version"] == 1 and manifest["space_id"] == alice.space_id
    assert manifest["counts"]["objects"] == 1
    assert set(manifest["counts"]["items_by_kind"]) >= set(ARCHIVED_KINDS)
    assert {e["name"] for e in manifest["entries"]} == set(names) - {"manifest.json"}
    assert all(len(e["sha256"]) == 64 for e in manifest["entries"])
    # The items are sealed with the space's data key: no title, no INS in clear
    assert b"Bilan" not in items and alice.ins.encode() not in data
    # The file as a FHIR R4 Bundle, sealed too: readable with the space's key alone
    assert "bundle.json" in names and b"DocumentReference" not in data
    space = medical_file().spaces.get(alice.space_id)
    key = medical_file().spaces.space_key(space)
    reader = ArchiveReader(io.BytesIO(data), alice.space_id, key)
    reader.verify()
    bundle = json.loads(reader.sealed("bundle.json"))
    Bundle.model_validate(bundle)
    kinds = [entry["resource"]["resourceType"] for entry in bundle["entry"]]
    assert kinds.count("DocumentReference") == 1 and kinds.count("AllergyIntolerance") == 1
    assert "Patient" in kinds and "AuditEvent" in kinds


def _read_past_deep_archive(archive: dict[str, Any]) -> bytes:
    """The object's bytes, read through moto's backend (S3 refuses a GET before a restore)."""
    from moto.s3.models import s3_backends

    backend = s3_backends["123456789012"]["aws"]
    key = backend.get_object(os.environ["ARCHIVE_BUCKET"], archive["key"])
    assert key is not None
    return bytes(key.value)


def test_retried_steps_write_nothing_twice(api, person, s3, deployed):
    from healthspace.lifecycle.model import ArchiveRef
    from healthspace.wiring.lifecycle import archives, reopenings

    alice = person("Alice")
    upload_pdf(api, alice, s3)
    api("POST", "/me/profile/allergies", alice, body=SPACE_SAMPLES["allergies"])
    _close_and_archive(api, deployed, alice)
    archive = _archive_of(alice.space_id)
    archive_bucket = os.environ["ARCHIVE_BUCKET"]

    # Each archive step again, as Step Functions retries one whose answer was lost
    again = archives().write(alice.space_id)
    assert again is not None and again.version_id == archive["version_id"]
    assert archives().settle(alice.space_id, ArchiveRef.model_validate(archive)) is True
    assert archives().clear(alice.space_id) == {"items": 0, "objects": 0}
    # ... and the stream's record delivered twice
    deployed[1].invoke(
        "StreamEventsFunction", dynamodb_stream_event([_closure_image(alice.space_id)])
    )
    assert (
        len(
            [
                e
                for e in _executions("ARCHIVE_STATE_MACHINE_ARN")
                if e["name"].startswith(alice.space_id)
            ]
        )
        == 1
    )
    versions = s3.list_object_versions(Bucket=archive_bucket, Prefix=f"spaces/{alice.space_id}/")
    assert len(versions["Versions"]) == 1

    # Reopen; then the rehydration once more: every put is conditional, nothing doubles
    assert _ask_again(deployed, alice)[0] == 202
    execution = _execution_of("REOPEN_STATE_MACHINE_ARN", alice.space_id)
    assert _restored(archive, execution)["status"] == "SUCCEEDED"
    items = _low_level_items(alice.space_id)
    assert reopenings().rehydrate(alice.space_id).items == 0
    assert _low_level_items(alice.space_id) == items
    assert len(_documents(api, alice)) == 1
    # Asking for it again now is the enrollment's business: an active space reopens nothing
    status, body = _ask_again(deployed, alice)
    assert status == 409, body


def test_an_express_deletion_before_the_final_write_loses_the_archive(api, person, s3):
    from healthspace.records.model import SpaceStatus
    from healthspace.wiring.lifecycle import archives

    alice = person("Alice")
    upload_pdf(api, alice, s3)
    assert api("POST", "/me/closure", alice, body=CLOSE)[0] == 200
    ref = archives().write(alice.space_id)
    assert ref is not None
    # An express deletion (another increment) moves the space on before the final write
    table = boto3.resource("dynamodb").Table(os.environ["TABLE_NAME"])
    table.update_item(
        Key={"pk": f"SPACE#{alice.space_id}", "sk": "SPACE"},
        UpdateExpression="SET #s = :s, body = :b",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":s": SpaceStatus.DELETING.value,
            ":b": table_item(alice.space_id, "SPACE")["body"].replace(
                '"status":"CLOSED"', '"status":"DELETING"'
            ),
        },
    )

    assert archives().settle(alice.space_id, ref) is False

    versions = s3.list_object_versions(
        Bucket=os.environ["ARCHIVE_BUCKET"], Prefix=f"spaces/{alice.space_id}/"
    )
    assert not versions.get("Versions")
    assert archives().clear(alice.space_id) == {"items": 0, "objects": 0}  # nothing cleared
    assert any(i["sk"].startswith("DOC#") for i in space_items(alice.space_id))


@pytest.fixture
def clock(monkeypatch):
    """The medical file's clock (the wiring's root, rebuilt for each test) under the test's
    hand: years pass between two calls."""
    from datetime import UTC, datetime

    from healthspace.wiring import records
    from tests.fakes import FakeClock

    fake = FakeClock(datetime(2031, 3, 1, 9, 0, tzinfo=UTC))
    monkeypatch.setattr(records, "SystemClock", lambda: fake)
    return fake


def _fresh_sign_in(who, clock) -> Any:
    """The person, always just signed in by the injected clock (closing asks for it)."""

    class Fresh(type(who)):  # type: ignore[misc]
        @property
        def claims(self):
            return {**super().claims, "auth_time": str(int(clock.now().timestamp()))}

    return Fresh(who.subject, who.ins, who.given_name, who.space_id)


def test_reopened_nine_years_later_refused_after_ten(api, person, s3, deployed, clock):
    alice = _fresh_sign_in(person("Alice"), clock)
    bob = _fresh_sign_in(person("Bob"), clock)
    upload_pdf(api, alice, s3)
    upload_pdf(api, bob, s3)
    closed = _close_and_archive(api, deployed, alice)
    assert closed["closed_at"].startswith("2031-03-01")
    assert _archive_of(alice.space_id)["archived_at"].startswith("2031-03-01")
    _close_and_archive(api, deployed, bob)

    clock.advance(days=10 * 365)  # 2041-02-27: within the ten years (the term: 2041-03-01)
    status, reopening = _ask_again(deployed, alice)
    assert status == 202, reopening
    archive = _archive_of(alice.space_id)
    execution = _execution_of("REOPEN_STATE_MACHINE_ARN", alice.space_id)
    assert _restored(archive, execution)["status"] == "SUCCEEDED"
    assert len(_documents(api, alice)) == 1

    clock.advance(days=3)  # past Bob's term: his archive is the purge's, not a reopening's
    tombstone = _low_level_items(bob.space_id)
    status, refused = _ask_again(deployed, bob)
    assert (status, refused["code"]) == (409, "CONFLICT"), refused
    assert _low_level_items(bob.space_id) == tombstone


def test_a_reopening_that_fails_leaves_the_space_archived_and_askable(api, person, s3, deployed):
    from healthspace.wiring.lifecycle import reopenings

    alice = person("Alice")
    upload_pdf(api, alice, s3)
    _close_and_archive(api, deployed, alice)
    archive = _archive_of(alice.space_id)
    assert _ask_again(deployed, alice)[0] == 202
    _wait_for_token(alice.space_id)

    # The workflow's catch (the restore never came): back to ARCHIVED, nothing hot left
    assert reopenings().abandon(alice.space_id) is True
    assert table_item(alice.space_id, "SPACE")["status"] == "ARCHIVED"
    assert {i["sk"] for i in space_items(alice.space_id)} == {"SPACE", "CLOSURE"}
    assert _archive_of(alice.space_id) == archive  # the archive kept
    boto3.client("stepfunctions").stop_execution(
        executionArn=_execution_of("REOPEN_STATE_MACHINE_ARN", alice.space_id)
    )
    # ... and the holder may ask again
    status, body = _ask_again(deployed, alice)
    assert (status, body["status"]) == (202, "REOPENING"), body
