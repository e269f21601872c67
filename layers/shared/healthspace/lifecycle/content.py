"""A space's content read from the store a page at a time (lifecycle.fhir_bundle.SpaceContent):
what an export writes, and what the archive will. For an export, what the requester's side sees
(a document held for announcement, a minor's secrets for a representative, are left out, as on
screen); for the archive, everything (no `access`)."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Protocol

from healthspace.agenda.model import Appointment
from healthspace.agenda.ports import AppointmentStore
from healthspace.care.record import CareRecord
from healthspace.kernel.entity import MAX_PAGE
from healthspace.records.access import Access, document_facts, entry_facts
from healthspace.records.access_log import AccessLog
from healthspace.records.model import (
    AccessLogEntry,
    Document,
    DocumentFilter,
    ItemFacts,
    ProfileEntry,
    Section,
    Space,
)
from healthspace.records.ports import AccessLogStore, DocumentStore, ProfileStore

EVERY_DOCUMENT = DocumentFilter()
# Every appointment a space may hold starts between these (agenda.appointments.YEARS_AROUND).
EVER = (datetime(1900, 1, 1, tzinfo=UTC), datetime(2200, 1, 1, tzinfo=UTC))


class ContentStore(DocumentStore, ProfileStore, AccessLogStore, Protocol):
    """The items a space's content is read from (the table adapter, the tests' fake)."""


@dataclass(frozen=True)
class StoredContent:
    space: Space
    care: CareRecord
    store: ContentStore
    now: datetime
    # Whose side the content is read for, and its history's filter; None: everything.
    access: Access | None = None
    log: AccessLog | None = None
    page: int = MAX_PAGE
    # The agenda's appointments (all of them, the patient's side sees every one); None: none.
    agenda: AppointmentStore | None = None

    def documents(self) -> Iterator[Document]:
        cursor: str | None = None
        while True:
            found = self.store.list_documents(
                self.space.space_id, EVERY_DOCUMENT, self.page, cursor
            )
            for document in found.items:
                if self._sees(document_facts(document)):
                    yield document
            if not (cursor := found.next_cursor):
                return

    def entries(self, section: Section) -> Iterator[ProfileEntry]:
        cursor: str | None = None
        while True:
            found = self.store.list_profile(self.space.space_id, section.value, self.page, cursor)
            for entry in found.items:
                if self._sees(entry_facts(entry)):
                    yield entry
            if not (cursor := found.next_cursor):
                return

    def appointments(self) -> Iterator[Appointment]:
        """Every appointment, earliest first, whatever its status."""
        cursor: str | None = None
        while self.agenda is not None:
            found = self.agenda.list_appointments(self.space.space_id, *EVER, self.page, cursor)
            yield from found.items
            if not (cursor := found.next_cursor):
                return

    def history(self) -> Iterator[AccessLogEntry]:
        """Every entry, newest first. For a side, the entries about items it may not see are
        left out (records.access_log.AccessLog.visible), a page at a time."""
        cursor: str | None = None
        while True:
            found = self.store.list_access_log(self.space.space_id, self.page, cursor)
            if self.access is None or self.log is None:
                yield from found.items
            else:
                yield from self.log.visible(self.access, found.items)[0]
            if not (cursor := found.next_cursor):
                return

    def _sees(self, facts: ItemFacts) -> bool:
        return self.access is None or self.access.sees(facts, self.now)
