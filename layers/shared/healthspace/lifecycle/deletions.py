"""Asking for a space's deletion (docs/lifecycle.md): POST /me/deletion, and the helpline
through `Deletions.request`. The crypto-shred comes first, alone: one transaction turns the
space DELETING and removes its wrapped data key, so that from then on nothing it stored can be
decrypted, whatever copy of an object survives; then the deletion workflow is started, which
runs lifecycle.erasing (the records function, which hosts the routes, loads none of it)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import Conflict, NotFound
from healthspace.kernel.observability import logger
from healthspace.lifecycle.deletion_model import Deletion, DeletionReason
from healthspace.lifecycle.deletion_ports import DeletionRunner, DeletionStore
from healthspace.lifecycle.rules import check_may_decide, check_recent
from healthspace.records.access import AccessPolicy, Caller
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, Author, Role, Space, SpaceStatus

# The access-log object of a deletion request (deleted with the history, as everything).
DELETION_OBJECT = "space/deletion"
# Tries of a request whose space changed between its read and its write.
REQUEST_TRIES = 3
# The states a deletion may be asked from: open, closed, archived (not while reopening, nor
# suspended: operators hold a suspended space).
DELETABLE = frozenset({SpaceStatus.ACTIVE, SpaceStatus.CLOSED, SpaceStatus.ARCHIVED})


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


@dataclass(eq=False)
class Deletions:
    store: DeletionStore
    runner: DeletionRunner
    policy: AccessPolicy
    log: AccessLog
    clock: Clock
    reauthentication: timedelta = timedelta(minutes=5)

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
        check_may_decide(access, space, self.clock.now(), "delete")
        if space.status is not SpaceStatus.DELETING:
            check_recent(signed_in_at, self.clock.now(), self.reauthentication, "delete")
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
            deletion = new_deletion(space, DeletionReason.REQUEST, requester.role, self.clock)
            entry = self.log.entry_of(
                space_id, requester.author, requester.role, Action.DELETE, DELETION_OBJECT
            )
            if self.store.shred(space, deletion, entry):
                self._start(space_id)
                return DeletionState(space_id, SpaceStatus.DELETING, deletion, started_now=True)
            space = self._space(space_id)  # lost a race: read it again
        raise Conflict("the health space changed while its deletion was asked: try again")

    # --- rules

    def _start(self, space_id: str) -> None:
        """Start the workflow; if that fails the space is still indexed for today's sweep."""
        try:
            self.runner.start(space_id)
        except Exception as exc:  # the deletion is decided and shredded: never a 5xx for this
            logger.warning(
                "deletion workflow not started: the daily sweep will run it",
                extra={"space_id": space_id, "error": type(exc).__name__},
            )

    def _space(self, space_id: str) -> Space:
        space = self.store.get_space(space_id)
        if space is None:
            raise NotFound("health space not found")
        return space


def new_deletion(space: Space, reason: DeletionReason, role: Role, clock: Clock) -> Deletion:
    return Deletion(
        space_id=space.space_id,
        reason=reason,
        requested_at=clock.now(),
        requested_by=role,
        status=SpaceStatus.DELETING,
    )
