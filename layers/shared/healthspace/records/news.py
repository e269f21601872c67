"""What is new in a space since its holder's (or representative's) last visit, on any device: the
documents others filed, the professionals who opened the file (break-glass accesses first), and
what to do next. The visit is the server's: one item per person and space, so a phone shows what
a computer has already shown.

Bounded: at most NEWS_ENTRIES access-log entries are read (one query, newest first); past them,
the digest says it is incomplete and the history has the rest."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Protocol

from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import Forbidden
from healthspace.records.access import Access, Caller
from healthspace.records.access_log import AccessLog
from healthspace.records.model import (
    AccessLogEntry,
    Action,
    ActorKind,
    Author,
    Document,
    Role,
    Section,
    Visit,
)
from healthspace.records.ports import AccessLogStore, ProfileStore, VisitStore

# Back within this time, the same visit goes on (a reload does not empty the news).
VISIT_GAP = timedelta(minutes=30)
# A first visit shows this window.
FIRST_WINDOW = timedelta(days=30)
NEWS_ENTRIES = 200
MAX_DOCUMENTS = 10
MAX_ACCESSES = 20


class NextStep(StrEnum):
    """What the home page suggests, from the space's state."""

    CHOOSE_TREATING_DOCTOR = "CHOOSE_TREATING_DOCTOR"
    FILL_PROFILE = "FILL_PROFILE"
    ADD_CONTACT = "ADD_CONTACT"
    REVIEW_EMERGENCY_ACCESS = "REVIEW_EMERGENCY_ACCESS"


@dataclass(frozen=True)
class ProfessionalVisits:
    """One professional's acts on the file since the last visit."""

    actor: Author
    count: int
    last_at: datetime
    emergency_reason: str | None  # the latest reason if any act broke the glass


@dataclass(frozen=True)
class Digest:
    since: datetime
    first_visit: bool
    documents: list[Document]
    more_documents: bool
    accesses: list[ProfessionalVisits]
    complete: bool  # False: more happened than was read; the history holds it all
    next_steps: list[NextStep] = field(default_factory=list)


class NewsStore(AccessLogStore, ProfileStore, VisitStore, Protocol):
    """What the news reads: the log, the profile's counts, the visits."""


@dataclass(eq=False)
class News:
    store: NewsStore
    log: AccessLog
    clock: Clock

    def since_last_visit(self, access: Access, has_treating_doctor: bool) -> Digest:
        """The digest for this caller on this space, and this visit recorded. Only the holder
        or a legal representative has a home page (a professional: Forbidden)."""
        caller = access.caller
        patient_side = access.role in (Role.HOLDER, Role.LEGAL_REPRESENTATIVE)
        if not (patient_side and isinstance(caller, Caller)):
            raise Forbidden("only the holder or a legal representative reads the news")
        visit = self._visit(caller.ins, access.space_id, self.clock.now())
        entries = self.store.access_log_since(access.space_id, visit.since, NEWS_ENTRIES)
        shown, documents = self.log.visible(access, entries)
        mine = caller.as_author.id
        new = _new_documents(shown, documents, mine)
        if new:
            self.log.trace(access, Action.READ, "document-list")  # their titles are shown
        accesses = _professional_visits(shown)
        counts = self.store.count_profile_entries(access.space_id)
        return Digest(
            since=visit.since,
            first_visit=visit.first,
            documents=new[:MAX_DOCUMENTS],
            more_documents=len(new) > MAX_DOCUMENTS,
            accesses=accesses[:MAX_ACCESSES],
            complete=len(entries) < NEWS_ENTRIES,
            next_steps=next_steps(has_treating_doctor, counts, accesses),
        )

    def _visit(self, ins: str, space_id: str, now: datetime) -> Visit:
        """This visit: the one going on, else a new one since the last (or the first)."""
        last = self.store.get_visit(ins, space_id)
        if last is None:
            visit = Visit(space_id=space_id, since=now - FIRST_WINDOW, last_seen=now, first=True)
        elif now - last.last_seen > VISIT_GAP:
            visit = Visit(space_id=space_id, since=last.last_seen, last_seen=now)
        else:
            visit = last.model_copy(update={"last_seen": max(now, last.last_seen)})
        self.store.put_visit(ins, visit)
        return visit


def _new_documents(
    entries: Sequence[AccessLogEntry], documents: Mapping[str, Document], mine: str
) -> list[Document]:
    """The documents filed by others since, still there and seen by this side, newest first."""
    found: dict[str, Document] = {}
    for entry in entries:
        document = documents.get(entry.object.id or "")
        created = entry.action is Action.CREATE and entry.object.type == "document"
        if created and document is not None and entry.actor.id != mine:
            found.setdefault(document.document_id, document)
    return list(found.values())


def _professional_visits(entries: Sequence[AccessLogEntry]) -> list[ProfessionalVisits]:
    """Per professional: how many acts, the last, and whether any broke the glass; the
    break-glass ones first, then the latest."""
    by_actor: dict[str, list[AccessLogEntry]] = {}
    for entry in entries:  # newest first
        if entry.actor.kind is ActorKind.PROFESSIONAL:
            by_actor.setdefault(entry.actor.id, []).append(entry)
    visits = [
        ProfessionalVisits(
            actor=acts[0].actor,
            count=len(acts),
            last_at=acts[0].at,
            emergency_reason=next((a.emergency_reason for a in acts if a.emergency_reason), None),
        )
        for acts in by_actor.values()
    ]
    visits.sort(key=lambda v: v.last_at, reverse=True)
    visits.sort(key=lambda v: v.emergency_reason is None)  # stable: emergencies first
    return visits


# The sections whose emptiness the home page points out: what helps in an emergency.
ESSENTIAL = (Section.ALLERGIES, Section.TREATMENTS, Section.CONDITIONS)


def next_steps(
    has_treating_doctor: bool, counts: Mapping[str, int], accesses: Sequence[ProfessionalVisits]
) -> list[NextStep]:
    """What to do next, most pressing first."""
    steps = []
    if any(v.emergency_reason for v in accesses):
        steps.append(NextStep.REVIEW_EMERGENCY_ACCESS)
    if not has_treating_doctor:
        steps.append(NextStep.CHOOSE_TREATING_DOCTOR)
    if not any(counts.get(s.value, 0) for s in ESSENTIAL):
        steps.append(NextStep.FILL_PROFILE)
    if not counts.get(Section.CONTACTS.value, 0):
        steps.append(NextStep.ADD_CONTACT)
    return steps
