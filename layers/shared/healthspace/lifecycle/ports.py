"""What the lifecycle needs of the outside world."""

from __future__ import annotations

from typing import Protocol

from healthspace.lifecycle.model import Closure
from healthspace.records.model import AccessLogEntry, Space, SpaceStatus


class ClosureStore(Protocol):
    """Spaces' closures, on the health space table."""

    def get_space(self, space_id: str) -> Space | None:
        """The space as last written (a consistent read: it follows a lost race)."""
        ...

    def get_closure(self, space_id: str) -> Closure | None: ...

    def close_space(self, space: Space, closure: Closure, audit: AccessLogEntry) -> bool:
        """Write the space CLOSED (its version plus one), its closure and the closure's
        access-log entry, in one transaction, if the stored space is still at `space.version`;
        False otherwise (another closure, a new data key since it was read): nothing written."""
        ...

    def set_status(self, space: Space, status: SpaceStatus, audit: AccessLogEntry) -> bool:
        """Write the space at `status` (its version plus one) and the access-log entry of the
        change, in one transaction, if the stored space is still at `space.version`; False
        otherwise: nothing written (a suspension, its lifting)."""
        ...


class SuspensionTimer(Protocol):
    """The suspension workflow (Step Functions): one execution per suspension."""

    def start(self, space_id: str, version: int) -> None:
        """Start the wait of the suspension that left the space at `version`: named after both,
        so that starting it again (a retried request) starts nothing."""
        ...
