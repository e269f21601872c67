"""The two things of the outside world every use case asks for: the time and new ids."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class IdGenerator(Protocol):
    def new_id(self) -> str:
        """A new identifier that sorts by creation time (ULID)."""
        ...
