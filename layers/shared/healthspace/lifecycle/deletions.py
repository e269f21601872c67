"""Deleting a space (docs/lifecycle.md): asked for (POST /me/deletion; the helpline through
`request`), or due at the end of its ten years of archive (the purge sweep, lifecycle.purge).

The crypto-shred comes first, alone: one transaction turns the space DELETING and removes its
wrapped data key, so that from then on nothing it stored can be decrypted, whatever copy of an
object survives. Then `erase` deletes, each step idempotent so that any run may crash and the
next finish: every object version under the space's prefix (both buckets), every item of its
partition (and its documents' DOCREFs), its people's visits and grants; last, in one
transaction, the space item, the closure (its dated index entry), the deletion made tombstone
and the audit record. A finished deletion answers "already purged" and counts nothing again.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from healthspace.enrollment.codes import pseudonym
from healthspace.kernel.clock import Clock
from healthspace.kernel.dates import is_minor
from healthspace.kernel.errors import Conflict, Forbidden, NotFound, ReauthenticationRequired
from healthspace.kernel.observability import logger
from healthspace.lifecycle.deletion import (
    Deletion,
    DeletionAudit,
    DeletionReason,
    Erasure,
)
from healthspace.lifecycle.deletion_ports import (
    DeletionConfirmations,
    DeletionRunner,
    DeletionStore,
    SpaceObjects,
)
from healthspace.records.access import Access, AccessPolicy, Caller
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, Author, Role, Space, SpaceStatus

# The access-log object of a deletion request (deleted with the history, as everything).
DELETION_OBJECT = "space/deletion"
# Tries of a request whose space changed between its read and its write.
REQUEST_TRIES = 3
# The states a deletion may be asked from: open, closed, archived (not while reopening, nor
# suspended: operators hold a suspended space).
DELETABLE = frozenset({SpaceStatus.ACTIVE, SpaceStatus.CLOSED, SpaceStatus.ARCHIVED})
# The states the purge at term takes: archived, or closed whose archive never finished.
PURGEABLE = frozenset({SpaceStatus.CLOSED, SpaceStatus.ARCHIVED})


@dataclass(frozen=True)
class Requester:
    """Who asks for a deletion: their role on the space (SYSTEM for the helpline, whose
    operator is named in `author`) and the author the space's history names."""

    role: Role
    author: Author


@dataclass(frozen=True)
class DeletionState:
    """A space's deletion as its holder's side reads it."""

    space_id: str
    status: SpaceStatus
    deletion: Deletion | None = None
    started_now: bool = False  # this request shredded it (a metric), not shown

    def to_api(self) -> dict[str, object]:
        shown = self.deletion.to_api() if self.deletion else {}
        return {"space_id": self.space_id, **shown, "status": self.status.value}


@dataclass(frozen=True)
class Erased:
    """One run of `erase`: what it found, and what it deleted (this run only)."""

    outcome: Erasure
    objects: int = 0
    items: int = 0


