"""The agenda on AWS: its appointments and calendar feed over the health space table, beside the
medical file's access policy and access log (the agenda function, the feed's function, and the
professionals' booking in the professionals' function)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from healthspace.adapters.dynamodb.agenda import DynamoAppointments
from healthspace.agenda.appointments import Appointments
from healthspace.agenda.reminders import ReminderSettingsUseCase
from healthspace.wiring import root
from healthspace.wiring.directory import directory
from healthspace.wiring.records import medical_file, table
from healthspace.wiring.reminders import reminder_settings

if TYPE_CHECKING:
    from healthspace.agenda.feed import Feeds
    from healthspace.agenda.prevention.calendar import PreventionCalendar


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
def feeds() -> Feeds:
    """The calendar feed: its settings (the agenda function), its fetches (the feed's). Loaded
    here, not with the module: the professionals' function books appointments without it (and
    without the iCalendar library)."""
    from healthspace.adapters.dynamodb.agenda_feed import DynamoFeeds
    from healthspace.agenda.feed import Feeds

    file = medical_file()
    return Feeds(
        store=DynamoFeeds(table()),
        appointments=DynamoAppointments(table()),
        spaces=table(),
        log=file.history,
        clock=file.clock,
        directory=directory(),
    )


@root
def prevention() -> PreventionCalendar:
    """The prevention calendar (the agenda function only: loaded here, not with the module,
    which the professionals' function loads for its bookings)."""
    from healthspace.adapters.dynamodb.prevention import DynamoPrevention
    from healthspace.agenda.prevention.calendar import PreventionCalendar

    file, statuses = medical_file(), DynamoPrevention(table())
    return PreventionCalendar(
        store=statuses,
        spaces=table(),
        profile=table(),
        appointments=statuses,
        log=file.history,
        clock=file.clock,
    )


@root
def agenda() -> Agenda:
    """Every use case the agenda function serves, the medical file's (its access policy) with
    them: the appointments, the calendar feed, the prevention calendar, the reminders' settings."""
    from healthspace.agenda.feed import Feeds
    from healthspace.agenda.prevention.calendar import PreventionCalendar

    return Agenda(
        use_cases={
            **medical_file().use_cases,
            Appointments: appointments(),
            Feeds: feeds(),
            PreventionCalendar: prevention(),
            ReminderSettingsUseCase: reminder_settings(),
        }
    )
