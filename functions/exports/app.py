"""Builds the exports people ask for (POST /me/exports), from the table's stream of new export
items: each export's ZIP (its FHIR Bundle, its documents, its index) streamed part by part into
the downloads bucket.

A thin adapter over healthspace.lifecycle.exports. The event source mapping (template.yaml)
passes only inserted `EXPORT#` items; a build is done at most once (a redelivered record finds
its export done), a failed build marks its export FAILED, and a record whose invocation dies
(its timeout) is retried, then set aside on the queue named in template.yaml.
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
from healthspace.lifecycle.export_model import Export
from healthspace.wiring.lifecycle import exports

exports()  # at init: a missing setting stops the function here, naming it

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def build(record: DynamoDBRecord) -> None:
    image = record.dynamodb.new_image if record.dynamodb else None
    # The mapping's filter already keeps only new exports; this guards a mapping without it.
    if (
        record.event_name is not DynamoDBRecordEventName.INSERT
        or not image
        or not str(image.get("sk", "")).startswith("EXPORT#")
    ):
        return
    export = Export.model_validate_json(image["body"])
    logger.append_keys(space_id=export.space_id, export_id=export.export_id)
    built = exports().build(export.space_id, export.export_id)
    if built is None:  # its space was deleted meanwhile
        return
    metrics.add_metric(name=f"Export{built.status.value.title()}", unit=MetricUnit.Count, value=1)
    logger.info("export built", extra={"status": built.status.value, "failure": built.failure})


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=build, processor=processor, context=context
    )
