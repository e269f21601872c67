"""In-memory ports of the prevention calendar (healthspace.agenda.prevention.ports), over the
records' FakeStore (its spaces and its access log)."""

from __future__ import annotations

from healthspace.agenda.prevention.model import ItemStatus
from healthspace.kernel.errors import PreconditionFailed, SpaceClosed
from healthspace.records.model import AccessLogEntry, SpaceStatus
from tests.fakes import FakeStore


class FakePreventionStore:
    def __init__(self, records: FakeStore) -> None:
        self.records = records
        self.statuses: dict[tuple[str, str], ItemStatus] = {}

    def list_prevention(self, space_id: str) -> list[ItemStatus]:
        return [s for (space, _), s in sorted(self.statuses.items()) if space == space_id]

    def put_prevention(
        self, status: ItemStatus, expected_version: int, audit: AccessLogEntry
    ) -> None:
        space = self.records.spaces[status.space_id]
        if space.status is not SpaceStatus.ACTIVE:
            raise SpaceClosed("closed")
        key = (status.space_id, status.item_id)
        current = self.statuses.get(key)
        if (current.version if current else 0) != expected_version:
            raise PreconditionFailed("stale")
        self.statuses[key] = status
        self.records.log.append(audit)


class FakeAppointments:
    def __init__(self) -> None:
        self.known: set[tuple[str, str]] = set()

    def appointment_exists(self, space_id: str, appointment_id: str) -> bool:
        return (space_id, appointment_id) in self.known
