"""Wires automatic enrollment to its AWS adapters (bootstrap.enrollments() calls it once per
warm function).

A module of its own so that only the functions that enroll people load these modules (about
0.4 s of imports, the PDF library among them), and load them at init: their handlers import
this module, so that it is in SnapStart's snapshot rather than in their first request."""

from __future__ import annotations

from typing import cast

from healthspace.adapters.dynamodb import DynamoStore
from healthspace.adapters.enrollment_store import DynamoEnrollmentStore
from healthspace.adapters.notify import Notifications, NotifySettings
from healthspace.adapters.ops import S3OpsFiles, StepFunctionsWaves, read_pepper
from healthspace.enrollment_service import Enrollments, Rules
from healthspace.receipts import render_receipt
from healthspace.service import MedicalFile
from healthspace.settings import EnrollmentSettings


def wire_enrollments(file: MedicalFile) -> Enrollments:
    settings = EnrollmentSettings.from_env()
    return Enrollments(
        store=DynamoEnrollmentStore(cast(DynamoStore, file.store)),
        notifier=Notifications(NotifySettings.from_env(), clock=file.clock, ids=file.ids),
        files=S3OpsFiles(settings.ops_bucket, settings.kms_key_id),
        scheduler=StepFunctionsWaves(settings.wave_state_machine_arn),
        # Read on first use: the wave timer never checks a code, so never reads the secret.
        pepper=lambda: read_pepper(settings.pepper_secret_id),
        clock=file.clock,
        ids=file.ids,
        new_space=file.new_space,
        render_receipt=render_receipt,
        rules=Rules(window=settings.window),
    )
