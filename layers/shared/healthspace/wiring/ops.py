"""The operations bucket alone (the migration function reads files and writes reports there,
and needs none of enrollment's settings)."""

from __future__ import annotations

from healthspace.adapters.ops import S3OpsFiles
from healthspace.kernel.settings import OpsSettings
from healthspace.wiring import root


@root
def ops_files() -> S3OpsFiles:
    settings = OpsSettings.from_env()
    return S3OpsFiles(settings.ops_bucket, settings.kms_key_id)
