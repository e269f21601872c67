"""What the lifecycle needs of the outside world."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from healthspace.kernel.entity import Page
from healthspace.lifecycle.export_model import Export
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


class ExportStore(Protocol):
    """Exports of spaces (lifecycle.exports), on the health space table, each kept two days."""

    def start_export(self, export: Export, audit: AccessLogEntry, now: datetime) -> bool:
        """Write the new export with its access-log entry, on condition that no other export of
        its space is running (one whose build started less than BUILD_DEADLINE ago and is not
        done): False then, nothing written."""
        ...

    def get_export(self, space_id: str, export_id: str) -> Export | None: ...
    def list_exports(self, space_id: str, limit: int, cursor: str | None) -> Page[Export]:
        """A page of the space's exports, newest first."""
        ...

    def put_export(self, export: Export, done: bool = False) -> None:
        """Write the export's progress; `done`: it is READY or FAILED, and no longer keeps
        another export of its space from starting."""
        ...


class ZipUpload(Protocol):
    """A file written part by part (an S3 multipart upload): what is written goes out in parts,
    never held whole. zipfile writes to it as to a stream it cannot seek."""

    def write(self, data: bytes) -> int: ...
    def flush(self) -> None: ...


class ExportFiles(Protocol):
    """Where exports' ZIPs are written and handed out (the downloads bucket, which expires them
    after a day)."""

    def open(self, key: str) -> ZipUpload: ...
    def complete(self, upload: ZipUpload) -> int:
        """Finish the file; its size in bytes."""
        ...

    def abort(self, upload: ZipUpload) -> None:
        """Give the file up: none of its parts is kept."""
        ...

    def link(self, key: str, filename: str, expires_in: int) -> str:
        """A presigned GET of the file, as an attachment named `filename`."""
        ...
