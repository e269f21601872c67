"""Asking for a space's deletion on AWS: the records function hosts POST/GET /me/deletion. It
loads neither enrollment nor the notices (the deletion itself runs in the lifecycle function:
wiring.erasing)."""

from __future__ import annotations

from datetime import timedelta

from healthspace.adapters.dynamodb.deletions import DynamoDeletions
from healthspace.adapters.erasure import StepFunctionsDeletions
from healthspace.kernel.settings import DeletionSettings, LifecycleSettings
from healthspace.lifecycle.deletions import Deletions
from healthspace.wiring import root
from healthspace.wiring.records import medical_file, table


@root
def deletions() -> Deletions:
    settings = DeletionSettings.from_env()
    file = medical_file()
    return Deletions(
        store=DynamoDeletions(table()),
        runner=StepFunctionsDeletions(settings.deletion_state_machine_arn),
        policy=file.spaces.policy,
        log=file.history,
        clock=file.clock,
        reauthentication=timedelta(minutes=LifecycleSettings.from_env().reauthentication_minutes),
    )
