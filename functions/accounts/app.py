"""Opens people's accounts when their space becomes active, from the table's new
enrollment-history lines (ACTIVATED: the person's code, the helpline, the wave's timer), which
StreamEventsFunction hands on from the table's stream to AccountsQueue, the stream record as
each message's body.

A thin adapter over healthspace.accounts. Opening an account is idempotent (an existing one is
left as it is), so a record delivered twice opens nothing twice. A message that fails (the
pool's throttling) is reported alone (partial batch response): it comes back after the queue's
visibility timeout, and after its last receive lies on AccountsDeadLetterQueue."""

from __future__ import annotations

from typing import Any

from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.batch import (
    BatchProcessor,
    EventType,
    process_partial_response,
)
from aws_lambda_powertools.utilities.batch.types import PartialItemFailureResponse
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.wiring.accounts import accounts
from healthspace.wiring.stream import from_queue, is_activation

accounts()  # at init: a missing setting stops the function here, naming it

processor = BatchProcessor(event_type=EventType.SQS)


def open_accounts(record: DynamoDBRecord) -> None:
    # The router sends only these; this guards a message sent by anything else.
    if not is_activation(record) or record.dynamodb is None:
        return
    image = record.dynamodb.new_image
    opened = accounts().open_for_activation(str(image["pk"]).removeprefix("ENROLL#"))
    metrics.add_metric(name="AccountsOpened", unit=MetricUnit.Count, value=opened)


def queued(record: SQSRecord) -> None:
    open_accounts(from_queue(record))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=queued, processor=processor, context=context
    )
