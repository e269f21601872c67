"""The space's access history: every read or write of health data appends one entry, shown to
the patient. Writes commit their entry with them (the stores take it as an argument)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from pydantic import Field

from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.entity import Page, page_size
from healthspace.records.access import Access, document_facts, entry_facts
from healthspace.records.model import (
    EVERY_ENTRY,
    AccessedObject,
    AccessLogEntry,
    Action,
    Author,
    Document,
    HistoryFilter,
    Role,
)
from healthspace.records.ports import AccessLogStore


@dataclass(eq=False)
class AccessLog:
    store: AccessLogStore
    clock: Clock
    ids: IdGenerator

    def entry(
        self, access: Access, action: Action, object_type: str, object_id: str | None = None
    ) -> AccessLogEntry:
        """The entry of one act; a break-glass access's entries carry its stated reason, and a
        professional's acts through a partner's software name that partner."""
        return self.entry_of(
            access.space_id,
            access.caller.as_author,
            access.role,
            action,
            object_type,
            object_id,
            emergency_reason=access.emergency_reason,
            via=access.caller.via,
        )

    def entry_of(
        self,
        space_id: str,
        actor: Author,
        role: Role,
        action: Action,
        object_type: str,
        object_id: str | None = None,
        *,
        emergency_reason: str | None = None,
        via: str | None = None,
    ) -> AccessLogEntry:
        """The entry of an act nobody's access carries (the ingest, a job, a migration)."""
        return AccessLogEntry(
            entry_id=self.ids.new_id(),
            at=self.clock.now(),
            actor=actor,
            role=role,
            action=action,
            object=AccessedObject(type=object_type, id=object_id),
            space_id=space_id,
            emergency_reason=emergency_reason,
            via=via,
        )

    def trace(
        self, access: Access, action: Action, object_type: str, object_id: str | None = None
    ) -> None:
        """Append the entry of a read (writes commit theirs with the write)."""
        self.store.append_access_log(self.entry(access, action, object_type, object_id))

    def history(
        self,
        access: Access,
        limit: int,
        cursor: str | None,
        only: HistoryFilter = EVERY_ENTRY,
    ) -> HistoryPage:
        """The space's history, newest first, for its holder or representative: all but the
        acts on items their side may not see (a document held for announcement until released;
        a minor's secrets, documents or profile entries, for a representative): an entry would
        tell that such an item exists, who filed it and when. `only` keeps a professional's
        acts, or emergency accesses (a filtered page reads a bounded stretch: it may be short,
        even empty, with a next cursor). The documents and entries a page names are read in one
        batch, and the page gives the titles of the documents it shows."""
        page = self.store.list_access_log(access.space_id, page_size(limit), cursor, only)
        shown, seen = self.visible(access, page.items)
        titles = {document_id: d.title for document_id, d in seen.items()}
        return HistoryPage(items=shown, next_cursor=page.next_cursor, titles=titles)

    def visible(
        self, access: Access, entries: Sequence[AccessLogEntry]
    ) -> tuple[list[AccessLogEntry], dict[str, Document]]:
        """The entries this side may see (the history, the news), and the documents they name
        that exist and it sees, by id. The documents and entries named are read in one batch."""
        named = [e.object for e in entries if e.object.id]
        documents = sorted({o.id for o in named if o.type.startswith("document") and o.id})
        profile_entries = sorted(
            {
                (o.type.removeprefix("profile/"), o.id)
                for o in named
                if o.type.startswith("profile/") and o.id
            }
        )
        found, found_entries = self.store.get_named_items(
            access.space_id, documents, profile_entries
        )
        now = self.clock.now()
        seen = {d.document_id: d for d in found if access.sees(document_facts(d), now)}
        hidden = {d.document_id for d in found if d.document_id not in seen}
        hidden |= {e.entry_id for e in found_entries if not access.sees(entry_facts(e), now)}
        return [e for e in entries if e.object.id not in hidden], seen


class HistoryPage(Page[AccessLogEntry]):
    """A page of the history, with the titles of the documents it names that still exist (by
    document id): the patient reads "Compte rendu de biologie", not "document"."""

    titles: dict[str, str] = Field(default_factory=dict)
