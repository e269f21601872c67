"""What the prevention calendar needs of the outside world: the statuses the patient set, and
whether an appointment exists (the agenda's). The holder's birth date and sex and the
vaccinations come through the records' own ports (SpaceStore, ProfileStore)."""

from __future__ import annotations

from typing import Protocol

from healthspace.agenda.prevention.model import ItemStatus
from healthspace.records.model import AccessLogEntry


class PreventionStore(Protocol):
    """The statuses of one space's items (SPACE#<space>/PREVENTION#<item_id>)."""

    def list_prevention(self, space_id: str) -> list[ItemStatus]:
        """Every status of the space: at most one per item of the catalogue (under a hundred,
        one page)."""
        ...

    def put_prevention(
        self, status: ItemStatus, expected_version: int, audit: AccessLogEntry
    ) -> None:
        """Write the status at its version if the stored one is `expected_version` (0: none
        stored yet), with its access-log entry, in one transaction, while the space is active
        (SpaceClosed otherwise); PreconditionFailed if another write came first."""
        ...


class AppointmentLookup(Protocol):
    """The agenda's appointments, as the calendar asks of them."""

    def appointment_exists(self, space_id: str, appointment_id: str) -> bool:
        """Whether the space holds this appointment (whatever its status)."""
        ...
