"""Resumes the reopen workflow from the archive bucket's `s3:ObjectRestore:Completed`
notification: the reopen workflow waiting for that object's restore gets its task token back
(SendTaskSuccess). (A closure's archive workflow is started by StreamEventsFunction, from the
table's stream.)

A thin adapter over healthspace.lifecycle; ids only, no health data, reach it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote_plus

from aws_lambda_powertools.utilities.typing import LambdaContext

from healthspace.kernel.observability import logger
from healthspace.wiring.lifecycle import reopenings

reopenings()  # at init: a missing setting stops the function here, naming it


@logger.inject_lambda_context
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    resumed = 0
    for record in event.get("Records") or []:
        if not str(record.get("eventName", "")).startswith("ObjectRestore:Completed"):
            continue
        key = unquote_plus(str(record["s3"]["object"]["key"]))  # URL-encoded, as S3 sends it
        resumed += reopenings().on_restored(key)
    logger.info("restores completed", extra={"resumed": resumed})
    return {"resumed": resumed}
