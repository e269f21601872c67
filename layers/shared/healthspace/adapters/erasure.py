"""A deleted space's objects and the start of its deletion, on AWS (the SpaceObjects and
DeletionRunner ports of healthspace.lifecycle)."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator, Sequence
from functools import cached_property
from typing import Any

import boto3

_DELETE_LIMIT = 1000  # keys one DeleteObjects takes; a ListObjectVersions page holds as many


class S3SpaceObjects:
    """Every version of every object under `spaces/<space_id>/` in each bucket (documents,
    archive), delete markers included, each deleted by its version id: no noncurrent version
    waits for a lifecycle rule."""

    def __init__(self, buckets: Sequence[str]) -> None:
        self.buckets = tuple(buckets)

    @cached_property
    def _s3(self) -> Any:
        return boto3.client("s3")

    def erase(self, space_id: str) -> Iterator[int]:
        prefix = f"spaces/{space_id}/"
        for bucket in self.buckets:
            pages = self._s3.get_paginator("list_object_versions").paginate(
                Bucket=bucket, Prefix=prefix, PaginationConfig={"PageSize": _DELETE_LIMIT}
            )
            for page in pages:
                versions = [*page.get("Versions", []), *page.get("DeleteMarkers", [])]
                doomed = [{"Key": v["Key"], "VersionId": v["VersionId"]} for v in versions]
                if not doomed:
                    continue
                answer = self._s3.delete_objects(
                    Bucket=bucket, Delete={"Objects": doomed, "Quiet": True}
                )
                if answer.get("Errors"):
                    codes = sorted({e.get("Code", "?") for e in answer["Errors"]})
                    raise RuntimeError(f"object versions not deleted: {codes}")
                yield len(doomed)


class StepFunctionsDeletions:
    """One execution per space, named after it: asking twice starts it once."""

    def __init__(self, state_machine_arn: str) -> None:
        self.state_machine_arn = state_machine_arn

    @cached_property
    def _sfn(self) -> Any:
        return boto3.client("stepfunctions")

    def start(self, space_id: str) -> None:
        with contextlib.suppress(self._sfn.exceptions.ExecutionAlreadyExists):
            self._sfn.start_execution(
                stateMachineArn=self.state_machine_arn,
                name=f"delete-{space_id}",
                input=json.dumps({"space_id": space_id}),
            )
