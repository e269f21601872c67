"""In-memory fakes of the reminders' ports, with the table's conditions (tests/unit)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date, datetime

from healthspace.agenda.model import Appointment, start_slot
from healthspace.agenda.reminder_model import (
    IndexedStart,
    Marker,
    PreventionMarker,
    ReminderSettings,
)
from healthspace.agenda.reminders import HandOff
from healthspace.kernel.errors import PreconditionFailed, SpaceClosed
from healthspace.records.model import AccessLogEntry, SpaceStatus
from tests.fakes import FakeStore


class FakeAgenda:
    """Appointments and their start index as the agenda's store keeps them: an index entry
    while the appointment is BOOKED, at its version, in the slot of its start."""

    def __init__(self) -> None:
        self.appointments: dict[tuple[str, str], Appointment] = {}
        self.index: dict[tuple[str, str], IndexedStart] = {}

    def get_appointment(self, space_id: str, appointment_id: str) -> Appointment | None:
        return self.appointments.get((space_id, appointment_id))

    def put(self, appointment: Appointment) -> None:
        key = (appointment.space_id, appointment.appointment_id)
        self.appointments[key] = appointment
        if appointment.booked:
            self.index[key] = IndexedStart(*key, appointment.start, appointment.version)
        else:
            self.index.pop(key, None)


class FakeReminderStore:
    """Settings, markers and the cursor, with the table's conditions. `queries` records the
    slots read; `before_hand_off` runs just before a hand-off's checks (a concurrent edit);
    `settle_fails` makes the next settle raise (a crash between the send and the mark)."""

    def __init__(self, agenda: FakeAgenda, medical: FakeStore) -> None:
        self.agenda = agenda
        self.medical = medical
        self.settings: dict[str, ReminderSettings] = {}
        self.markers: dict[tuple[str, str], Marker] = {}
        self.at: datetime | None = None
        self.queries: list[str] = []
        self.before_hand_off: Callable[[], None] | None = None
        self.settle_fails = False

    def get_settings(self, space_id: str) -> ReminderSettings | None:
        return self.settings.get(space_id)

    def put_settings(
        self, settings: ReminderSettings, expected_version: int, audit: AccessLogEntry
    ) -> None:
        space = self.medical.spaces[settings.space_id]
        if space.status is not SpaceStatus.ACTIVE:
            raise SpaceClosed("closed")
        stored = self.settings.get(settings.space_id)
        if (stored.version if stored else 0) != expected_version:
            raise PreconditionFailed("stale")
        self.settings[settings.space_id] = settings
        self.medical.log.append(audit)

    def cursor(self) -> datetime | None:
        return self.at

    def advance_cursor(self, to: datetime) -> None:
        if self.at is None or to > self.at:
            self.at = to

    def starting_in(self, slot: str) -> Iterator[IndexedStart]:
        self.queries.append(slot)
        found = [entry for entry in self.agenda.index.values() if start_slot(entry.start) == slot]
        return iter(sorted(found))

    def hand_off(self, marker: Marker, previous: Marker | None) -> HandOff:
        if self.before_hand_off is not None:
            self.before_hand_off()
        key = (marker.space_id, marker.key)
        if self.markers.get(key) != previous:
            return HandOff.ALREADY
        indexed = self.agenda.index.get((marker.space_id, marker.appointment_id))
        if indexed is None or indexed.version != marker.indexed_version:
            return HandOff.STALE
        if self.medical.spaces[marker.space_id].status is not SpaceStatus.ACTIVE:
            return HandOff.CLOSED
        self.markers[key] = marker
        return HandOff.HANDED

    def get_marker(self, space_id: str, key: str) -> Marker | None:
        return self.markers.get((space_id, key))

    def settle(self, marker: Marker, handed: Marker) -> bool:
        if self.settle_fails:
            self.settle_fails = False
            raise ConnectionError("the table did not answer")
        key = (marker.space_id, marker.key)
        if self.markers.get(key) != handed:
            return False
        self.markers[key] = marker
        return True

    def pending(self) -> Iterator[Marker]:
        return iter([m for m in self.markers.values() if m.state.pending])


class FakePreventionReminders:
    """The prevention job's items: the reminders' settings (shared with FakeReminderStore), the
    BORN#<day> index as the table keeps it (the ACTIVE spaces only), markers with the table's
    conditions and the cursor. `born_queries` records the birth dates read."""

    def __init__(self, reminders: FakeReminderStore, medical: FakeStore) -> None:
        self.reminders = reminders
        self.medical = medical
        self.markers: dict[tuple[str, str], PreventionMarker] = {}
        self.at: date | None = None
        self.born_queries: list[date] = []
        self.before_hand_off: Callable[[], None] | None = None

    def get_settings(self, space_id: str) -> ReminderSettings | None:
        return self.reminders.get_settings(space_id)

    def born_on(self, day: date) -> Iterator[str]:
        self.born_queries.append(day)
        for space in list(self.medical.spaces.values()):
            if space.status is SpaceStatus.ACTIVE and space.holder.birth_date == day:
                yield space.space_id

    def prevention_cursor(self) -> date | None:
        return self.at

    def advance_prevention_cursor(self, to: date) -> None:
        self.at = max(self.at or to, to)

    def get_prevention_marker(self, space_id: str, item_id: str) -> PreventionMarker | None:
        return self.markers.get((space_id, item_id))

    def hand_off_prevention(
        self, marker: PreventionMarker, previous: PreventionMarker | None
    ) -> HandOff:
        if self.before_hand_off is not None:
            self.before_hand_off()
        key = (marker.space_id, marker.item_id)
        if self.markers.get(key) != previous:
            return HandOff.ALREADY
        if self.medical.spaces[marker.space_id].status is not SpaceStatus.ACTIVE:
            return HandOff.CLOSED
        self.markers[key] = marker
        return HandOff.HANDED

    def settle_prevention(self, marker: PreventionMarker, handed: PreventionMarker) -> bool:
        key = (marker.space_id, marker.item_id)
        if self.markers.get(key) != handed:
            return False
        self.markers[key] = marker
        return True
