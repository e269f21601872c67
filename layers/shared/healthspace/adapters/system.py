"""The real clock and identifier generator (tests inject their own)."""

from __future__ import annotations

from datetime import UTC, datetime

from ulid import ULID


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class UlidIds:
    def new_id(self) -> str:
        return str(ULID())
