"""Deleting spaces on AWS: express deletion (the records function hosts its routes; the lifecycle
function runs it) and the purge at term (the lifecycle function's steps of the purge workflow).
"""

from __future__ import annotations

from datetime import timedelta

from healthspace.adapters.dynamodb.deletions import DynamoDeletions
from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.erasure import (
    EnrollmentConfirmations,
    S3SpaceObjects,
    StepFunctionsDeletions,
)
from healthspace.adapters.notify import Notifications
from healthspace.adapters.ops import read_pepper
from healthspace.kernel.settings import DeletionSettings, LifecycleSettings, NotifySettings
from healthspace.lifecycle.deletions import Deletions
from healthspace.lifecycle.purge import PurgeSweep
from healthspace.wiring import root
from healthspace.wiring.ops import ops_files
from healthspace.wiring.records import medical_file, table


@root
def deletions() -> Deletions:
    settings = DeletionSettings.from_env()
    lifecycle = LifecycleSettings.from_env()
    file = medical_file()
    return Deletions(
        store=DynamoDeletions(table()),
        objects=S3SpaceObjects([settings.documents_bucket, settings.archive_bucket]),
        runner=StepFunctionsDeletions(settings.deletion_state_machine_arn),
        confirmations=EnrollmentConfirmations(
            DynamoEnrollmentStore(table()),
            Notifications(NotifySettings.from_env(), clock=file.clock, ids=file.ids),
        ),
        policy=file.spaces.policy,
        log=file.history,
        clock=file.clock,
        # Read on first use: only a finished deletion's audit needs it.
        pepper=lambda: read_pepper(settings.pepper_secret_id),
        reauthentication=timedelta(minutes=lifecycle.reauthentication_minutes),
    )


@root
def purge_sweep() -> PurgeSweep:
    use = deletions()
    return PurgeSweep(store=use.store, files=ops_files(), deletions=use, clock=use.clock)
