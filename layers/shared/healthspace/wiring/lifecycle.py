"""A space's life on AWS: closing it, its export and its summary (the records function hosts
their routes; the exports function builds the exports), archiving it and reopening it (the
archive and lifecycle-events functions; the enrollment function's space request)."""

from __future__ import annotations

from datetime import timedelta

from healthspace.adapters.dynamodb.agenda import DynamoAppointments
from healthspace.adapters.dynamodb.archive import DynamoSpaceItems
from healthspace.adapters.dynamodb.exports import DynamoExports
from healthspace.adapters.dynamodb.lifecycle import DynamoClosures
from healthspace.adapters.lifecycle import S3ArchiveObjects, StepFunctionsLifecycle
from healthspace.adapters.s3_exports import S3ExportFiles
from healthspace.kernel.settings import LifecycleSettings, RecordsSettings, WorkflowSettings
from healthspace.lifecycle.archive import Archives
from healthspace.lifecycle.closures import Closures
from healthspace.lifecycle.exports import Exports
from healthspace.lifecycle.reopen import Reopenings
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
        agenda=DynamoAppointments(table()),
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


def _workflows() -> StepFunctionsLifecycle:
    settings = WorkflowSettings.from_env()
    return StepFunctionsLifecycle(
        settings.archive_state_machine_arn, settings.reopen_state_machine_arn
    )


def _objects() -> S3ArchiveObjects:
    records = RecordsSettings.from_env()
    return S3ArchiveObjects(
        documents_bucket=records.documents_bucket,
        archive_bucket=LifecycleSettings.from_env().archive_bucket,
        kms_key_id=records.kms_key_id,
    )


@root
def archives() -> Archives:
    """The archive workflow's steps (ArchiveFunction) and its start (the stream)."""
    file = medical_file()
    return Archives(
        store=DynamoClosures(table()),
        items=DynamoSpaceItems(table()),
        objects=_objects(),
        data_key=file.spaces.space_key,
        workflows=_workflows(),
        clock=file.clock,
        content=table(),
        care=table(),
        agenda=DynamoAppointments(table()),
    )


@root
def reopenings() -> Reopenings:
    """The space request of an archived space (EnrollmentFunction), the reopen workflow's
    steps and S3's restore-completed event (the lifecycle functions)."""
    file = medical_file()
    return Reopenings(
        store=DynamoClosures(table()),
        items=DynamoSpaceItems(table()),
        objects=_objects(),
        workflows=_workflows(),
        spaces=file.spaces,
        log=file.history,
        clock=file.clock,
    )
