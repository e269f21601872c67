"""The purge at term on the local stack: its daily schedule fired (EventBridge never fires in
moto: the stack's ticker does), the purge workflow (infra/statemachines/purge.asl.json) executed
by moto: Plan queries the dated index, the Distributed Map purges the due archives in batches
from the S3 manifest (a batch dies midway, is retried, purges all, counts nothing twice),
Advance moves the cursor. Archives not due, and open spaces, are untouched."""

from __future__ import annotations

import json
import time
from datetime import UTC, date, datetime, timedelta
from typing import Any

import boto3

from healthspace.lifecycle.model import Closure
from healthspace.records.model import Action, Holder, Role
from infra.local.executions import finished
from infra.local.stack import LocalStack
from tests.fakes import FakeClock
from tests.lifecycle.conftest import LifecycleHandler

_serial = iter(range(1, 10_000))


def closed_space(stack: LocalStack, closed_at: datetime, objects: int = 2) -> str:
    """A space with `objects` document objects, closed at `closed_at` (its term ten years on)."""
    from healthspace.adapters.dynamodb.lifecycle import DynamoClosures
    from healthspace.kernel.identifiers import make_ins
    from healthspace.wiring.records import medical_file, table

    file = medical_file()
    n = next(_serial)
    space = file.spaces.open_space(
        make_ins(f"27001750{n:05d}"),
        Holder(given_name="Eve", family_name="Martin", birth_date=date(1930, 1, 1)),
    )
    s3 = boto3.client("s3")
    for d in range(objects):
        s3.put_object(
            Bucket=stack.ref("DocumentsBucket"),
            Key=f"spaces/{space.space_id}/documents/D{d}",
            Body=b"ciphertext",
        )
    closure = Closure.of(space.space_id, closed_at, Role.HOLDER, "sub")
    entry = file.history.entry_of(
        space.space_id, file.clock and _author(), Role.HOLDER, Action.UPDATE, "space/closure"
    )
    assert DynamoClosures(table()).close_space(space, closure, entry)
    archived(stack, space.space_id)
    return space.space_id


def archived(stack: LocalStack, space_id: str, timeout: float = 60) -> None:
    """A space closed years ago is archived: the closure's stream record starts the archive
    workflow (its one archive object, its documents' objects and hot items gone)."""
    table = boto3.resource("dynamodb").Table(stack.ref("HealthSpaceTable"))
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        stack.deliver_streams()
        item = table.get_item(Key={"pk": f"SPACE#{space_id}", "sk": "SPACE"})["Item"]
        if item["status"] == "ARCHIVED" and len(partition(stack, space_id)) == 2:
            return
        time.sleep(0.1)
    raise AssertionError(f"{space_id} was not archived")


def _author():
    from healthspace.records.model import ActorKind, Author

    return Author(kind=ActorKind.PATIENT, id="sub", display_name="Eve")


def partition(stack: LocalStack, space_id: str) -> list[dict[str, Any]]:
    from boto3.dynamodb.conditions import Key

    table = boto3.resource("dynamodb").Table(stack.ref("HealthSpaceTable"))
    return table.query(KeyConditionExpression=Key("pk").eq(f"SPACE#{space_id}"))["Items"]


def object_versions(stack: LocalStack, space_id: str) -> int:
    """Its objects' versions in both buckets: the documents' and the archive's."""
    total = 0
    for bucket in ("DocumentsBucket", "ArchiveBucket"):
        listed = boto3.client("s3").list_object_versions(
            Bucket=stack.ref(bucket), Prefix=f"spaces/{space_id}/"
        )
        total += len(listed.get("Versions", [])) + len(listed.get("DeleteMarkers", []))
    return total


def audits(stack: LocalStack) -> list[dict[str, Any]]:
    table = boto3.resource("dynamodb").Table(stack.ref("HealthSpaceTable"))
    found = table.scan()["Items"]
    return [json.loads(i["body"]) for i in found if i["pk"].startswith("AUDIT#DELETIONS#")]


def test_the_daily_schedule_purges_the_archives_due_in_batches(
    stack: LocalStack, lifecycle_handler: LifecycleHandler
) -> None:
    from healthspace.wiring.erasing import purge_sweep

    # Given five spaces closed ten years and two days ago, one closed ten years ago less a
    # week (its term to come), and an open one
    now = datetime.now(UTC)
    ten_years_ago = FakeClock(now.replace(year=now.year - 10)).now()
    due = [closed_space(stack, ten_years_ago - timedelta(days=2)) for _ in range(5)]
    later = closed_space(stack, ten_years_ago + timedelta(days=7))
    later_items = partition(stack, later)
    # batches of two (three Distributed Map items), and the second item dying midway once
    purge_sweep().batch_size = 2
    lifecycle_handler.crash_once = True

    # When the daily schedule fires
    execution = finished(stack.fire("PurgeStateMachine"))

    # Then the execution succeeded, the cursor at today
    assert execution["status"] == "SUCCEEDED", execution
    output = json.loads(execution["output"])
    assert output["plan"]["spaces"] == 5 and output["plan"]["batches"] == 3
    assert output["advanced"]["cursor"] == now.date().isoformat()
    # every due space purged: its objects, its items but the tombstone
    for space_id in due:
        assert object_versions(stack, space_id) == 0
        [tombstone] = partition(stack, space_id)
        assert json.loads(tombstone["body"])["status"] == "PURGED"
    # one audit each, alike (each space alike, archived: its one archive object), the crashed
    # one counted once
    found = audits(stack)
    assert len(found) == 5
    assert {(a["objects"], a["items"]) for a in found} == {(1, found[0]["items"])}
    # the crashed batch ran twice (Step Functions' retry), the others once
    assert lifecycle_handler.calls["purge"] == 3 + 1
    assert lifecycle_handler.calls["plan"] == 1 and lifecycle_handler.calls["advance"] == 1
    # and the archive whose term is to come is untouched
    assert partition(stack, later) == later_items
    assert object_versions(stack, later) == 1  # its archive

    # When it fires again the same day: nothing due, nothing purged, the cursor where it was
    again = finished(stack.fire("PurgeStateMachine"))
    assert again["status"] == "SUCCEEDED"
    assert json.loads(again["output"])["plan"]["spaces"] == 0
    assert len(audits(stack)) == 5
