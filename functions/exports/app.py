"""Builds the exports people ask for (POST /me/exports), from the table's new export items,
which StreamEventsFunction hands on from the table's stream to ExportsQueue (the stream record
as each message's body): each export's ZIP (its FHIR Bundle, its documents, its index) streamed
part by part into the downloads bucket.

A thin adapter over healthspace.lifecycle.exports. A build is done at most once (a redelivered
message finds its export RUNNING or done, and builds nothing), a failed build marks its export
FAILED; a message whose invocation dies (its timeout) comes back after the queue's visibility
timeout, finds its export RUNNING, and is done: the export shows FAILED past its deadline.
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
from aws_lambda_powertools.utilities.data_classes.dynamo_db_stream_event import DynamoDBRecord
from aws_lambda_powertools.utilities.data_classes.sqs_event import SQSRecord
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.lifecycle.export_model import Export
from healthspace.wiring.lifecycle import exports
from healthspace.wiring.stream import from_queue, is_new_export

exports()  # at init: a missing setting stops the function here, naming it

processor = BatchProcessor(event_type=EventType.SQS)


def build(record: DynamoDBRecord) -> None:
    # The router sends only new exports; this guards a message sent by anything else.
    if not is_new_export(record) or record.dynamodb is None:
        return
    export = Export.model_validate_json(record.dynamodb.new_image["body"])
    logger.append_keys(space_id=export.space_id, export_id=export.export_id)
    built = exports().build(export.space_id, export.export_id)
    if built is None:  # its space was deleted meanwhile
        return
    metrics.add_metric(name=f"Export{built.status.value.title()}", unit=MetricUnit.Count, value=1)
    logger.info("export built", extra={"status": built.status.value, "failure": built.failure})


def queued(record: SQSRecord) -> None:
    build(from_queue(record))


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=queued, processor=processor, context=context
    )
