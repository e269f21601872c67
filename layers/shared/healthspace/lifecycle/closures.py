"""Closing a space (POST /me/closure): by its holder, or by a legal representative for a child,
with a recent sign-in. The space turns CLOSED at once, its closure and the access-log entry
written with it in one transaction; from then on the access policy (records.access), the
professionals' door (care.access), the releases of held documents and the notices refuse or
skip it. Closing a closed space answers its closure and changes nothing."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from healthspace.kernel.clock import Clock
from healthspace.kernel.errors import Conflict, NotFound
from healthspace.lifecycle.model import CLOSURE_OBJECT, Closure, ClosureReason
from healthspace.lifecycle.ports import ClosureStore
from healthspace.lifecycle.rules import check_may_decide, check_recent
from healthspace.records.access import AccessPolicy, Caller
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, Author, Role, Space, SpaceStatus

# Tries of a closure whose space changed between its read and its write (a data key stored
# meanwhile): each reads the space again. A concurrent closure ends the loop (it answers that one).
CLOSE_TRIES = 3
# What a closure nobody signed in for closes: an active space, or one frozen by operators.
_CLOSABLE = frozenset({SpaceStatus.ACTIVE, SpaceStatus.SUSPENDED})


@dataclass(frozen=True)
class ClosureState:
    """A space's state as its holder's side reads it: its status, and its closure if closed."""

    space_id: str
    status: SpaceStatus
    closure: Closure | None = None
    closed_now: bool = False  # this request closed it (a metric), not shown

    def to_api(self) -> dict[str, object]:
        shown = self.closure.to_api() if self.closure else {}
        return {"space_id": self.space_id, "status": self.status.value, **shown}


@dataclass(eq=False)
class Closures:
    store: ClosureStore
    policy: AccessPolicy
    log: AccessLog
    clock: Clock
    # How recent the sign-in of whoever closes must be (kernel.settings.LifecycleSettings).
    reauthentication: timedelta = timedelta(minutes=5)

    def state(self, caller: Caller, space_id: str | None) -> ClosureState:
        """The space's status and closure, for its holder and representatives, whatever the
        status (what the website shows after a SPACE_CLOSED refusal). Nobody's health data:
        not traced, as GET /me is not."""
        _, space = self.policy.resolve_any(caller, space_id)
        return self._state(space)

    def close(
        self, caller: Caller, space_id: str | None, signed_in_at: datetime | None
    ) -> ClosureState:
        """Close the space the caller holds (or, as a legal representative, a child's). A
        closed space answers its closure whoever closed it, and nothing changes; otherwise the
        caller must have signed in within `reauthentication` (ReauthenticationRequired)."""
        access, space = self.policy.resolve_any(caller, space_id)
        check_may_decide(access, space, self.clock.now(), "close")
        for _ in range(CLOSE_TRIES):
            if space.status is not SpaceStatus.ACTIVE:
                return self._state(space)
            check_recent(signed_in_at, self.clock.now(), self.reauthentication, "close")
            closure = Closure.of(space.space_id, self.clock.now(), access.role, caller.subject)
            entry = self.log.entry(access, Action.UPDATE, CLOSURE_OBJECT)
            if self.store.close_space(space, closure, entry):
                return ClosureState(space.space_id, SpaceStatus.CLOSED, closure, closed_now=True)
            space = self._space(space.space_id)  # lost a race: closed, or changed meanwhile
        raise Conflict("the health space changed while it was being closed: try again")

    def close_as(
        self,
        space_id: str,
        actor: Author,
        reason: ClosureReason,
        still: Callable[[Space], bool] | None = None,
    ) -> ClosureState:
        """A closure nobody's sign-in carries: the death registry's import, an unanswered
        suspension, a helpline operator for a caller. No re-authentication (the actor is
        authenticated otherwise); the closure and its access-log entry name the actor. An
        ACTIVE or SUSPENDED space closes, if `still(space)` holds as it is read (re-read after
        a lost race); any other answers its state and nothing changes."""
        space = self._space(space_id)
        for _ in range(CLOSE_TRIES):
            if space.status not in _CLOSABLE or (still is not None and not still(space)):
                return self._state(space)
            closure = Closure.of(space_id, self.clock.now(), Role.SYSTEM, actor.id, reason)
            entry = self.log.entry_of(space_id, actor, Role.SYSTEM, Action.UPDATE, CLOSURE_OBJECT)
            if self.store.close_space(space, closure, entry):
                return ClosureState(space_id, SpaceStatus.CLOSED, closure, closed_now=True)
            space = self._space(space_id)
        raise Conflict("the health space changed while it was being closed: try again")

    def _state(self, space: Space) -> ClosureState:
        if not space.status.closed:
            return ClosureState(space.space_id, space.status)
        return ClosureState(space.space_id, space.status, self.store.get_closure(space.space_id))

    def _space(self, space_id: str) -> Space:
        space = self.store.get_space(space_id)
        if space is None:
            raise NotFound("health space not found")
        return space
