"""The medical file on AWS: the health space table, the buckets and the KMS key. The root of the
records, ingest and releases functions, and what the other roots build on."""

from __future__ import annotations

from healthspace.adapters.cloudfront import SignedViewLinks
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.kms import KmsKeys
from healthspace.adapters.s3 import S3Blobs
from healthspace.adapters.system import SystemClock, UlidIds
from healthspace.kernel.settings import RecordsSettings, TableSettings
from healthspace.records.model import Limits
from healthspace.wiring import root
from healthspace.wiring.compose import MedicalFile, compose_medical_file


@root
def table() -> DynamoStore:
    """The health space table, shared by every adapter of its items (one connection)."""
    settings = TableSettings.from_env()
    return DynamoStore(settings.table_name, region=settings.region)


@root
def medical_file() -> MedicalFile:
    from healthspace.wiring.directory import directory  # which imports this module's table()

    settings = RecordsSettings.from_env()
    return compose_medical_file(
        store=table(),
        blobs=S3Blobs(
            quarantine_bucket=settings.quarantine_bucket,
            documents_bucket=settings.documents_bucket,
            downloads_bucket=settings.downloads_bucket,
            kms_key_id=settings.kms_key_id,
            views=SignedViewLinks(
                settings.view_origin,
                settings.view_key_pair_id,
                settings.view_signing_key_secret_id,
            ),
        ),
        keys=KmsKeys(settings.kms_key_id),
        clock=SystemClock(),
        ids=UlidIds(),
        limits=Limits(max_upload_bytes=settings.max_upload_bytes),
        directory=directory(),
    )
