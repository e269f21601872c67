"""Typed settings, read from the function's environment (template.yaml Globals)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from datetime import timedelta

from pydantic import TypeAdapter


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


@dataclass(frozen=True)
class EnrollmentSettings:
    ops_bucket: str
    kms_key_id: str
    wave_state_machine_arn: str
    pepper_secret_id: str
    window: timedelta  # ENROLLMENT_WINDOW, an ISO 8601 duration: P42D, or PT1M for a demo

    @classmethod
    def from_env(cls) -> EnrollmentSettings:
        env = os.environ
        return cls(
            ops_bucket=env["OPS_BUCKET"],
            kms_key_id=env["KMS_KEY_ID"],
            wave_state_machine_arn=env["WAVE_STATE_MACHINE_ARN"],
            pepper_secret_id=env["PEPPER_SECRET_ID"],
            window=TypeAdapter(timedelta).validate_python(env.get("ENROLLMENT_WINDOW", "P42D")),
        )
