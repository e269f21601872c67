"""Running deletions on AWS: the lifecycle function's steps of the deletion workflow (one space)
and of the purge workflow (the daily sweep)."""

from __future__ import annotations

from healthspace.adapters.confirmations import EnrollmentConfirmations
from healthspace.adapters.dynamodb.deletions import DynamoDeletions
from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.erasure import S3SpaceObjects
from healthspace.adapters.notify import Notifications
from healthspace.adapters.ops import read_pepper
from healthspace.kernel.settings import DeletionSettings, NotifySettings
from healthspace.lifecycle.erasing import SpaceEraser
from healthspace.lifecycle.purge import PurgeSweep
from healthspace.wiring import root
from healthspace.wiring.ops import ops_files
from healthspace.wiring.records import medical_file, table


@root
def eraser() -> SpaceEraser:
    settings = DeletionSettings.from_env()
    file = medical_file()
    return SpaceEraser(
        store=DynamoDeletions(table()),
        objects=S3SpaceObjects([settings.documents_bucket, settings.archive_bucket]),
        confirmations=EnrollmentConfirmations(
            DynamoEnrollmentStore(table()),
            Notifications(NotifySettings.from_env(), clock=file.clock, ids=file.ids),
        ),
        clock=file.clock,
        # Read on first use: only a finished deletion's audit needs it.
        pepper=lambda: read_pepper(settings.pepper_secret_id),
    )


@root
def purge_sweep() -> PurgeSweep:
    use = eraser()
    return PurgeSweep(store=use.store, files=ops_files(), eraser=use, clock=use.clock)
