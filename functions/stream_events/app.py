"""The table's stream, but for the access log (NoticesFunction's), handed on: AWS Lambda advises
at most two functions reading a table's stream shard at once, so this one reads for the others.

- a closure item inserted (a space just closed) starts the archive workflow, one execution per
  closure (a record delivered twice starts nothing twice);
- an enrollment history's ACTIVATED line goes to AccountsQueue (AccountsFunction), a new export
  to ExportsQueue (ExportsFunction): the stream record itself as the message's JSON body.

The mapping's filter (template.yaml) passes only these three kinds. A record that fails (a
throttled call) is reported alone (ReportBatchItemFailures): Lambda retries from it, and the
consumers being idempotent, the records after it handed on again do nothing twice. A thin
adapter over healthspace.adapters.dynamodb.stream; ids only, no health data, reach its logs.
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
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics
from healthspace.wiring.stream import stream_router

stream_router()  # at init: a missing setting stops the function here, naming it

processor = BatchProcessor(event_type=EventType.DynamoDBStreams)


def route(record: DynamoDBRecord) -> None:
    routed = stream_router().route(record)
    metrics.add_metric(name=f"StreamRouted{routed.value.title()}", unit=MetricUnit.Count, value=1)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> PartialItemFailureResponse:
    return process_partial_response(
        event=event, record_handler=route, processor=processor, context=context
    )
