"""What the care room needs of the outside world."""

from __future__ import annotations

from typing import Protocol

from healthspace.care.record import CareRecord
from healthspace.records.model import AccessLogEntry


class CareRecords(Protocol):
    """Each space's care record (settings and care team), in the health space table."""

    def get_care_record(self, space_id: str) -> CareRecord:
        """The space's settings and care team in one read; never written yet: the defaults
        (version 0)."""
        ...

    def put_care_record(
        self, record: CareRecord, expected_version: int, audit: AccessLogEntry
    ) -> None:
        """Write the record, with its access-log entry, if the stored one is still at
        `expected_version` (0: none stored yet); PreconditionFailed otherwise."""
        ...
