"""An export of a space ("give me all my data"): who asked, when, how far its build went, and
where its ZIP lies once ready. Kept two days (the table's TTL), its ZIP one (the downloads
bucket's expiry)."""

from __future__ import annotations

from datetime import datetime, timedelta
from enum import StrEnum
from typing import Final, Literal

from pydantic import AwareDatetime

from healthspace.kernel.entity import Entity
from healthspace.records.model import Author, Role

# The access-log object of an export: its request, and each link to its ZIP.
EXPORT_OBJECT: Final = "export"
# A build runs in one invocation (the worker's timeout: 15 minutes); one not done by then has
# failed (the worker died: a timeout, its memory), and another may be asked for.
BUILD_DEADLINE: Final = timedelta(minutes=16)
# The export's item lives two days; its ZIP one (the downloads bucket's lifecycle rule).
KEPT: Final = timedelta(days=2)
ZIP_KEPT: Final = timedelta(days=1)
Language = Literal["fr", "en"]


class ExportStatus(StrEnum):
    PENDING = "PENDING"  # asked for; the worker has not started
    RUNNING = "RUNNING"
    READY = "READY"  # its ZIP is there: GET /me/exports/{id} gives a link
    FAILED = "FAILED"  # ask again
    EXPIRED = "EXPIRED"  # its ZIP is gone (a day after it was made): ask again


class Export(Entity):
    private = frozenset({"space_id", "requested_by", "role", "key", "failure"})
    export_id: str
    space_id: str
    status: ExportStatus
    requested_at: AwareDatetime
    requested_by: Author
    role: Role
    language: Language = "fr"
    finished_at: AwareDatetime | None = None
    key: str | None = None  # the ZIP in the downloads bucket
    size: int | None = None
    documents: int | None = None
    resources: int | None = None
    failure: str | None = None  # FAILED: the kind of error (its class), for the operators

    @property
    def zip_key(self) -> str:
        return f"exports/{self.space_id}/{self.export_id}/export.zip"

    @property
    def expires_at(self) -> datetime:
        return self.requested_at + KEPT

    def shown_status(self, now: datetime) -> ExportStatus:
        """Its status as it stands now: a build past its deadline failed, a ZIP past its day
        is gone."""
        if self.status in (ExportStatus.PENDING, ExportStatus.RUNNING):
            late = now > self.requested_at + BUILD_DEADLINE
            return ExportStatus.FAILED if late else self.status
        if self.status is ExportStatus.READY and self.finished_at is not None:
            return ExportStatus.EXPIRED if now > self.finished_at + ZIP_KEPT else self.status
        return self.status

    def shown(self, now: datetime) -> dict[str, object]:
        body = self.to_api()
        body["status"] = self.shown_status(now).value
        return {k: v for k, v in body.items() if v is not None}
