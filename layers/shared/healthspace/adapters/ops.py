"""Operations adapters: the operations bucket (S3), the wave timer (Step Functions) and the code
pepper (Secrets Manager)."""

from __future__ import annotations

import contextlib
import io
import json
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, TextIO

import boto3

from healthspace.enrollment.model import Wave

RECEIPT_LINK_SECONDS = 24 * 3600


class S3OpsFiles:
    def __init__(self, bucket: str, kms_key_id: str) -> None:
        self.bucket = bucket
        self.kms_key_id = kms_key_id

    @cached_property
    def _s3(self) -> Any:
        return boto3.client("s3", config=boto3.session.Config(signature_version="s3v4"))

    def _put(self, key: str, body: bytes, content_type: str) -> None:
        self._s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=body,
            ContentType=content_type,
            ServerSideEncryption="aws:kms",
            SSEKMSKeyId=self.kms_key_id,
        )

    def put_json(self, key: str, value: object) -> None:
        self._put(key, json.dumps(value, default=str).encode(), "application/json")

    def put_text(self, key: str, text: str, content_type: str) -> None:
        self._put(key, text.encode(), f"{content_type}; charset=utf-8")

    def get_json(self, key: str) -> object:
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        return json.loads(body)

    def read_text(self, key: str) -> TextIO:
        body = self._s3.get_object(Bucket=self.bucket, Key=key)["Body"]
        # utf-8-sig: spreadsheets often save CSV with a byte-order mark.
        return io.TextIOWrapper(body, encoding="utf-8-sig", newline="")

    def list_keys(self, prefix: str) -> list[str]:
        keys: list[str] = []
        for page in self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=prefix
        ):
            keys.extend(obj["Key"] for obj in page.get("Contents", []))
        return keys

    def put_receipt(self, receipt_id: str, pdf: bytes, folder: str = "receipts") -> str:
        key = f"{folder}/{receipt_id}.pdf"
        self._put(key, pdf, "application/pdf")
        url: str = self._s3.generate_presigned_url(
            "get_object",
            Params={
                "Bucket": self.bucket,
                "Key": key,
                "ResponseContentDisposition": f'attachment; filename="{receipt_id}.pdf"',
            },
            ExpiresIn=RECEIPT_LINK_SECONDS,
        )
        return url


class StepFunctionsWaves:
    """One execution per wave, named after it: starting it twice is refused, harmlessly."""

    def __init__(self, state_machine_arn: str) -> None:
        self.state_machine_arn = state_machine_arn

    @cached_property
    def _sfn(self) -> Any:
        return boto3.client("stepfunctions")

    def schedule(self, wave: Wave) -> None:
        # Already started (another import the same day, or a retry): nothing to do.
        with contextlib.suppress(self._sfn.exceptions.ExecutionAlreadyExists):
            self._sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=wave.wave_id,
                input=json.dumps({"wave_id": wave.wave_id, "deadline": _timestamp(wave.deadline)}),
            )


def read_pepper(secret_id: str) -> bytes:
    """The secret key of the code digests (never logged, never leaves memory)."""
    client = boto3.client("secretsmanager")
    value: str = client.get_secret_value(SecretId=secret_id)["SecretString"]
    return value.encode()


def _timestamp(moment: datetime) -> str:
    """The form a Wait state's TimestampPath accepts (UTC, 'Z', no fraction)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StepFunctionsSuspensions:
    """One execution of the suspension workflow per suspension, named after the space and the
    version the suspension left it at: starting it twice (a retried request) is refused,
    harmlessly; a later suspension of the same space has its own."""

    def __init__(self, state_machine_arn: str, wait_seconds: int) -> None:
        self.state_machine_arn = state_machine_arn
        self.wait_seconds = wait_seconds

    @cached_property
    def _sfn(self) -> Any:
        return boto3.client("stepfunctions")

    def start(self, space_id: str, version: int) -> None:
        with contextlib.suppress(self._sfn.exceptions.ExecutionAlreadyExists):
            self._sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=f"{space_id}-{version}",
                input=json.dumps(
                    {"space_id": space_id, "version": version, "wait_seconds": self.wait_seconds}
                ),
            )
