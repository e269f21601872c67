"""An SQS queue a function hands work to (the stream router's queues, healthspace.wiring.stream).
Encrypted with the customer-managed key: the sender needs kms:GenerateDataKey and kms:Decrypt."""

from __future__ import annotations

from functools import cached_property
from typing import Any

import boto3


class SqsQueue:
    def __init__(self, url: str) -> None:
        self.url = url

    @cached_property
    def _sqs(self) -> Any:
        return boto3.client("sqs")

    def send(self, body: str) -> None:
        self._sqs.send_message(QueueUrl=self.url, MessageBody=body)
