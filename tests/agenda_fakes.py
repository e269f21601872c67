"""In-memory ports of the agenda (healthspace.agenda.ports) beside a FakeStore's spaces and
access log, with the table's conditions: the space active, the version read, the month's cap;
the start index kept as the DynamoDB adapter keeps it (present while BOOKED, at its slot)."""

from __future__ import annotations

from datetime import datetime

from healthspace.agenda.feed_model import Feed
from healthspace.agenda.model import Appointment, start_slot
from healthspace.kernel.entity import Page
from healthspace.kernel.errors import LimitReached, PreconditionFailed, SpaceClosed
from healthspace.records.model import AccessLogEntry, SpaceStatus
from tests.fakes import FakeStore, _page


class FakeAgendaStore:
    def __init__(self, medical_store: FakeStore) -> None:
        self.medical = medical_store
        self.appointments: dict[tuple[str, str], Appointment] = {}
        # slot -> {(space, appointment): (start ISO, version)}: what the reminders' job reads
        self.starts: dict[str, dict[tuple[str, str], tuple[str, int]]] = {}
        self.feeds: dict[str, Feed] = {}
        self.traced_days: set[tuple[str, str]] = set()

    # --- the table's conditions

    def _active(self, space_id: str) -> None:
        space = self.medical.spaces.get(space_id)
        if space is None or space.status is not SpaceStatus.ACTIVE:
            raise SpaceClosed("this health space was closed meanwhile: nothing was written")

    # --- appointments

    def get_appointment(self, space_id: str, appointment_id: str) -> Appointment | None:
        return self.appointments.get((space_id, appointment_id))

    def save_appointment(
        self,
        appointment: Appointment,
        previous: Appointment | None,
        audit: AccessLogEntry,
        max_per_month: int,
    ) -> None:
        self._active(appointment.space_id)
        key = (appointment.space_id, appointment.appointment_id)
        stored = self.appointments.get(key)
        if previous is not None and (stored is None or stored.version != previous.version):
            raise PreconditionFailed("changed since read")
        month = appointment.start_local.strftime("%Y-%m")
        moved = previous is None or previous.start_local.strftime("%Y-%m") != month
        in_month = sum(
            1
            for (space, _), a in self.appointments.items()
            if space == appointment.space_id and a.start_local.strftime("%Y-%m") == month
        )
        if moved and in_month >= max_per_month:
            raise LimitReached("month full")
        if stored is not None:
            for entries in self.starts.values():
                entries.pop(key, None)
        self.appointments[key] = appointment
        if appointment.booked:
            slot = self.starts.setdefault(start_slot(appointment.start), {})
            slot[key] = (appointment.start.isoformat(), appointment.version)
        self.medical.log.append(audit)

    def _sorted(self, space_id: str, start_from: datetime, start_to: datetime) -> list[Appointment]:
        found = [
            a
            for (space, _), a in self.appointments.items()
            if space == space_id and start_from <= a.start < start_to
        ]
        return sorted(found, key=lambda a: (a.start, a.appointment_id))

    def list_appointments(
        self,
        space_id: str,
        start_from: datetime,
        start_to: datetime,
        limit: int,
        cursor: str | None,
        booked_by: str | None = None,
    ) -> Page[Appointment]:
        found = self._sorted(space_id, start_from, start_to)
        if booked_by is not None:
            found = [a for a in found if a.booked_by.id == booked_by]
        return _page(found, limit, cursor)

    def booked_between(
        self, space_id: str, start_from: datetime, start_to: datetime, limit: int
    ) -> list[Appointment]:
        return [a for a in self._sorted(space_id, start_from, start_to) if a.booked][:limit]

    # --- the calendar feed

    def get_feed(self, space_id: str) -> Feed | None:
        return self.feeds.get(space_id)

    def feed_of_token(self, token_sha256: str) -> Feed | None:
        return next((f for f in self.feeds.values() if f.token_sha256 == token_sha256), None)

    def put_feed(self, feed: Feed, previous: Feed | None, audit: AccessLogEntry) -> None:
        self._active(feed.space_id)
        stored = self.feeds.get(feed.space_id)
        if (stored.version if stored else None) != (previous.version if previous else None):
            raise PreconditionFailed("changed since read")
        self.feeds[feed.space_id] = feed
        self.medical.log.append(audit)

    def delete_feed(self, feed: Feed, audit: AccessLogEntry) -> None:
        self._active(feed.space_id)
        stored = self.feeds.get(feed.space_id)
        if stored is None or stored.version != feed.version:
            raise PreconditionFailed("changed since read")
        del self.feeds[feed.space_id]
        self.medical.log.append(audit)

    def trace_feed(self, feed: Feed, audit: AccessLogEntry) -> bool:
        assert feed.traced_on is not None
        day = (feed.space_id, feed.traced_on.isoformat())
        if day in self.traced_days:
            return False
        self.traced_days.add(day)
        self.feeds[feed.space_id] = feed
        self.medical.log.append(audit)
        return True
