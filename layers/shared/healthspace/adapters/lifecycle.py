"""A space's life on S3 and Step Functions (the ArchiveObjects and Workflows ports of
healthspace.lifecycle): the documents bucket's objects of a space, the archive bucket's one
object per closure (Deep Archive), and the archive and reopen state machines."""

from __future__ import annotations

import base64
import contextlib
import json
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cached_property
from typing import Any, BinaryIO

import boto3
from botocore.exceptions import ClientError

from healthspace.lifecycle.ports import StoredArchive

STORAGE_CLASS = "DEEP_ARCHIVE"  # docs/lifecycle.md: the choice and its prices
_DELETE_BATCH = 1000  # DeleteObjects' most keys a request


class S3ArchiveObjects:
    def __init__(self, documents_bucket: str, archive_bucket: str, kms_key_id: str) -> None:
        self.documents_bucket = documents_bucket
        self.archive_bucket = archive_bucket
        self.kms_key_id = kms_key_id

    @cached_property
    def _s3(self) -> Any:
        return boto3.client("s3", config=boto3.session.Config(signature_version="s3v4"))

    def _sse(self) -> dict[str, str]:
        return {"ServerSideEncryption": "aws:kms", "SSEKMSKeyId": self.kms_key_id}

    # --- the documents bucket

    def space_objects(self, space_id: str) -> Iterator[tuple[str, int]]:
        pages = self._s3.get_paginator("list_objects_v2").paginate(
            Bucket=self.documents_bucket, Prefix=f"spaces/{space_id}/"
        )
        for page in pages:
            for found in page.get("Contents", []):
                yield str(found["Key"]), int(found["Size"])

    def open_object(self, key: str) -> BinaryIO:
        body: BinaryIO = self._s3.get_object(Bucket=self.documents_bucket, Key=key)["Body"]
        return body

    def put_object_if_absent(self, key: str, stream: BinaryIO, size: int) -> bool:
        """A conditional write (If-None-Match: *): an object already there stays as it is."""
        try:
            self._s3.put_object(
                Bucket=self.documents_bucket,
                Key=key,
                Body=stream.read(size),
                IfNoneMatch="*",
                **self._sse(),
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("PreconditionFailed", "412"):
                return False
            raise
        return True

    def delete_space_objects(self, space_id: str) -> int:
        """Every version and delete marker, by its id: no noncurrent copy outlives the move."""
        pages = self._s3.get_paginator("list_object_versions").paginate(
            Bucket=self.documents_bucket, Prefix=f"spaces/{space_id}/"
        )
        doomed = [
            {"Key": found["Key"], "VersionId": found["VersionId"]}
            for page in pages
            for found in [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
        ]
        for start in range(0, len(doomed), _DELETE_BATCH):
            batch = doomed[start : start + _DELETE_BATCH]
            self._s3.delete_objects(
                Bucket=self.documents_bucket, Delete={"Objects": batch, "Quiet": True}
            )
        return len(doomed)

    # --- the archive bucket

    def find_archive(self, key: str) -> StoredArchive | None:
        try:
            head = self._s3.head_object(Bucket=self.archive_bucket, Key=key, ChecksumMode="ENABLED")
        except ClientError as exc:
            if exc.response["Error"]["Code"] in ("404", "NoSuchKey", "NotFound"):
                return None
            raise
        return _stored(key, head)

    def put_archive(
        self, key: str, stream: BinaryIO, size: int, sha256: str, metadata: dict[str, str]
    ) -> StoredArchive:
        self._s3.put_object(
            Bucket=self.archive_bucket,
            Key=key,
            Body=stream,
            ContentLength=size,
            ContentType="application/x-tar",
            StorageClass=STORAGE_CLASS,
            # S3 refuses the object if its bytes do not have this SHA-256, and answers it back on
            # a HEAD (ChecksumMode). (moto records it only with the algorithm named, and checks
            # nothing: the local stack's verification compares what S3 answers.)
            ChecksumAlgorithm="SHA256",
            ChecksumSHA256=base64.b64encode(bytes.fromhex(sha256)).decode(),
            Metadata=metadata,
            **self._sse(),
        )
        # Verified by what S3 now answers for the object (a Deep Archive object has no GET).
        found = self.find_archive(key)
        if found is None:
            raise RuntimeError("the archive just written is not there")
        return found

    def delete_archive(self, key: str, version_id: str) -> None:
        self._s3.delete_object(Bucket=self.archive_bucket, Key=key, VersionId=version_id)

    def request_restore(self, key: str, version_id: str, days: int) -> bool:
        try:
            answer = self._s3.restore_object(
                Bucket=self.archive_bucket,
                Key=key,
                VersionId=version_id,
                RestoreRequest={"Days": days, "GlacierJobParameters": {"Tier": "Standard"}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "RestoreAlreadyInProgress":
                return False
            raise
        # 202: restore started; 200: a restored copy is already there (its expiry extended).
        return int(answer["ResponseMetadata"]["HTTPStatusCode"]) == 200

    def open_archive(self, key: str, version_id: str) -> BinaryIO:
        body: BinaryIO = self._s3.get_object(
            Bucket=self.archive_bucket, Key=key, VersionId=version_id
        )["Body"]
        return body


def _stored(key: str, head: dict[str, Any]) -> StoredArchive:
    checksum = head.get("ChecksumSHA256") or ""
    return StoredArchive(
        key=key,
        version_id=str(head.get("VersionId") or "null"),
        sha256=base64.b64decode(checksum).hex() if checksum else "",
        size=int(head["ContentLength"]),
        metadata={k.lower(): str(v) for k, v in (head.get("Metadata") or {}).items()},
    )


class StepFunctionsLifecycle:
    """One archive execution per closure, one reopen execution per reopening: each named after
    what it serves, so that starting it twice is refused, harmlessly."""

    def __init__(self, archive_machine_arn: str, reopen_machine_arn: str) -> None:
        self.archive_machine_arn = archive_machine_arn
        self.reopen_machine_arn = reopen_machine_arn

    @cached_property
    def _sfn(self) -> Any:
        return boto3.client("stepfunctions")

    def _start(self, machine: str, name: str, space_id: str) -> None:
        with contextlib.suppress(self._sfn.exceptions.ExecutionAlreadyExists):
            self._sfn.start_execution(
                stateMachineArn=machine, name=name, input=json.dumps({"space_id": space_id})
            )

    def start_archive(self, space_id: str, closed_at: datetime) -> None:
        name = f"{space_id}-{closed_at.astimezone(UTC):%Y%m%dT%H%M%S}"
        self._start(self.archive_machine_arn, name, space_id)

    def start_reopen(self, space_id: str, version: int) -> None:
        self._start(self.reopen_machine_arn, f"{space_id}-{version}", space_id)

    def resume(self, token: str) -> bool:
        try:
            self._sfn.send_task_success(taskToken=token, output="{}")
        except ClientError as exc:
            if exc.response["Error"]["Code"] in (
                "TaskDoesNotExist",
                "TaskTimedOut",
                "InvalidToken",
            ):
                return False
            raise
        return True
