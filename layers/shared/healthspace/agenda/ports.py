"""What the agenda needs of the outside world: small Protocols, implemented by the adapters
(adapters/dynamodb/agenda.py) and the tests' fakes (tests/fakes.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from healthspace.agenda.model import Appointment
from healthspace.kernel.entity import Page
from healthspace.records.model import AccessLogEntry


class AppointmentStore(Protocol):
    """Appointments, with their start index (the reminders' job reads it) and a count per
    month of start. Every write carries its access-log entry and commits atomically with it,
    on condition that the space is still active (SpaceClosed otherwise)."""

    def get_appointment(self, space_id: str, appointment_id: str) -> Appointment | None: ...

    def save_appointment(
        self,
        appointment: Appointment,
        previous: Appointment | None,
        audit: AccessLogEntry,
        max_per_month: int,
    ) -> None:
        """Write the appointment (new when `previous` is None, else on condition that the
        stored one is still `previous`'s version: PreconditionFailed otherwise), its start
        index item (present while it is BOOKED, moved with its start) and its count in its
        month of start (LimitReached past `max_per_month`: nothing is written)."""
        ...

    def list_appointments(
        self,
        space_id: str,
        start_from: datetime,
        start_to: datetime,
        limit: int,
        cursor: str | None,
        booked_by: str | None = None,
    ) -> Page[Appointment]:
        """One page of the appointments starting in [start_from, start_to), earliest first;
        `booked_by`: only those this author id booked (the page may then be short)."""
        ...

    def booked_between(
        self, space_id: str, start_from: datetime, start_to: datetime, limit: int
    ) -> list[Appointment]:
        """At most `limit` BOOKED appointments starting in [start_from, start_to), earliest
        first (what a page's overlaps are found among)."""
        ...
