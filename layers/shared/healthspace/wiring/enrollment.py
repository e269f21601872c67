"""Automatic enrollment on AWS: the root of the enrollment API, the population import and the
wave timer.

A module of its own so that only the functions that enroll people load these modules (about
0.4 s of imports, the PDF library among them), and load them at init: their handlers import
this module, so that it is in SnapStart's snapshot rather than in their first request."""

from __future__ import annotations

from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.notify import Notifications
from healthspace.adapters.ops import StepFunctionsWaves, read_pepper
from healthspace.enrollment.enrollments import Enrollments, Rules
from healthspace.enrollment.receipts import render_code_request, render_receipt
from healthspace.enrollment.waves import Waves
from healthspace.kernel.settings import EnrollmentSettings, NotifySettings
from healthspace.wiring import root
from healthspace.wiring.ops import ops_files
from healthspace.wiring.records import medical_file, table


@root
def enrollments() -> Enrollments:
    settings = EnrollmentSettings.from_env()
    notify = NotifySettings.from_env()
    file = medical_file()
    return Enrollments(
        store=DynamoEnrollmentStore(table()),
        notifier=Notifications(notify, clock=file.clock, ids=file.ids),
        files=ops_files(),
        scheduler=StepFunctionsWaves(settings.wave_state_machine_arn),
        # Read on first use: the wave timer never checks a code, so never reads the secret.
        pepper=lambda: read_pepper(settings.pepper_secret_id),
        clock=file.clock,
        ids=file.ids,
        new_space=file.spaces.new_space,
        render_receipt=render_receipt,
        render_request=render_code_request,
        rules=Rules(window=settings.window, helpline_phone=notify.helpline_phone),
    )


def wave_timer() -> Waves:
    """The wave timer's part of enrollment (the wave function)."""
    return enrollments().waves
