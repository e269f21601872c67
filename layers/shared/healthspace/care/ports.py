"""What the care room needs of the outside world."""

from __future__ import annotations

from typing import Protocol

from healthspace.care.record import CareRecord, PatientReference
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


class PatientReferences(Protocol):
    """The professionals' patient references (care.access.ProfessionalAccess.refer), by the
    SHA-256 digest of the reference: a copy of the table gives no usable reference."""

    def put_patient_reference(self, digest: str, reference: PatientReference) -> None:
        """Store it until its expiry (DynamoDB's TTL then deletes it)."""
        ...

    def get_patient_reference(self, digest: str) -> PatientReference | None:
        """The reference stored under this digest, expired or not (TTL deletes late)."""
        ...
