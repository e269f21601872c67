"""A space's life in operators' hands, on AWS: suspensions (the operators' API, the suspension
workflow's function), the helpline's acts for callers (the operators' API, hosted by the
enrollment function: closing, express deletion through the records' own use case, reopening
as the space request does, the summary or the file by post). Apart from wiring.lifecycle: the
records function, which closes spaces, loads neither enrollment nor the notices these need."""

from __future__ import annotations

from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.dynamodb.lifecycle import DynamoClosures
from healthspace.adapters.notify import Notifications
from healthspace.adapters.ops import StepFunctionsSuspensions
from healthspace.kernel.settings import NotifySettings, SuspensionSettings
from healthspace.lifecycle.helpline import HelplineDesk
from healthspace.lifecycle.suspensions import Suspensions
from healthspace.wiring import root
from healthspace.wiring.deletions import deletions
from healthspace.wiring.lifecycle import closures, reopenings, summaries
from healthspace.wiring.records import medical_file, table


@root
def suspensions() -> Suspensions:
    settings = SuspensionSettings.from_env()
    file = medical_file()
    return Suspensions(
        store=DynamoClosures(table()),
        spaces=file.spaces,
        closures=closures(),
        log=file.history,
        timer=StepFunctionsSuspensions(settings.state_machine_arn, settings.wait_seconds),
    )


@root
def helpline_desk() -> HelplineDesk:
    notify = NotifySettings.from_env()
    file = medical_file()
    return HelplineDesk(
        spaces=file.spaces,
        closures=closures(),
        contacts=DynamoEnrollmentStore(table()),
        letters=Notifications(notify, clock=file.clock, ids=file.ids),
        settings=notify,
        deletions=deletions(),
        summaries=summaries(documents=True),
        reopenings=reopenings(),
    )
