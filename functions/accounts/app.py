"""Opens people's accounts when their space becomes active, from the table's stream of new
enrollment-history lines (ACTIVATED: the person's code, the helpline, the wave's timer).

A thin adapter over healthspace.accounts. The event source mapping (template.yaml) passes only
inserted ACTIVATED lines; opening an account is idempotent (an existing one is left as it is),
so a record delivered twice opens nothing twice. A record that fails (the pool's throttling) is
reported alone: Lambda retries from it."""

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
from healthspace.wiring.accounts import accounts

accounts()  # at init: a missing setting stops the function here, naming it

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def open_accounts(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    # The mapping's filter keeps only these; this guards a mapping created without it.
    if (
        record.event_name is not DynamoDBRecordEventName.INSERT
        or not image
        or not str(image.get("pk", "")).startswith("ENROLL#")
        or not str(image.get("sk", "")).startswith("LOG#")
        or image.get("category") != "ACTIVATED"
    ):
        return
    opened = accounts().open_for_activation(str(image["pk"]).removeprefix("ENROLL#"))
    metrics.add_metric(name="AccountsOpened", unit=MetricUnit.Count, value=opened)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=open_accounts, processor=processor, context=context
    )
