"""The table's stream, by what its records carry, and the router that hands them on.

AWS Lambda advises at most two functions reading a single-Region table's stream shard at once
(more are throttled). Two do (template.yaml): NoticesFunction, the access log's entries, and
StreamEventsFunction, this router, for the rest: a closure starts the archive workflow (one
execution per closure: a record delivered twice starts nothing twice); an ACTIVATED enrollment
line and a new export go to their function's queue, the stream record itself as the message's
JSON body, read back there by `from_queue`. Their consumers are idempotent (an account already
opened is left as it is; an export not PENDING is not built again), so a record handed on twice
does nothing twice.

The predicates say which records each reader wants; the mappings' FilterCriteria say the same,
and the readers check again: a mapping created without its filter passes everything.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from enum import StrEnum
from typing import Any, Protocol

from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord

from healthspace.lifecycle.model import Closure


def _inserted(record: DynamoDBRecord) -> dict[str, Any]:
    """The new item of an INSERT record; empty for any other record."""
    if record.event_name is not DynamoDBRecordEventName.INSERT or not record.dynamodb:
        return {}
    return record.dynamodb.new_image or {}


def is_closure(record: DynamoDBRecord) -> bool:
    """A space's closure item, just written (its closing)."""
    image = _inserted(record)
    return str(image.get("pk", "")).startswith("SPACE#") and image.get("sk") == "CLOSURE"


def is_activation(record: DynamoDBRecord) -> bool:
    """An enrollment history's ACTIVATED line (a space just became active)."""
    image = _inserted(record)
    return (
        str(image.get("pk", "")).startswith("ENROLL#")
        and str(image.get("sk", "")).startswith("LOG#")
        and image.get("category") == "ACTIVATED"
    )


def is_new_export(record: DynamoDBRecord) -> bool:
    """An export just asked for."""
    image = _inserted(record)
    return str(image.get("pk", "")).startswith("SPACE#") and str(image.get("sk", "")).startswith(
        "EXPORT#"
    )


def from_queue(message: SQSRecord) -> DynamoDBRecord:
    """The stream record a queue's message carries (StreamRouter.route sent it)."""
    return DynamoDBRecord(json.loads(message.body))


class Queue(Protocol):
    def send(self, body: str) -> None: ...


class Routed(StrEnum):
    ARCHIVE = "archive"
    ACCOUNTS = "accounts"
    EXPORTS = "exports"
    NOWHERE = "nowhere"  # a record no reader wants (a mapping without its filter)


class StreamRouter:
    def __init__(
        self, start_archive: Callable[[Closure], None], accounts: Queue, exports: Queue
    ) -> None:
        self.start_archive = start_archive
        self.accounts = accounts
        self.exports = exports

    def route(self, record: DynamoDBRecord) -> Routed:
        """The cheap hand-off of one record; an error (a throttled call) is the record's."""
        if is_closure(record):
            self.start_archive(Closure.model_validate_json(str(_inserted(record)["body"])))
            return Routed.ARCHIVE
        if is_activation(record):
            self.accounts.send(json.dumps(record.raw_event))
            return Routed.ACCOUNTS
        if is_new_export(record):
            self.exports.send(json.dumps(record.raw_event))
            return Routed.EXPORTS
        return Routed.NOWHERE
