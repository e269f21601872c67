"""Wires the domain to its AWS adapters, once per warm function (clients are created lazily)."""

from __future__ import annotations

import os
from functools import cache
from typing import TYPE_CHECKING, cast

from healthspace.adapters.dynamodb import DynamoStore
from healthspace.adapters.kms import KmsKeys
from healthspace.adapters.s3 import S3Blobs
from healthspace.adapters.system import SystemClock, UlidIds
from healthspace.service import Limits, MedicalFile
from healthspace.settings import Settings

if TYPE_CHECKING:
    from healthspace.adapters.notices import DynamoProfessionalInbox
    from healthspace.adapters.ops import S3OpsFiles
    from healthspace.enrollment_service import Enrollments
    from healthspace.notices import PatientNotices


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
    # Imported here, not above: the records functions never load the enrollment modules.
    from healthspace.enrollment_wiring import wire_enrollments

    return wire_enrollments(medical_file())


@cache
def ops_files() -> S3OpsFiles:
    """The operations bucket alone (the migration function reads files and writes reports
    there, and needs none of enrollment's settings)."""
    from healthspace.adapters.ops import S3OpsFiles

    return S3OpsFiles(os.environ["OPS_BUCKET"], Settings.from_env().kms_key_id)


@cache
def patient_notices() -> PatientNotices:
    """Telling patients of the acts on their file (the notices function only)."""
    from healthspace.adapters.enrollment_store import DynamoEnrollmentStore
    from healthspace.adapters.notices import DynamoNoticeClaims
    from healthspace.adapters.notify import Notifications, NotifySettings
    from healthspace.notices import PatientNotices

    file = medical_file()
    store = cast(DynamoStore, file.store)
    settings = NotifySettings.from_env()
    return PatientNotices(
        store=store,
        contacts=DynamoEnrollmentStore(store),
        claims=DynamoNoticeClaims(store),
        mailer=Notifications(settings, clock=file.clock, ids=file.ids),
        inbox=professional_inbox(),
        clock=file.clock,
        settings=settings,
    )


@cache
def professional_inbox() -> DynamoProfessionalInbox:
    from healthspace.adapters.notices import DynamoProfessionalInbox

    return DynamoProfessionalInbox(cast(DynamoStore, medical_file().store))


def forget() -> None:
    """Drop every wiring: the next call builds it again from the environment as it is then.
    For the local stack and the tests, where one process outlives a moto server or a
    function's settings; a Lambda instance wires once."""
    for wiring in (medical_file, enrollments, ops_files, patient_notices, professional_inbox):
        wiring.cache_clear()
