"""Telling people of the acts on a file: the patients' notices (the notices function) and the
professionals' inbox (the professionals' API)."""

from __future__ import annotations

from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.dynamodb.notices import DynamoNoticeClaims, DynamoProfessionalInbox
from healthspace.adapters.notify import Notifications
from healthspace.kernel.settings import NotifySettings
from healthspace.notices.patient import PatientNotices
from healthspace.wiring import root
from healthspace.wiring.records import medical_file, table


@root
def patient_notices() -> PatientNotices:
    file = medical_file()
    settings = NotifySettings.from_env()
    return PatientNotices(
        store=table(),
        contacts=DynamoEnrollmentStore(table()),
        claims=DynamoNoticeClaims(table()),
        mailer=Notifications(settings, clock=file.clock, ids=file.ids),
        inbox=professional_inbox(),
        clock=file.clock,
        settings=settings,
    )


@root
def professional_inbox() -> DynamoProfessionalInbox:
    return DynamoProfessionalInbox(table())
