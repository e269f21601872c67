"""Waiting for a Step Functions execution on the local stack (moto runs it in its threads):
what tests and benchmarks do after starting a workflow."""

from __future__ import annotations

import time
from typing import Any

import boto3


def finished(execution_arn: str, timeout: float = 120, poll: float = 0.1) -> dict[str, Any]:
    """The execution as described once it no longer runs; TimeoutError past `timeout` seconds
    (a deadline in time, not in rounds: a loaded machine polls less often)."""
    sfn = boto3.client("stepfunctions")
    give_up = time.monotonic() + timeout
    while time.monotonic() < give_up:
        described: dict[str, Any] = sfn.describe_execution(executionArn=execution_arn)
        if described["status"] != "RUNNING":
            return described
        time.sleep(poll)
    raise TimeoutError(f"{execution_arn} still running after {timeout}s")
