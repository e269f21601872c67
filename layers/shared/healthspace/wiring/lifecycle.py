"""A space's life on AWS: closing it (the records function hosts its routes)."""

from __future__ import annotations

from datetime import timedelta

from healthspace.adapters.dynamodb.lifecycle import DynamoClosures
from healthspace.kernel.settings import LifecycleSettings
from healthspace.lifecycle.closures import Closures
from healthspace.wiring import root
from healthspace.wiring.records import medical_file, table


@root
def closures() -> Closures:
    file = medical_file()
    settings = LifecycleSettings.from_env()
    return Closures(
        store=DynamoClosures(table()),
        policy=file.spaces.policy,
        log=file.history,
        clock=file.clock,
        reauthentication=timedelta(minutes=settings.reauthentication_minutes),
    )
