"""Wires the domain to its AWS adapters, once per warm function (clients are created lazily)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING, cast

from healthspace.adapters.dynamodb import DynamoStore
from healthspace.adapters.kms import KmsKeys
from healthspace.adapters.s3 import S3Blobs
from healthspace.adapters.system import SystemClock, UlidIds
from healthspace.service import Limits, MedicalFile
from healthspace.settings import EnrollmentSettings, Settings

if TYPE_CHECKING:
    from healthspace.enrollment_service import Enrollments


@cache
def medical_file() -> MedicalFile:
    settings = Settings.from_env()
    return MedicalFile(
        store=DynamoStore(settings.table_name),
        blobs=S3Blobs(
            quarantine_bucket=settings.quarantine_bucket,
            documents_bucket=settings.documents_bucket,
            downloads_bucket=settings.downloads_bucket,
            kms_key_id=settings.kms_key_id,
        ),
        keys=KmsKeys(settings.kms_key_id),
        clock=SystemClock(),
        ids=UlidIds(),
        limits=Limits(max_upload_bytes=settings.max_upload_bytes),
    )


@cache
def enrollments() -> Enrollments:
    # Imported here, not above: only the functions that enroll people pay for these modules
    # (the PDF library among them) at cold start.
    from healthspace.adapters.enrollment_store import DynamoEnrollmentStore
    from healthspace.adapters.notify import Notifications, NotifySettings
    from healthspace.adapters.ops import S3OpsFiles, StepFunctionsWaves, read_pepper
    from healthspace.enrollment_service import Enrollments, Rules
    from healthspace.receipts import render_receipt

    settings = EnrollmentSettings.from_env()
    file = medical_file()
    return Enrollments(
        store=DynamoEnrollmentStore(cast(DynamoStore, file.store)),
        notifier=Notifications(NotifySettings.from_env(), clock=file.clock, ids=file.ids),
        files=S3OpsFiles(settings.ops_bucket, settings.kms_key_id),
        scheduler=StepFunctionsWaves(settings.wave_state_machine_arn),
        pepper=read_pepper(settings.pepper_secret_id),
        clock=file.clock,
        ids=file.ids,
        new_space=file.new_space,
        render_receipt=render_receipt,
        rules=Rules(window=settings.window),
    )
