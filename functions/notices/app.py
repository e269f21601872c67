"""Tells patients of the acts on their file, from the table's stream of new access-log entries.

A thin adapter over healthspace.notices. The event source mapping (template.yaml) passes only
inserted access-log items; each is told at most once (claims), and a record that fails is
reported alone (ReportBatchItemFailures): Lambda retries from it, the records before it are done.
"""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import (
    DynamoDBRecord,
    DynamoDBRecordEventName,
)
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.records.model import AccessLogEntry
from healthspace.wiring.notices import patient_notices

patient_notices()  # at init: a missing setting stops the function here, naming it

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def tell(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    # The mapping's filter already keeps only new access-log entries; this guards a mapping
    # created without it (the entry's body is all this function reads).
    if (
        record.event_name is not DynamoDBRecordEventName.INSERT
        or not image
        or not str(image.get("pk", "")).startswith("SPACE#")
        or not str(image.get("sk", "")).startswith("LOG#")
    ):
        return
    entry = AccessLogEntry.model_validate_json(image["body"])
    outcome = patient_notices().tell(entry)
    metrics.add_metric(
        name="Notices" + outcome.value.title().replace("-", ""), unit=MetricUnit.Count, value=1
    )
    logger.debug("entry told", extra={"entry_id": entry.entry_id, "outcome": outcome.value})


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=tell, processor=processor, context=context
    )
