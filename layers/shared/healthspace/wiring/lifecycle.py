"""A space's life on AWS: closing it, its export and its summary (the records function hosts
their routes; the exports function builds the exports)."""

from __future__ import annotations

from datetime import timedelta

from healthspace.adapters.dynamodb.exports import DynamoExports
from healthspace.adapters.dynamodb.lifecycle import DynamoClosures
from healthspace.adapters.s3_exports import S3ExportFiles
from healthspace.kernel.settings import LifecycleSettings, RecordsSettings
from healthspace.lifecycle.closures import Closures
from healthspace.lifecycle.exports import Exports
from healthspace.lifecycle.summary import Summaries
from healthspace.wiring import root
from healthspace.wiring.records import medical_file, table


@root
def closures() -> Closures:
    file = medical_file()
    settings = LifecycleSettings.from_env()
    return Closures(
        store=DynamoClosures(table()),
        policy=file.spaces.policy,
        log=file.history,
        clock=file.clock,
        reauthentication=timedelta(minutes=settings.reauthentication_minutes),
    )


@root
def exports() -> Exports:
    """The export of a space: asked for and handed out by the records function, built by the
    exports function."""
    file = medical_file()
    settings = RecordsSettings.from_env()
    return Exports(
        store=DynamoExports(table()),
        files=S3ExportFiles(settings.downloads_bucket, settings.kms_key_id),
        content=table(),
        care=table(),
        blobs=file.blobs,
        spaces=file.spaces,
        log=file.history,
        clock=file.clock,
        ids=file.ids,
        link_seconds=file.limits.download_url_seconds,
    )


@root
def summaries(documents: bool = False) -> Summaries:
    """The International Patient Summary (the records function); with `documents`, the file by
    post too (the helpline, in the enrollment function)."""
    file = medical_file()
    return Summaries(
        store=table(),
        spaces=file.spaces,
        blobs=file.blobs,
        log=file.history,
        clock=file.clock,
        ids=file.ids,
        link_seconds=file.limits.download_url_seconds,
        documents=table() if documents else None,
    )
