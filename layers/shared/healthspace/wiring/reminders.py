"""Reminders before appointments: their settings (the agenda function's routes) and the job that
hands them over (the reminders function), over the health space table, SES and SNS."""

from __future__ import annotations

from healthspace.adapters.dynamodb.agenda import DynamoAppointments
from healthspace.adapters.dynamodb.enrollment import DynamoEnrollmentStore
from healthspace.adapters.dynamodb.prevention import DynamoPrevention
from healthspace.adapters.dynamodb.reminders import DynamoReminders
from healthspace.adapters.notify import Notifications
from healthspace.adapters.system import SystemClock, UlidIds
from healthspace.agenda.prevention_reminders import PreventionReminderJob
from healthspace.agenda.reminders import ReminderJob, ReminderSettingsUseCase
from healthspace.kernel.settings import NotifySettings
from healthspace.wiring import root
from healthspace.wiring.records import medical_file, table


@root
def reminder_settings() -> ReminderSettingsUseCase:
    file = medical_file()
    return ReminderSettingsUseCase(
        store=DynamoReminders(table()),
        spaces=table(),
        contacts=DynamoEnrollmentStore(table()),
        log=file.history,
        clock=file.clock,
    )


@root
def reminder_job() -> ReminderJob:
    """The job needs no more of the medical file than the table: its own clock and ids."""
    settings = NotifySettings.from_env()
    clock = SystemClock()
    return ReminderJob(
        store=DynamoReminders(table()),
        appointments=DynamoAppointments(table()),
        spaces=table(),
        contacts=DynamoEnrollmentStore(table()),
        mailer=Notifications(settings, clock=clock, ids=UlidIds(), once=True),
        clock=clock,
        settings=settings,
    )


@root
def prevention_reminder_job() -> PreventionReminderJob:
    """The daily prevention reminders (PreventionRemindersFunction): the same items and mailer."""
    settings = NotifySettings.from_env()
    clock = SystemClock()
    return PreventionReminderJob(
        store=DynamoReminders(table()),
        statuses=DynamoPrevention(table()),
        spaces=table(),
        contacts=DynamoEnrollmentStore(table()),
        mailer=Notifications(settings, clock=clock, ids=UlidIds(), once=True),
        clock=clock,
        settings=settings,
    )
