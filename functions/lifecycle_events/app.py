"""Starts and resumes the lifecycle workflows from events:

- the table's stream: a closure item inserted (a space just closed) starts the archive
  workflow, one execution per closure (a record delivered twice starts nothing twice);
- the archive bucket's `s3:ObjectRestore:Completed` notification: the reopen workflow waiting
  for that object's restore gets its task token back (SendTaskSuccess).

A thin adapter over healthspace.lifecycle; ids only, no health data, reach it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger
from healthspace.lifecycle.model import Closure
from healthspace.wiring.lifecycle import archives, reopenings

archives()  # at init: a missing setting stops the function here, naming it
reopenings()

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def start_archive(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    # The mapping's filter keeps only these; this guards a mapping created without it.
    if (
        record.event_name is not DynamoDBRecordEventName.INSERT
        or not image
        or not str(image.get("pk", "")).startswith("SPACE#")
        or image.get("sk") != "CLOSURE"
    ):
        return
    archives().start(Closure.model_validate_json(str(image["body"])))


def _restored(event: dict[str, Any]) -> dict[str, Any]:
    resumed = 0
    for record in event["Records"]:
        if not str(record.get("eventName", "")).startswith("ObjectRestore:Completed"):
            continue
        key = unquote_plus(str(record["s3"]["object"]["key"]))  # URL-encoded, as S3 sends it
        resumed += reopenings().on_restored(key)
    logger.info("restores completed", extra={"resumed": resumed})
    return {"resumed": resumed}


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> Any:
    records = event.get("Records") or []
    if records and records[0].get("eventSource") == "aws:s3":
        return _restored(event)
    return process_partial_response(
        event=event, record_handler=start_archive, processor=processor, context=context
    )
