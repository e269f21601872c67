"""The shape of a function that goes through the files dropped in the operations bucket (a
population import, a migration): one S3 notification may carry several files, each handled on
its own and reported (file_processed)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.data_classes import S3Event, event_source
from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger, metrics

LambdaHandler = Callable[[dict[str, Any], LambdaContext], list[dict[str, Any]]]


def for_each_file(handle: Callable[[str], dict[str, Any]]) -> LambdaHandler:
    """The Lambda handler that calls `handle(key)` for each file of the notification (S3 sends
    keys URL-encoded) and answers their summaries."""

    @logger.inject_lambda_context
    @metrics.log_metrics
    @event_source(data_class=S3Event)
    def lambda_handler(event: S3Event, context: LambdaContext) -> list[dict[str, Any]]:
        return [handle(unquote_plus(record.s3.get_object.key)) for record in event.records]

    return lambda_handler
