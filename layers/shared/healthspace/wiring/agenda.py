"""The agenda on AWS: its appointments and calendar feed over the health space table, beside the
medical file's access policy and access log (the agenda function, the feed's function, and the
professionals' booking in the professionals' function)."""

from __future__ import annotations

from dataclasses import dataclass

from healthspace.adapters.dynamodb.agenda import DynamoAppointments
from healthspace.agenda.appointments import Appointments
from healthspace.agenda.reminders import ReminderSettingsUseCase
from healthspace.wiring import root
from healthspace.wiring.directory import directory
from healthspace.wiring.records import medical_file, table
from healthspace.wiring.reminders import reminder_settings


@dataclass(frozen=True)
class Agenda:
    """The agenda's use cases by their type, as the routes ask for them (api.common.use)."""

    use_cases: dict[type, object]


@root
def appointments() -> Appointments:
    file = medical_file()
    return Appointments(
        store=DynamoAppointments(table()),
        log=file.history,
        clock=file.clock,
        ids=file.ids,
        directory=directory(),
    )


@root
def agenda() -> Agenda:
    """Every use case the agenda function serves, the medical file's (its access policy) with
    them. Reminders and prevention add theirs here."""
    return Agenda(
        use_cases={
            **medical_file().use_cases,
            Appointments: appointments(),
            ReminderSettingsUseCase: reminder_settings(),
        }
    )