@dataclass(eq=False)
class Deletions:
    store: DeletionStore
    objects: SpaceObjects
    runner: DeletionRunner
    confirmations: DeletionConfirmations
    policy: AccessPolicy
    log: AccessLog
    clock: Clock
    # The key of the audit's pseudonyms (the enrollment codes' pepper), read when first needed.
    pepper: Callable[[], bytes]
    reauthentication: timedelta = timedelta(minutes=5)
    _pepper: bytes | None = field(default=None, init=False, repr=False)

    # --- the person's side

    def state(self, caller: Caller, space_id: str | None) -> DeletionState:
        """The space's status and its deletion once asked for (not traced, as GET /me)."""
        _, space = self.policy.resolve_any(caller, space_id)
        return DeletionState(space.space_id, space.status, self.store.get_deletion(space.space_id))

    def request_as(
        self, caller: Caller, space_id: str | None, signed_in_at: datetime | None
    ) -> DeletionState:
        """POST /me/deletion: the holder, or a child's legal representative, signed in within
        `reauthentication`, deletes the space, open, closed or archived. Asking again answers
        the deletion under way (or done) and changes nothing."""
        access, space = self.policy.resolve_any(caller, space_id)
        self._check_may_delete(access, space)
        if space.status is not SpaceStatus.DELETING:
            self._check_recent(signed_in_at)
        author = caller.as_author
        return self.request(Requester(access.role, author), space.space_id)

    def request(self, requester: Requester, space_id: str) -> DeletionState:
        """Delete a space now, for whoever the caller checked (the route above, the helpline
        after its identity checks): the crypto-shred, then the deletion workflow started.
        NotFound for an unknown space; Conflict for one that cannot be deleted now
        (reopening, suspended); a deletion under way or done answers its state."""
        space = self._space(space_id)
        for _ in range(REQUEST_TRIES):
            if space.status is SpaceStatus.DELETING:
                return DeletionState(space_id, space.status, self.store.get_deletion(space_id))
            if space.status not in DELETABLE:
                raise Conflict(f"a {space.status.value.lower()} health space cannot be deleted now")
            deletion = self._deletion(space, DeletionReason.REQUEST, requester.role)
            entry = self.log.entry_of(
                space_id, requester.author, requester.role, Action.DELETE, DELETION_OBJECT
            )
            if self.store.shred(space, deletion, entry):
                self._start(space_id)
                return DeletionState(space_id, SpaceStatus.DELETING, deletion, started_now=True)
            space = self._space(space_id)  # lost a race: read it again
        raise Conflict("the health space changed while its deletion was asked: try again")

    # --- the workflow's side

    def erase(self, space_id: str, term: bool = False) -> Erased:
        """Run a space's deletion to its end (idempotent). `term`: the purge sweep found it in
        the dated index: an archive (or a closed space) whose ten years have passed is
        shredded first; a deletion already under way goes on either way."""
        space = self.store.get_space(space_id)
        if space is None:
            done = self.store.get_deletion(space_id)
            return Erased(Erasure.ALREADY if done and done.done else Erasure.ABSENT)
        if space.status is not SpaceStatus.DELETING:
            if not (term and self._due(space)):
                return Erased(Erasure.NOT_DUE)
            deletion = self._deletion(space, DeletionReason.TERM, Role.SYSTEM)
            if not self.store.shred(space, deletion, None):
                return Erased(Erasure.NOT_DUE)  # changed meanwhile: the next sweep sees it
            space = space.model_copy(
                update={"status": SpaceStatus.DELETING, "wrapped_key": None}
            ).model_copy(update={"version": space.version + 1})
        return self._erase(space)

    def _erase(self, space: Space) -> Erased:
        space_id = space.space_id
        objects = items = 0
        for deleted in self.objects.erase(space_id):
            self.store.count_erased(space_id, objects=deleted)
            objects += deleted
        for deleted in self.store.erase_items(space_id):
            self.store.count_erased(space_id, items=deleted)
            items += deleted
        for deleted in self.store.erase_people(space_id, self.store.people_of(space)):
            self.store.count_erased(space_id, items=deleted)
            items += deleted
        deletion = self.store.get_deletion(space_id)
        if deletion is None:  # the shred writes it with the space: a space DELETING has one
            raise RuntimeError("a deleting space without its deletion")
        closure = self.store.get_closure(space_id)
        last = 2 if closure else 1  # the space item and the closure, in the last transaction
        now = self.clock.now()
        final = deletion.model_copy(
            update={
                "status": SpaceStatus.DELETED
                if deletion.reason is DeletionReason.REQUEST
                else SpaceStatus.PURGED,
                "deleted_at": now,
                "items": deletion.items + last,
            }
        )
        if deletion.reason is DeletionReason.REQUEST and not deletion.confirmed:
            # Before the last write, which forgets who the holder was: a crash after the
            # confirmation sends it again (twice rather than never).
            if not self.confirmations.confirm(space.holder_ins, final):
                logger.warning("deletion unconfirmed: nobody to reach", extra={"space_id": space_id})
            self.store.mark_confirmed(space_id)
        audit = DeletionAudit(
            pseudonym=self.pseudonym(space_id),
            reason=final.reason,
            closed_at=closure.closed_at if closure else None,
            requested_at=final.requested_at,
            deleted_at=now,
            objects=final.objects,
            items=final.items,
        )
        if not self.store.finish(space, final, audit):
            return Erased(Erasure.ALREADY)
        return Erased(Erasure.DONE, objects, items + last)

    def pseudonym(self, space_id: str) -> str:
        """The audit's name for a space: a keyed HMAC (the pepper), never the id itself."""
        if self._pepper is None:
            self._pepper = self.pepper()
        return pseudonym(self._pepper, f"space:{space_id}")

    # --- rules

    def _due(self, space: Space) -> bool:
        if space.status not in PURGEABLE:
            return False
        closure = self.store.get_closure(space.space_id)
        return closure is not None and closure.purge_after <= self.clock.now()

    def _deletion(self, space: Space, reason: DeletionReason, role: Role) -> Deletion:
        return Deletion(
            space_id=space.space_id,
            reason=reason,
            requested_at=self.clock.now(),
            requested_by=role,
            status=SpaceStatus.DELETING,
        )

    def _start(self, space_id: str) -> None:
        """Start the workflow; if that fails the space is still indexed for today's sweep."""
        try:
            self.runner.start(space_id)
        except Exception as exc:  # the deletion is decided and shredded: never a 5xx for this
            logger.warning(
                "deletion workflow not started: the daily sweep will run it",
                extra={"space_id": space_id, "error": type(exc).__name__},
            )

    def _check_may_delete(self, access: Access, space: Space) -> None:
        if access.role is Role.HOLDER:
            return
        today = self.clock.now().date()
        if access.role is Role.LEGAL_REPRESENTATIVE and is_minor(space.holder.birth_date, today):
            return
        raise Forbidden("only the holder, or a child's legal representative, may delete a space")

    def _check_recent(self, signed_in_at: datetime | None) -> None:
        now = self.clock.now()
        if signed_in_at is None or not (
            now - self.reauthentication <= signed_in_at <= now + timedelta(minutes=1)
        ):
            minutes = int(self.reauthentication.total_seconds() // 60)
            raise ReauthenticationRequired(
                f"to delete a health space, sign in again (within the last {minutes} minutes)"
            )

    def _space(self, space_id: str) -> Space:
        space = self.store.get_space(space_id)
        if space is None:
            raise NotFound("health space not found")
        return space
