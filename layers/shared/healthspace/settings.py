"""Typed settings, read from the function's environment (template.yaml Globals)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    table_name: str
    documents_bucket: str
    quarantine_bucket: str
    downloads_bucket: str
    kms_key_id: str
    max_upload_bytes: int

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            table_name=env["TABLE_NAME"],
            documents_bucket=env["DOCUMENTS_BUCKET"],
            quarantine_bucket=env["QUARANTINE_BUCKET"],
            downloads_bucket=env["DOWNLOADS_BUCKET"],
            kms_key_id=env["KMS_KEY_ID"],
            max_upload_bytes=int(env.get("MAX_UPLOAD_BYTES", 20 * 1024 * 1024)),
        )
