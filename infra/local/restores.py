"""S3's restores of Deep Archive objects, on the local stack.

In AWS a restore (RestoreObject, standard tier) takes up to twelve hours, then S3 sends
`s3:ObjectRestore:Completed` to the bucket's notification (LifecycleEventsFunction resumes the
reopen workflow). moto 5.2 keeps a restored object IN_PROGRESS until the next read of its state,
which then completes it (its state manager's "immediate" progression) and sends that very
notification, into the in-process handler as S3 would. `RestoreClock` is that read: a HEAD of
each archived object, every few seconds (in a thread of the stack) or on demand (tests and the
benchmark call `complete()`), so that "twelve hours later" comes at once. The GET refused
before a restore (InvalidObjectState) is moto's own, as in AWS.
"""

from __future__ import annotations

from typing import Any

import boto3

from infra.local.periodic import Periodic


class RestoreClock(Periodic):
    thread_name = "restore-clock"

    def __init__(self, bucket: str, prefix: str = "spaces/") -> None:
        super().__init__()
        self.bucket = bucket
        self.prefix = prefix
        self._client: Any = None

    def complete(self) -> int:
        """Complete every restore asked for so far; how many were in progress."""
        if self._client is None:
            self._client = boto3.client("s3")
        completed = 0
        pages = self._client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for found in page.get("Contents", []):
                if found.get("StorageClass") not in ("DEEP_ARCHIVE", "GLACIER"):
                    continue
                try:
                    head = self._client.head_object(Bucket=self.bucket, Key=found["Key"])
                except self._client.exceptions.ClientError as exc:
                    # Deleted since the listing (a reopening's end deletes its archive)
                    if exc.response.get("Error", {}).get("Code") in ("404", "NoSuchKey"):
                        continue
                    raise
                completed += 'ongoing-request="true"' in str(head.get("Restore", ""))
        return completed

    def round(self) -> int:
        return self.complete()
