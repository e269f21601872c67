"""What enrollment needs of the outside world: its table items, the channels that carry codes
and receipts, the operations bucket, the wave timer, and the records room's new space."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Protocol, TextIO

from healthspace.enrollment.model import (
    Channel,
    CodeRequestReceipt,
    Enrollment,
    EnrollmentLogEntry,
    Receipt,
    Wave,
    WaveCounts,
    WaveStatus,
)
from healthspace.kernel.entity import Page
from healthspace.records.model import Holder, Role, Space


class EnrollmentStore(Protocol):
    def create_enrollment(self, enrollment: Enrollment, log: EnrollmentLogEntry) -> bool:
        """False if the person already has one (re-imports create no duplicates)."""
        ...

    def get_enrollment(self, ins: str) -> Enrollment | None: ...
    def mark_notified(self, enrollment: Enrollment, expected_version: int) -> bool:
        """Replace it if still at that version, and count it notified in its wave, in one
        transaction; False if it changed meanwhile."""
        ...

    def update_enrollment(
        self, enrollment: Enrollment, expected_version: int, log: EnrollmentLogEntry
    ) -> bool:
        """Replace it if still at that version; False if it changed meanwhile."""
        ...

    def activate_enrollment(
        self,
        enrollment: Enrollment,
        expected_version: int,
        space: Space,
        grants: Sequence[tuple[str, Role]],
        log: EnrollmentLogEntry,
    ) -> bool:
        """One transaction, if the enrollment is still at that version: it becomes ACTIVE, its
        space and the grants are written."""
        ...

    def take_attempt(self, key: str, now: datetime, window: timedelta, limit: int) -> bool:
        """Count one attempt for this key, in one atomic step, unless `limit` attempts already
        count (False: locked). An attempt counts until `window` after the latest one: however
        many guesses arrive at once, no more than `limit` are ever checked."""
        ...

    def give_back_attempt(self, key: str) -> None:
        """Uncount an attempt that turned out right: only failures lock."""
        ...

    def get_wave(self, wave_id: str) -> Wave | None: ...
    def create_wave(self, wave: Wave) -> bool: ...
    def set_wave_status(self, wave_id: str, status: WaveStatus) -> None: ...
    def add_to_wave(self, wave_id: str, **counts: int) -> None:
        """Atomic counters: several functions add to the same wave at once."""
        ...

    def wave_counts(self, wave_id: str) -> WaveCounts: ...
    def list_waves(self, limit: int, cursor: str | None = None) -> Page[Wave]:
        """A page of the waves, newest first."""
        ...


class Notifier(Protocol):
    def send_code(self, enrollment: Enrollment, code: str) -> Channel: ...
    def send_receipt(self, enrollment: Enrollment, receipt: Receipt) -> Channel: ...
    def flush(self) -> None:
        """Hand over what is batched (letters for the mail house)."""
        ...


class OpsFiles(Protocol):
    """The operations bucket."""

    def put_json(self, key: str, value: object) -> None: ...
    def put_text(self, key: str, text: str, content_type: str) -> None: ...
    def get_json(self, key: str) -> object: ...
    def read_text(self, key: str) -> TextIO:
        """A file of the bucket as a text stream (population files are large: not in memory)."""
        ...

    def list_keys(self, prefix: str) -> list[str]: ...
    def put_receipt(self, receipt_id: str, pdf: bytes, folder: str = "receipts") -> str:
        """Store the receipt (`<folder>/<receipt_id>.pdf`); return a link to download it."""
        ...


class WaveScheduler(Protocol):
    def schedule(self, wave: Wave) -> None:
        """Start the wave's timer (idempotent: one execution per wave)."""
        ...


class NewSpace(Protocol):
    def __call__(self, ins: str, holder: Holder) -> Space: ...


class RenderReceipt(Protocol):
    def __call__(self, receipt: Receipt) -> bytes: ...


class RenderRequest(Protocol):
    """The receipt of a request for a new code, from the request and the public facts only."""

    def __call__(
        self, request: CodeRequestReceipt, window: timedelta, helpline_phone: str
    ) -> bytes: ...
