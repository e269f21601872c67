"""Suspension by operators (identity fraud): the space is frozen (SUSPENDED: the access policy,
the professionals' door and the partners refuse it; only operators act on it), its holder is told
(healthspace.notices, from the suspension's access-log entry), and one Step Functions execution
per suspension waits (six weeks in production) then closes it, reason SUSPENSION_UNANSWERED, if
it is still SUSPENDED at the version the suspension left. An operator may lift it (ACTIVE again):
the execution then finds it active and does nothing; a later suspension has its own execution.

Every change is one conditional write on the space item with its access-log entry, naming the
operator (their pseudonymous id)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from healthspace.kernel.errors import Conflict, NotFound
from healthspace.lifecycle.closures import Closures
from healthspace.lifecycle.model import SUSPENSION_OBJECT, ClosureReason, operator_author
from healthspace.lifecycle.ports import ClosureStore, SuspensionTimer
from healthspace.records.access_log import AccessLog
from healthspace.records.holds import SYSTEM_AUTHOR
from healthspace.records.model import Action, Role, Space, SpaceStatus
from healthspace.records.spaces import Spaces

# Tries of a change whose space changed between its read and its write.
TRIES = 3


class Expiry(StrEnum):
    """What the end of a suspension's wait did (the workflow's output, a metric)."""

    CLOSED = "closed"  # still suspended by this suspension: closed, nobody answered
    LIFTED = "lifted"  # an operator lifted it (or it was suspended again since: its own wait)
    ALREADY_CLOSED = "already-closed"  # closed otherwise meanwhile (a death, the holder)


@dataclass(frozen=True)
class SpaceState:
    """A space as operators see it: its id and status (never its content)."""

    space_id: str
    status: SpaceStatus
    changed_now: bool = False

    def to_api(self) -> dict[str, object]:
        return {"space_id": self.space_id, "status": self.status.value}


def space_for_operator(spaces: Spaces, ins: str, birth_date: date) -> Space:
    """The own space of the person an operator names by INS and birth date (both must match:
    a mistyped INS acts on nobody else's space); NotFound otherwise, whatever its status."""
    space = spaces.any_space_of(ins)
    if space is None or space.holder.birth_date != birth_date:
        raise NotFound("no health space matches this INS and birth date")
    return space


@dataclass(eq=False)
class Suspensions:
    store: ClosureStore
    spaces: Spaces
    closures: Closures
    log: AccessLog
    timer: SuspensionTimer

    def suspend(self, operator_id: str, ins: str, birth_date: date) -> SpaceState:
        """Freeze the space (ACTIVE -> SUSPENDED) and start its wait. Suspending a suspended
        space changes nothing (and starts its wait again if a crash left it unstarted: the
        execution's name makes that harmless); a closed one is refused (409)."""
        space = space_for_operator(self.spaces, ins, birth_date)
        changed = False
        for _ in range(TRIES):
            if space.status is SpaceStatus.SUSPENDED:
                break
            if space.status is not SpaceStatus.ACTIVE:
                raise Conflict(
                    f"this health space is {space.status.value.lower()}: it cannot be suspended"
                )
            entry = self.log.entry_of(
                space.space_id,
                operator_author(operator_id),
                Role.SYSTEM,
                Action.CREATE,
                SUSPENSION_OBJECT,
            )
            if self.store.set_status(space, SpaceStatus.SUSPENDED, entry):
                space = space.model_copy(
                    update={"status": SpaceStatus.SUSPENDED, "version": space.version + 1}
                )
                changed = True
                break
            space = self._reread(space)
        else:
            raise Conflict("the health space changed while it was being suspended: try again")
        self.timer.start(space.space_id, space.version)
        return SpaceState(space.space_id, space.status, changed)

    def lift(self, operator_id: str, ins: str, birth_date: date) -> SpaceState:
        """The suspension answered: SUSPENDED -> ACTIVE (its wait then ends doing nothing). An
        active space answers as it is; a closed one is refused (409: reopening is the way)."""
        space = space_for_operator(self.spaces, ins, birth_date)
        for _ in range(TRIES):
            if space.status is SpaceStatus.ACTIVE:
                return SpaceState(space.space_id, space.status)
            if space.status is not SpaceStatus.SUSPENDED:
                raise Conflict(
                    f"this health space is {space.status.value.lower()}: nothing to lift"
                )
            entry = self.log.entry_of(
                space.space_id,
                operator_author(operator_id),
                Role.SYSTEM,
                Action.DELETE,
                SUSPENSION_OBJECT,
            )
            if self.store.set_status(space, SpaceStatus.ACTIVE, entry):
                return SpaceState(space.space_id, SpaceStatus.ACTIVE, changed_now=True)
            space = self._reread(space)
        raise Conflict("the health space changed while its suspension was being lifted: try again")

    def expire(self, space_id: str, version: int) -> Expiry:
        """The end of the wait of the suspension that left the space at `version` (the
        workflow's last step): close it if it is still that suspension's."""

        def still_suspended(space: Space) -> bool:
            return space.status is SpaceStatus.SUSPENDED and space.version == version

        try:
            state = self.closures.close_as(
                space_id, SYSTEM_AUTHOR, ClosureReason.SUSPENSION_UNANSWERED, still_suspended
            )
        except NotFound:
            return Expiry.ALREADY_CLOSED  # purged or deleted since: nothing left to close
        if state.closed_now:
            return Expiry.CLOSED
        return Expiry.ALREADY_CLOSED if state.status.closed else Expiry.LIFTED

    def _reread(self, space: Space) -> Space:
        found = self.store.get_space(space.space_id)
        if found is None:
            raise NotFound("no health space matches this INS and birth date")
        return found
