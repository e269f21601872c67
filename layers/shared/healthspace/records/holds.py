"""Announcement holds. A held document shows to the patient's side once released or a month
after it was held (by the clock: visibility never waits for the job). Releasing sets
`released_at` and tells the patient, through an access-log entry "document/release" that the
notices pick up."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, timedelta

from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import PreconditionFailed
from healthspace.records.access import Access, document_facts
from healthspace.records.access_log import AccessLog
from healthspace.records.documents import Documents
from healthspace.records.model import (
    AccessLogEntry,
    Action,
    ActorKind,
    AnnouncementHold,
    Author,
    Document,
    Role,
    SpaceStatus,
)
from healthspace.records.ports import DocumentStore

# The access-log object of a held document's release: it became visible to the patient, who is
# told of it (healthspace.notices.patient).
RELEASED_OBJECT = "document/release"
_RELEASED = (Action.UPDATE, RELEASED_OBJECT)
# The job looks this many days back for deadlines it has not released yet (runs missed by an
# outage).
HOLDS_LOOKBACK_DAYS = 31
# Who the access log names for what the system does on its own.
SYSTEM_AUTHOR = Author(kind=ActorKind.SYSTEM, id="system", display_name="Mon espace santé")


@dataclass(eq=False)
class Holds:
    store: DocumentStore
    documents: Documents
    log: AccessLog
    clock: Clock

    def release_document(self, access: Access, document_id: str) -> Document:
        """The author releases their held document after the announcement consultation;
        anybody else is refused (403). Releasing twice changes nothing: the answer is then a
        read of the document, traced as one."""
        document = self.documents.find(access, document_id)
        facts = access.release(document_facts(document), self.clock.now())
        if facts.hold == document.hold:
            self.log.trace(access, Action.READ, "document", document_id)
            return document
        return self._release(document, facts.hold, self.log.entry(access, *_RELEASED, document_id))

    def release_due_holds(self) -> list[str]:
        """The scheduled job: release every hold past its month (found by the day of its
        deadline, not by a scan) and tell the patient; a closed space's holds stay as they are.
        Safe to run twice or concurrently: a released hold leaves the index, and a release lost
        to a concurrent one is skipped.
        Returns the ids of the documents it released."""
        now = self.clock.now()
        released = []
        active: dict[str, bool] = {}  # by space: one read per space and run
        for back in range(HOLDS_LOOKBACK_DAYS, -1, -1):
            day = now.astimezone(UTC).date() - timedelta(days=back)
            for space_id, document_id in self.store.holds_due_on(day):
                if space_id not in active:
                    space = self.store.get_space(space_id)
                    active[space_id] = space is not None and space.status is SpaceStatus.ACTIVE
                if not active[space_id]:
                    continue  # closed: nothing is scheduled for it any more, nobody is told
                document = self.store.get_document(space_id, document_id)
                hold = document.hold if document else None
                if document is None or hold is None or not hold.due_for_release(now):
                    continue
                audit = self.log.entry_of(
                    space_id, SYSTEM_AUTHOR, Role.SYSTEM, *_RELEASED, document_id
                )
                try:
                    self._release(document, hold.model_copy(update={"released_at": now}), audit)
                except PreconditionFailed:
                    continue  # released or changed meanwhile: the next run looks again
                released.append(document_id)
        return released

    def _release(
        self, document: Document, hold: AnnouncementHold | None, audit: AccessLogEntry
    ) -> Document:
        released = document.model_copy(update={"hold": hold, "version": document.version + 1})
        self.store.release_document(released, document.version, audit)
        return released
