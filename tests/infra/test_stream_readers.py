"""How many functions read the health space table's stream, and what its router keeps.

AWS Lambda's documentation (DynamoDB Streams, "Concurrent readers of a shard"): for a
single-Region table, design for at most two Lambda functions reading the same stream shard at
once; more readers are throttled (the shard's read limit is shared by them). Fan-out beyond two
goes through one reader that hands records on (template.yaml: StreamEventsFunction, to the
archive workflow and two SQS queues)."""

from __future__ import annotations

from typing import Any

import pytest

from infra.local.sample_events import dynamodb_stream_event
from infra.local.streams import StreamMapping
from infra.local.template import load_template, walk_events

MOST_READERS = 2  # AWS's advice for a single-Region table's stream


def _table_stream(props: dict[str, Any]) -> bool:
    return props.get("Stream") == {"Fn::GetAtt": ["HealthSpaceTable", "StreamArn"]}


def test_at_most_two_functions_read_the_tables_stream() -> None:
    """More than two functions mapped to the table's stream are throttled on its shards
    (AWS Lambda, DynamoDB Streams, "Concurrent readers of a shard"): hand records on from one
    reader instead (StreamEventsFunction)."""
    readers = sorted(
        {
            function
            for function, _, props in walk_events(load_template(), "DynamoDB")
            if _table_stream(props)
        }
    )
    assert readers, "no function reads the table's stream: the test no longer finds them"
    assert len(readers) <= MOST_READERS, (
        f"{len(readers)} functions read the table's stream ({', '.join(readers)}); AWS advises "
        f"at most {MOST_READERS}: route the new one's records through StreamEventsFunction"
    )


def _router() -> StreamMapping:
    [(function, props)] = [
        (function, props)
        for function, _, props in walk_events(load_template(), "DynamoDB")
        if function == "StreamEventsFunction"
    ]
    return StreamMapping.of(function, {**props, "Stream": "arn:stream"})


def _record(pk: str, sk: str, **more: str) -> dict[str, Any]:
    item = {"pk": {"S": pk}, "sk": {"S": sk}, **{k: {"S": v} for k, v in more.items()}}
    [record] = dynamodb_stream_event([item])["Records"]
    return dict(record)


@pytest.mark.parametrize(
    ("kind", "record", "kept"),
    [
        ("closure", _record("SPACE#s1", "CLOSURE", body="{}"), True),
        ("activation", _record("ENROLL#i1", "LOG#01", category="ACTIVATED"), True),
        ("export", _record("SPACE#s1", "EXPORT#01", body="{}"), True),
        ("access-log entry (NoticesFunction's)", _record("SPACE#s1", "LOG#01", body="{}"), False),
        ("another history line", _record("ENROLL#i1", "LOG#02", category="OPPOSED"), False),
        ("the running export's marker", _record("SPACE#s1", "EXPORT-RUNNING"), False),
        ("a space", _record("SPACE#s1", "SPACE", body="{}"), False),
    ],
)
def test_the_routers_filter_keeps_what_the_others_want_and_nothing_else(
    kind: str, record: dict[str, Any], kept: bool
) -> None:
    assert _router().keeps(record) is kept, kind
    modified = {**record, "eventName": "MODIFY"}
    assert not _router().keeps(modified), kind
