"""Who acts on a space, and what the patient's side of it sees.

An `Access` is a caller acting on one space in the role the access policy granted. This base class
is the patient's side (the holder or a legal representative); a professional's access, under the
care rules, is `healthspace.care.access.CareAccess`, which overrides the same few questions. The
use cases of the records ask the access (`sees`, `deposit`, `made`...), never its type: the care
rules stay in the care room and the records never import it.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Protocol

from cachetools import TTLCache

from healthspace.kernel.dates import is_minor
from healthspace.kernel.errors import BadRequest, Forbidden, NotFound, SpaceClosed, SpaceSuspended
from healthspace.records.model import (
    ActorKind,
    Author,
    Document,
    ItemFacts,
    Kind,
    PersonAccess,
    ProfileEntry,
    Role,
    Section,
    Space,
    SpaceStatus,
    Upload,
)
from healthspace.records.ports import SpaceStore


class Actor(Protocol):
    """Whoever acts: how the access log names them, and the partner system that carried the
    act, if one did."""

    @property
    def as_author(self) -> Author: ...

    @property
    def via(self) -> str | None: ...


@dataclass(frozen=True)
class Caller:
    """The authenticated person behind a request. `subject` is pseudonymous and may be logged;
    the INS and the name may not."""

    subject: str
    ins: str
    display_name: str
    kind: ActorKind = ActorKind.PATIENT

    @property
    def as_author(self) -> Author:
        return Author(kind=self.kind, id=self.subject, display_name=self.display_name)

    @property
    def via(self) -> str | None:
        return None  # people sign in themselves; only professionals come through partners


@dataclass(frozen=True)
class Access:
    """A caller acting on one space, in a role the access policy granted: the patient's side."""

    caller: Actor
    space_id: str
    role: Role

    def sees(self, item: ItemFacts, now: datetime) -> bool:
        return visible_to_patient(item, self.role, now)

    def readable_sections(self) -> frozenset[Section] | None:
        """The profile sections this access reads; None: every one."""
        return None

    def deposit(self, kind: Kind, now: datetime, *, hold: bool, confidential: bool) -> ItemFacts:
        """What an upload or a profile entry of this caller files. A patient's deposit is never
        held nor confidential (nor masked yet)."""
        if hold or confidential:
            raise BadRequest("only a professional's deposit can be held or confidential")
        return ItemFacts(kind=kind)

    def made(self, upload: Upload) -> bool:
        """Whether this caller's side made the upload: the patient's side, any upload but a
        professional's."""
        return upload.uploader_role is not Role.PROFESSIONAL

    def release(self, item: ItemFacts, now: datetime) -> ItemFacts:
        raise Forbidden("only the professional who held this document can release it")

    def check_changes_allowed(self) -> None:
        """Renaming, masking, replacing and deleting are the patient's acts; professionals add."""

    @property
    def emergency_reason(self) -> str | None:
        return None

    @property
    def profession(self) -> str | None:
        """The uploader's RPPS profession code, for professionals' uploads."""
        return None


def visible_to_patient(item: ItemFacts, role: Role, now: datetime) -> bool:
    """What the patient's side sees: everything (masking only concerns professionals) but a
    document held for announcement, and, for a legal representative, a minor's confidential items.

    The holder always sees their confidential items: the secret protects the minor (CSP
    L. 1111-5). A minor may have no login of their own; until they do, nobody on the patient's
    side sees those items, while professionals still do.
    """
    if role not in (Role.HOLDER, Role.LEGAL_REPRESENTATIVE):
        raise ValueError(f"{role} is not on the patient's side")
    if item.hold is not None and item.hold.hides(now):
        return False
    return not (role is Role.LEGAL_REPRESENTATIVE and item.confidential_from_representatives)


def check_confidential_from_representatives(holder_birth_date: date, today: date) -> None:
    """Only a minor's item is kept from their legal representatives: the secret is the minor's
    right (CSP L. 1111-5). An adult's representatives (guardianship) have no such exception, and
    an adult holder sees everything anyway: asking for it on an adult's file is a mistake we
    refuse (BadRequest) rather than store a flag that silently means something else."""
    if not is_minor(holder_birth_date, today):
        raise BadRequest(
            "confidential_from_representatives only applies to a minor's file (CSP L. 1111-5)"
        )


def document_facts(document: Document) -> ItemFacts:
    """What the care rules need of a document."""
    return ItemFacts(
        kind=document.category,
        author_rpps=document.author.rpps,
        masked=document.masked,
        hold=document.hold,
        confidential_from_representatives=document.confidential_from_representatives,
    )


def entry_facts(entry: ProfileEntry) -> ItemFacts:
    """Profile entries are never masked (masking is about documents)."""
    return ItemFacts(
        kind=Section(entry.section),
        author_rpps=entry.author.rpps,
        confidential_from_representatives=entry.confidential_from_representatives,
    )


class AccessPolicy:
    """Who may act on which space. A patient reaches their own space and the spaces they
    represent, nothing else; an unknown or foreign space is reported as not found.

    Grants are cached for a few seconds per warm function (one read saved per request); a revoked
    grant therefore takes effect within `ttl_seconds`.
    """

    def __init__(
        self,
        store: SpaceStore,
        ttl_seconds: float = 30,
        max_people: int = 10_000,
        timer: Callable[[], float] = time.monotonic,
    ) -> None:
        self._store = store
        self._cache: TTLCache[str, PersonAccess] = TTLCache(max_people, ttl_seconds, timer)
        self._lock = threading.Lock()

    def person(self, caller: Caller) -> PersonAccess:
        with self._lock:
            person = self._cache.get(caller.ins)
        if person is None:
            person = self._store.get_person(caller.ins)
            if person is None:
                raise NotFound("no health space is open for this account")
            with self._lock:
                self._cache[caller.ins] = person
        return person

    def forget(self, ins: str) -> None:
        """Drop a person's cached grants (this instance changed them)."""
        with self._lock:
            self._cache.pop(ins, None)

    def resolve(self, caller: Caller, space_id: str | None) -> Access:
        """The caller on an active space (theirs, or one they represent): every route of the
        patient's side comes through here. A closed space is refused (SpaceClosed), reads
        included: it reads alike the day it closes and once archived; its holder and
        representatives read its closure through `resolve_any` (healthspace.lifecycle). A
        suspended space is refused as such (SpaceSuspended): operators alone act on it."""
        access, space = self.resolve_any(caller, space_id)
        if space.status.closed:
            raise SpaceClosed(
                "this health space is closed: nothing can be read or added any more "
                "(GET /me/closure says when it was closed)"
            )
        if space.status is SpaceStatus.SUSPENDED:
            raise SpaceSuspended(
                "this health space is suspended by the Assurance Maladie: nothing can be read or "
                "added until the helpline lifts the suspension (call it)"
            )
        if space.status is not SpaceStatus.ACTIVE:
            raise NotFound("health space not found")
        return access

    def resolve_any(self, caller: Caller, space_id: str | None) -> tuple[Access, Space]:
        """The caller on a space they hold or represent, whatever its status, and the space as
        stored now (one read, never cached: a closure counts at once on every instance)."""
        person = self.person(caller)
        target = space_id or person.own_space_id
        role = person.spaces.get(target) if target else None
        space = self._store.get_space(target) if target and role else None
        if target is None or role is None or space is None:
            raise NotFound("health space not found")
        return Access(caller=caller, space_id=target, role=role), space
