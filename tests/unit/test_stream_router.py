"""The table's stream handed on (healthspace.adapters.dynamodb.stream): a closure starts the
archive workflow, an ACTIVATED enrollment line and a new export go to their queue as the stream
record itself, which their functions read back unchanged; anything else goes nowhere."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from healthspace.adapters.dynamodb.stream import (
    Routed,
    StreamRouter,
    from_queue,
    is_activation,
    is_closure,
    is_new_export,
)
from healthspace.lifecycle.model import ClosedBy, Closure
from healthspace.records.model import Role
from infra.local.sample_events import dynamodb_stream_event, sqs_event

CLOSED_AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
CLOSURE = Closure(
    space_id="01SPACE",
    closed_at=CLOSED_AT,
    closed_by=ClosedBy(role=Role.HOLDER, id="sub-1"),
    purge_after=CLOSED_AT + timedelta(days=3653),
)


def item(pk: str, sk: str, **more: str) -> dict[str, Any]:
    """An item in DynamoDB's JSON, as the stream carries it."""
    return {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in more.items()}}


ITEMS = {
    "closure": item("SPACE#01SPACE", "CLOSURE", body=CLOSURE.model_dump_json()),
    "activation": item("ENROLL#1850375111101", "LOG#01LINE", category="ACTIVATED"),
    "export": item("SPACE#01SPACE", "EXPORT#01EXPORT", body="{}"),
    "access-log entry": item("SPACE#01SPACE", "LOG#01ENTRY", body="{}"),
    "other history line": item("ENROLL#1850375111101", "LOG#01OTHER", category="OPPOSED"),
    "running marker": item("SPACE#01SPACE", "EXPORT-RUNNING", status="01EXPORT"),
}


def record(name: str, event_name: str = "INSERT") -> DynamoDBRecord:
    [raw] = dynamodb_stream_event([ITEMS[name]])["Records"]
    raw["eventName"] = event_name
    return DynamoDBRecord(raw)


class Queue:
    def __init__(self) -> None:
        self.sent: list[str] = []

    def send(self, body: str) -> None:
        self.sent.append(body)


@pytest.fixture
def router() -> StreamRouter:
    started: list[Closure] = []
    router = StreamRouter(start_archive=started.append, accounts=Queue(), exports=Queue())
    router.started = started  # type: ignore[attr-defined]
    return router


def test_a_closure_starts_its_archive_workflow(router: StreamRouter) -> None:
    assert router.route(record("closure")) is Routed.ARCHIVE
    assert router.started == [CLOSURE]  # type: ignore[attr-defined]
    assert router.accounts.sent == router.exports.sent == []  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("name", "routed", "wanted"),
    [("activation", Routed.ACCOUNTS, is_activation), ("export", Routed.EXPORTS, is_new_export)],
)
def test_activations_and_exports_reach_their_queue_as_the_stream_record(
    router: StreamRouter, name: str, routed: Routed, wanted: Any
) -> None:
    given = record(name)

    assert router.route(given) is routed

    queue = router.accounts if routed is Routed.ACCOUNTS else router.exports
    [body] = queue.sent  # type: ignore[attr-defined]
    read = from_queue(SQSRecord(sqs_event([body])["Records"][0]))
    assert read.raw_event == given.raw_event and wanted(read)
    assert read.dynamodb is not None and read.dynamodb.new_image["pk"] == ITEMS[name]["pk"]["S"]
    assert router.started == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["access-log entry", "other history line", "running marker"])
def test_what_no_reader_wants_goes_nowhere(router: StreamRouter, name: str) -> None:
    assert router.route(record(name)) is Routed.NOWHERE
    assert router.accounts.sent == router.exports.sent == []  # type: ignore[attr-defined]


@pytest.mark.parametrize("name", ["closure", "activation", "export"])
def test_only_insertions_count(name: str) -> None:
    for event_name in ("MODIFY", "REMOVE"):
        changed = record(name, event_name)
        assert not (is_closure(changed) or is_activation(changed) or is_new_export(changed))


def test_a_failed_hand_off_is_the_records_error() -> None:
    class Down:
        def send(self, body: str) -> None:
            raise ConnectionError("throttled")

    router = StreamRouter(start_archive=lambda closure: None, accounts=Down(), exports=Queue())
    with pytest.raises(ConnectionError):
        router.route(record("activation"))


def test_the_body_is_json() -> None:
    router = StreamRouter(start_archive=lambda closure: None, accounts=Queue(), exports=Queue())
    router.route(record("export"))
    assert json.loads(router.exports.sent[0])["eventSource"] == "aws:dynamodb"  # type: ignore[attr-defined]
