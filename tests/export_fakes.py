"""In-memory fakes of the export's ports (lifecycle.ports): the exports' items, with the
table's one-running-per-space condition, and the ZIP files, written part by part."""

from __future__ import annotations

import io
from datetime import datetime

from healthspace.kernel.entity import Page
from healthspace.lifecycle.export_model import BUILD_DEADLINE, Export, ExportStatus
from healthspace.records.model import AccessLogEntry
from tests.fakes import FakeStore


class FakeExportStore:
    def __init__(self, medical_store: FakeStore) -> None:
        self.medical = medical_store
        self.exports: dict[tuple[str, str], Export] = {}
        self.running: dict[str, tuple[str, datetime]] = {}  # space -> (export, until)

    def start_export(self, export: Export, audit: AccessLogEntry, now: datetime) -> bool:
        held = self.running.get(export.space_id)
        if held is not None and held[1] > now:
            return False
        self.running[export.space_id] = (export.export_id, export.requested_at + BUILD_DEADLINE)
        self.exports[(export.space_id, export.export_id)] = export
        self.medical.append_access_log(audit)
        return True

    def get_export(self, space_id: str, export_id: str) -> Export | None:
        return self.exports.get((space_id, export_id))

    def list_exports(self, space_id: str, limit: int, cursor: str | None) -> Page[Export]:
        mine = sorted(
            (e for (s, _), e in self.exports.items() if s == space_id),
            key=lambda e: e.export_id,
            reverse=True,
        )
        start = int(cursor or 0)
        more = start + limit < len(mine)
        return Page[Export](
            items=mine[start : start + limit], next_cursor=str(start + limit) if more else None
        )

    def claim_export(self, export: Export) -> bool:
        stored = self.exports.get((export.space_id, export.export_id))
        if stored is None or stored.status is not ExportStatus.PENDING:
            return False
        self.exports[(export.space_id, export.export_id)] = export
        return True

    def put_export(self, export: Export, done: bool = False) -> None:
        self.exports[(export.space_id, export.export_id)] = export
        held = self.running.get(export.space_id)
        if done and held is not None and held[0] == export.export_id:
            del self.running[export.space_id]


class FakeUpload:
    """A stream zipfile cannot seek (as S3's multipart upload), cut into parts."""

    def __init__(self, key: str, part_size: int) -> None:
        self.key = key
        self.part_size = part_size
        self.buffer = bytearray()
        self.parts: list[bytes] = []
        self.largest_buffer = 0

    def write(self, data: bytes) -> int:
        self.buffer += data
        self.largest_buffer = max(self.largest_buffer, len(self.buffer))
        while len(self.buffer) >= self.part_size:
            self.parts.append(bytes(self.buffer[: self.part_size]))
            del self.buffer[: self.part_size]
        return len(data)

    def flush(self) -> None:
        pass


class FakeExportFiles:
    def __init__(self, part_size: int = 64 * 1024) -> None:
        self.part_size = part_size
        self.files: dict[str, bytes] = {}
        self.aborted: list[str] = []
        self.uploads: list[FakeUpload] = []
        self.links: list[tuple[str, str, int]] = []

    def open(self, key: str) -> FakeUpload:
        upload = FakeUpload(key, self.part_size)
        self.uploads.append(upload)
        return upload

    def complete(self, upload: FakeUpload) -> int:
        data = b"".join(upload.parts) + bytes(upload.buffer)
        self.files[upload.key] = data
        return len(data)

    def abort(self, upload: FakeUpload) -> None:
        self.aborted.append(upload.key)

    def link(self, key: str, filename: str, expires_in: int) -> str:
        self.links.append((key, filename, expires_in))
        return f"https://downloads.example/{key}?expires={expires_in}"

    def zip(self, key: str) -> io.BytesIO:
        return io.BytesIO(self.files[key])
