"""In-memory implementations of the domain's ports, for unit tests (no network, no moto)."""

from __future__ import annotations

import hashlib
import io
import itertools
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TextIO

from healthspace.care.record import CareRecord, PatientReference
from healthspace.enrollment.model import (
    Channel,
    Enrollment,
    EnrollmentLogEntry,
    Receipt,
    Wave,
    WaveCounts,
    WaveStatus,
)
from healthspace.kernel.entity import Page
from healthspace.kernel.errors import BadRequest, PreconditionFailed
from healthspace.records.model import (
    EVERY_ENTRY,
    AccessLogEntry,
    Document,
    DocumentFilter,
    HistoryFilter,
    PersonAccess,
    ProfileEntry,
    Role,
    Space,
    Upload,
    UploadStatus,
    Visit,
    documents_full,
)


class FakeClock:
    def __init__(self, start: datetime | None = None) -> None:
        self.current = start or datetime(2026, 11, 28, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class SequentialIds:
    """Zero-padded counters: unique and sorted by creation, like ULIDs."""

    def __init__(self) -> None:
        self._counter = itertools.count(1)

    def new_id(self) -> str:
        return f"{next(self._counter):026d}"


def _page(items: list, limit: int, cursor: str | None) -> Page:
    start = int(cursor) if cursor else 0
    if cursor is not None and not cursor.isdigit():
        raise BadRequest("cursor is not valid")
    chunk = items[start : start + limit]
    more = start + limit < len(items)
    return Page(items=chunk, next_cursor=str(start + limit) if more else None)


class FakeStore:
    def __init__(self) -> None:
        self.people: dict[str, PersonAccess] = {}
        self.spaces: dict[str, Space] = {}
        self.uploads: dict[tuple[str, str], Upload] = {}
        self.documents: dict[tuple[str, str], Document] = {}
        self.sources: dict[tuple[str, str], str] = {}  # (space, sender's id) -> document id
        self.aliases: dict[tuple[str, str], list[str]] = {}  # (space, alias) -> document ids
        self.holds: dict[str, set[tuple[str, str]]] = {}  # deadline day -> (space, document)
        self.profile: dict[tuple[str, str, str], ProfileEntry] = {}
        self.log: list[AccessLogEntry] = []
        self.reads = 0
        self.care: dict[str, CareRecord] = {}
        self.references: dict[str, PatientReference] = {}
        self.visits: dict[tuple[str, str], Visit] = {}

    def get_person(self, ins: str) -> PersonAccess | None:
        self.reads += 1
        return self.people.get(ins)

    def put_grant(self, ins: str, space_id: str, role: Role) -> None:
        person = self.people.get(ins) or PersonAccess(ins=ins, spaces={})
        self.people[ins] = PersonAccess(ins=ins, spaces={**person.spaces, space_id: role})

    def get_space(self, space_id: str) -> Space | None:
        return self.spaces.get(space_id)

    def get_spaces(self, space_ids: Sequence[str]) -> list[Space]:
        return [self.spaces[s] for s in space_ids if s in self.spaces]

    def create_space(self, space: Space) -> None:
        assert space.space_id not in self.spaces
        self.spaces[space.space_id] = space

    def set_space_key(self, space: Space, wrapped_key: bytes) -> Space:
        stored = self.spaces[space.space_id]
        if stored.version != space.version:
            return stored
        keyed = space.model_copy(update={"wrapped_key": wrapped_key, "version": space.version + 1})
        self.spaces[space.space_id] = keyed
        return keyed

    def put_upload(self, upload: Upload) -> None:
        self.uploads[(upload.space_id, upload.upload_id)] = upload

    def get_upload(self, space_id: str, upload_id: str) -> Upload | None:
        return self.uploads.get((space_id, upload_id))

    def _close(self, upload: Upload) -> bool:
        current = self.uploads[(upload.space_id, upload.upload_id)]
        if current.status is not UploadStatus.PENDING:
            return False
        self.uploads[(upload.space_id, upload.upload_id)] = upload
        return True

    def count_documents(self, space_id: str) -> int:
        return sum(1 for s, _ in self.documents if s == space_id)

    def _check_room(self, space_id: str, max_documents: int) -> None:
        if self.count_documents(space_id) >= max_documents:
            raise documents_full(max_documents)

    def accept_upload(
        self, upload: Upload, document: Document, audit: AccessLogEntry, max_documents: int
    ) -> bool:
        closed = upload.model_copy(
            update={"status": UploadStatus.ACCEPTED, "document_id": document.document_id}
        )
        if self.uploads.get((upload.space_id, upload.upload_id)) == upload:  # still pending
            self._check_room(document.space_id, max_documents)
        if not self._close(closed):
            return False
        self.documents[(document.space_id, document.document_id)] = document
        self._index_hold(document)
        self.log.append(audit)
        return True

    def reject_upload(self, upload: Upload) -> bool:
        return self._close(upload.model_copy(update={"status": UploadStatus.REJECTED}))

    def get_document(self, space_id: str, document_id: str) -> Document | None:
        return self.documents.get((space_id, document_id))

    def space_of_document(self, document_id: str) -> str | None:
        return next((s for s, d in self.documents if d == document_id), None)

    def get_named_items(
        self, space_id: str, document_ids: Sequence[str], entry_keys: Sequence[tuple[str, str]]
    ) -> tuple[list[Document], list[ProfileEntry]]:
        documents = [self.documents.get((space_id, i)) for i in document_ids]
        entries = [self.profile.get((space_id, s, i)) for s, i in entry_keys]
        return [d for d in documents if d], [e for e in entries if e]

    def add_document(
        self,
        document: Document,
        audit: AccessLogEntry,
        source: str,
        max_documents: int,
        aliases: Sequence[str] = (),
    ) -> str | None:
        existing = self.sources.get((document.space_id, source))
        if existing is not None:
            return existing
        self._check_room(document.space_id, max_documents)
        self.sources[(document.space_id, source)] = document.document_id
        for alias in dict.fromkeys(aliases):
            self.aliases.setdefault((document.space_id, alias), []).append(document.document_id)
        self.documents[(document.space_id, document.document_id)] = document
        self._index_hold(document)
        self.log.append(audit)
        return None

    def documents_known_as(self, space_id: str, alias: str, limit: int) -> list[str]:
        return self.aliases.get((space_id, alias), [])[:limit]

    def _index_hold(self, document: Document) -> None:
        """The holds job's index: an unreleased hold, by the UTC day of its deadline."""
        if document.hold is not None and document.hold.released_at is None:
            day = document.hold.deadline.astimezone(UTC).date().isoformat()
            self.holds.setdefault(day, set()).add((document.space_id, document.document_id))

    def release_document(
        self, document: Document, expected_version: int, audit: AccessLogEntry
    ) -> None:
        self.update_document(document, expected_version, audit)
        for held in self.holds.values():
            held.discard((document.space_id, document.document_id))

    def holds_due_on(self, day: date) -> list[tuple[str, str]]:
        return sorted(self.holds.get(day.isoformat(), set()))

    def list_documents(
        self, space_id: str, query: DocumentFilter, limit: int, cursor: str | None
    ) -> Page[Document]:
        found = [
            d
            for (s, _), d in self.documents.items()
            if s == space_id
            and (query.category is None or d.category == query.category)
            and (query.date_from is None or d.document_date >= query.date_from)
            and (query.date_to is None or d.document_date <= query.date_to)
        ]
        found.sort(key=lambda d: (d.document_date, d.document_id), reverse=True)
        return _page(found, limit, cursor)

    def _check_version(self, current: Document | ProfileEntry | None, expected: int | None) -> None:
        if current is None or (expected is not None and current.version != expected):
            raise PreconditionFailed("changed or removed since read")

    def update_document(
        self, document: Document, expected_version: int, audit: AccessLogEntry
    ) -> None:
        key = (document.space_id, document.document_id)
        self._check_version(self.documents.get(key), expected_version)
        self.documents[key] = document
        self.log.append(audit)

    def delete_document(
        self, document: Document, expected_version: int | None, audit: AccessLogEntry
    ) -> None:
        key = (document.space_id, document.document_id)
        self._check_version(self.documents.get(key), expected_version)
        del self.documents[key]
        self.log.append(audit)

    def list_profile(
        self, space_id: str, section: str, limit: int, cursor: str | None
    ) -> Page[ProfileEntry]:
        entries = [
            e
            for (s, sec, _), e in sorted(self.profile.items(), reverse=True)  # newest first
            if s == space_id and sec == section
        ]
        # A cursor names its space and section, as the table's does: another's is refused.
        where, _, position = (cursor or "").rpartition(":")
        if cursor is not None and where != f"{space_id}/{section}":
            raise BadRequest("cursor is not valid")
        page = _page(entries, limit, position if cursor is not None else None)
        if page.next_cursor is not None:
            page = page.model_copy(
                update={"next_cursor": f"{space_id}/{section}:{page.next_cursor}"}
            )
        return page

    def get_profile_entry(self, space_id: str, section: str, entry_id: str) -> ProfileEntry | None:
        return self.profile.get((space_id, section, entry_id))

    def add_profile_entry(
        self, entry: ProfileEntry, audit: AccessLogEntry, max_entries: int
    ) -> bool:
        key = (entry.space_id, entry.section, entry.entry_id)
        if key in self.profile:
            raise PreconditionFailed("exists")
        held = sum(1 for s, sec, _ in self.profile if (s, sec) == key[:2])
        if held >= max_entries:
            return False
        self.profile[key] = entry
        self.log.append(audit)
        return True

    def put_profile_entry(
        self, entry: ProfileEntry, expected_version: int, audit: AccessLogEntry
    ) -> None:
        key = (entry.space_id, entry.section, entry.entry_id)
        self._check_version(self.profile.get(key), expected_version)
        self.profile[key] = entry
        self.log.append(audit)

    def delete_profile_entry(
        self, entry: ProfileEntry, expected_version: int | None, audit: AccessLogEntry
    ) -> None:
        key = (entry.space_id, entry.section, entry.entry_id)
        self._check_version(self.profile.get(key), expected_version)
        del self.profile[key]
        self.log.append(audit)

    def get_care_record(self, space_id: str) -> CareRecord:
        return self.care.get(space_id) or CareRecord(space_id=space_id)

    def put_care_record(
        self, record: CareRecord, expected_version: int, audit: AccessLogEntry
    ) -> None:
        if self.get_care_record(record.space_id).version != expected_version:
            raise PreconditionFailed("changed since read")
        self.care[record.space_id] = record
        self.log.append(audit)

    def put_patient_reference(self, digest: str, reference: PatientReference) -> None:
        self.references[digest] = reference

    def get_patient_reference(self, digest: str) -> PatientReference | None:
        return self.references.get(digest)

    def append_access_log(self, entry: AccessLogEntry) -> None:
        self.log.append(entry)

    def list_access_log(
        self,
        space_id: str,
        limit: int,
        cursor: str | None,
        only: HistoryFilter = EVERY_ENTRY,
    ) -> Page[AccessLogEntry]:
        entries = sorted(
            (e for e in self.log if e.space_id == space_id and only.matches(e)),
            key=lambda e: e.entry_id,
            reverse=True,
        )
        return _page(entries, limit, cursor)

    def access_log_since(self, space_id: str, since: datetime, limit: int) -> list[AccessLogEntry]:
        entries = self.list_access_log(space_id, len(self.log) + 1, None).items
        return [e for e in entries if e.at > since][:limit]

    def get_visit(self, ins: str, space_id: str) -> Visit | None:
        return self.visits.get((ins, space_id))

    def put_visit(self, ins: str, visit: Visit) -> None:
        self.visits[(ins, visit.space_id)] = visit

    def count_profile_entries(self, space_id: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for space, section, _ in self.profile:
            if space == space_id:
                counts[section] = counts.get(section, 0) + 1
        return counts


class FakeBlobs:
    def __init__(self) -> None:
        self.quarantine: dict[str, bytes] = {}
        self.documents: dict[str, bytes] = {}
        self.downloads: dict[str, bytes] = {}
        self.views: dict[str, tuple[bytes, str, str]] = {}

    def presign_upload(
        self, key: str, max_bytes: int, expires_in: int
    ) -> tuple[str, dict[str, str]]:
        return f"https://quarantine.test/{key}", {"key": key, "max": str(max_bytes)}

    def read_upload(self, key: str) -> bytes:
        return self.quarantine[key]

    def discard_upload(self, key: str) -> None:
        self.quarantine.pop(key, None)

    def put_document(self, key: str, data: bytes) -> None:
        self.documents[key] = data

    def get_document(self, key: str) -> bytes:
        return self.documents[key]

    def delete_document(self, key: str) -> None:
        self.documents.pop(key, None)

    def stage_download(
        self, key: str, data: bytes, content_type: str, filename: str, expires_in: int
    ) -> str:
        self.downloads[key] = data
        return f"https://downloads.test/{key}"

    def stage_view(
        self, key: str, data: bytes, content_type: str, filename: str, expires_in: int
    ) -> str:
        """Keeps the copy with what it is served as (its type, its name)."""
        self.views[key] = (data, content_type, filename)
        return f"https://documents.test/{key}"


class WrongEncryptionContext(Exception):
    """What KMS answers (InvalidCiphertextException) to a key unwrapped under another space."""


class FakeKeys:
    """Wraps keys by XOR with a per-space pad, and refuses, as KMS does, to unwrap a key under
    another space's id than the one it was wrapped for (the encryption context)."""

    def __init__(self) -> None:
        self.unwraps = 0
        self._wrapped_for: dict[bytes, str] = {}

    @staticmethod
    def _pad(space_id: str) -> bytes:
        return hashlib.sha256(space_id.encode()).digest()

    def generate_data_key(self, space_id: str) -> tuple[bytes, bytes]:
        plaintext = hashlib.sha256(b"key-" + space_id.encode()).digest()
        wrapped = bytes(a ^ b for a, b in zip(plaintext, self._pad(space_id), strict=True))
        self._wrapped_for[wrapped] = space_id
        return plaintext, wrapped

    def unwrap_data_key(self, space_id: str, wrapped: bytes) -> bytes:
        self.unwraps += 1
        if self._wrapped_for.get(wrapped, space_id) != space_id:
            raise WrongEncryptionContext("the encryption context does not match")
        return bytes(a ^ b for a, b in zip(wrapped, self._pad(space_id), strict=True))


class FakeEnrollmentStore:
    """Enrollments, attempts and waves in memory, with the same conditions as DynamoDB's."""

    def __init__(self, medical_store: FakeStore) -> None:
        self.medical = medical_store
        self.enrollments: dict[str, Enrollment] = {}
        self.log: list[EnrollmentLogEntry] = []
        self.attempts: dict[str, tuple[int, datetime]] = {}
        self.waves: dict[str, Wave] = {}
        self.counts: dict[str, dict[str, int]] = {}

    def create_enrollment(self, enrollment: Enrollment, log: EnrollmentLogEntry) -> bool:
        if enrollment.ins in self.enrollments:
            return False
        self.enrollments[enrollment.ins] = enrollment
        self.log.append(log)
        return True

    def get_enrollment(self, ins: str) -> Enrollment | None:
        return self.enrollments.get(ins)

    def mark_notified(self, enrollment: Enrollment, expected_version: int) -> bool:
        if not self._unchanged_since(enrollment.ins, expected_version):
            return False
        self.enrollments[enrollment.ins] = enrollment
        self.add_to_wave(enrollment.wave_id, notified=1)
        return True

    def _unchanged_since(self, ins: str, version: int) -> bool:
        current = self.enrollments.get(ins)
        return current is not None and current.version == version

    def update_enrollment(
        self, enrollment: Enrollment, expected_version: int, log: EnrollmentLogEntry
    ) -> bool:
        if not self._unchanged_since(enrollment.ins, expected_version):
            return False
        self.enrollments[enrollment.ins] = enrollment
        self.log.append(log)
        return True

    def activate_enrollment(
        self,
        enrollment: Enrollment,
        expected_version: int,
        space: Space,
        grants: Sequence[tuple[str, Role]],
        log: EnrollmentLogEntry,
    ) -> bool:
        if not self._unchanged_since(enrollment.ins, expected_version):
            return False
        self.enrollments[enrollment.ins] = enrollment
        self.medical.create_space(space)
        for ins, role in grants:
            self.medical.put_grant(ins, space.space_id, role)
        self.log.append(log)
        return True

    def take_attempt(self, key: str, now: datetime, window: timedelta, limit: int) -> bool:
        count, until = self.attempts.get(key, (0, now))
        count = count if until > now else 0  # lapsed: a new window
        if count >= limit:
            return False
        self.attempts[key] = (count + 1, now + window)
        return True

    def give_back_attempt(self, key: str) -> None:
        count, until = self.attempts[key]
        self.attempts[key] = (max(count - 1, 0), until)

    def get_wave(self, wave_id: str) -> Wave | None:
        return self.waves.get(wave_id)

    def create_wave(self, wave: Wave) -> bool:
        if wave.wave_id in self.waves:
            return False
        self.waves[wave.wave_id] = wave
        return True

    def set_wave_status(self, wave_id: str, status: WaveStatus) -> None:
        self.waves[wave_id] = self.waves[wave_id].model_copy(update={"status": status})

    def add_to_wave(self, wave_id: str, **counts: int) -> None:
        totals = self.counts.setdefault(wave_id, {})
        for name, n in counts.items():
            totals[name] = totals.get(name, 0) + n

    def wave_counts(self, wave_id: str) -> WaveCounts:
        return WaveCounts(**self.counts.get(wave_id, {}))

    def list_waves(self, limit: int, cursor: str | None = None) -> Page[Wave]:
        waves = sorted(self.waves.values(), key=lambda w: w.created_at, reverse=True)
        start = int(cursor) if cursor else 0
        more = start + limit < len(waves)
        return Page[Wave](
            items=waves[start : start + limit], next_cursor=str(start + limit) if more else None
        )


class FakeNotifier:
    """Sends at once, except letters: buffered until flush(), which can be made to fail."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}  # INS → last code sent (or buffered, for a letter)
        self.receipts: list[tuple[Enrollment, Receipt]] = []
        self.letters_buffered = 0
        self.letters_written = 0
        self.flush_fails = False

    def send_code(self, enrollment: Enrollment, code: str) -> Channel:
        self.codes[enrollment.ins] = code
        channel = enrollment.recipient.channel
        assert channel is not None
        self.letters_buffered += channel is Channel.POST
        return channel

    def send_receipt(self, enrollment: Enrollment, receipt: Receipt) -> Channel:
        self.receipts.append((enrollment, receipt))
        channel = enrollment.recipient.channel
        assert channel is not None
        self.letters_buffered += channel is Channel.POST
        return channel

    def flush(self) -> None:
        if self.flush_fails:
            raise RuntimeError("the mail house's bucket refused the batch")
        self.letters_written += self.letters_buffered
        self.letters_buffered = 0


class FakeOpsFiles:
    def __init__(self) -> None:
        self.objects: dict[str, object] = {}

    def put_json(self, key: str, value: object) -> None:
        self.objects[key] = value

    def put_text(self, key: str, text: str, content_type: str) -> None:
        self.objects[key] = text

    def get_json(self, key: str) -> object:
        return self.objects[key]

    def list_keys(self, prefix: str) -> list[str]:
        return sorted(k for k in self.objects if k.startswith(prefix))

    def read_text(self, key: str) -> TextIO:
        return io.StringIO(str(self.objects[key]))

    def put_receipt(self, receipt_id: str, pdf: bytes, folder: str = "receipts") -> str:
        self.objects[f"{folder}/{receipt_id}.pdf"] = pdf
        return f"https://ops.test/{folder}/{receipt_id}.pdf"


class FakeScheduler:
    def __init__(self) -> None:
        self.scheduled: list[Wave] = []

    def schedule(self, wave: Wave) -> None:
        self.scheduled.append(wave)


class FakeDirectory:
    """The directory's store in memory: the same scopes and sort keys as the table's, numbers
    for cursors; counts the writes of each round."""

    def __init__(self) -> None:
        from healthspace.directory.model import DirectoryEntry

        self.entries: dict[str, DirectoryEntry] = {}
        self.rosters: dict[str, frozenset[str]] = {}
        self.writes: list[int] = []

    def search(self, query, limit: int, cursor: str | None) -> Page:
        from healthspace.directory.model import search_key, search_scopes

        found = sorted(
            (e for e in self.entries.values() if query.scope in search_scopes(e)),
            key=search_key,
        )
        return _page([e for e in found if search_key(e).startswith(query.prefix)], limit, cursor)

    def get_entries(self, rpps: Sequence[str]) -> list:
        return [self.entries[number] for number in dict.fromkeys(rpps) if number in self.entries]

    def write(self, changes: Sequence) -> None:
        for old, new in changes:
            if new is None:
                self.entries.pop(old.rpps, None)
            else:
                self.entries[new.rpps] = new
        self.writes.append(len(changes))

    def get_rosters(self) -> dict[str, frozenset[str]]:
        return dict(self.rosters)

    def put_rosters(self, rosters) -> None:
        for shard, members in rosters.items():
            if members:
                self.rosters[shard] = frozenset(members)
            else:
                self.rosters.pop(shard, None)


class FakeClosures:
    """Closures beside a FakeStore's spaces, with the table's condition: the space is closed
    only if it is still at the version read. `before_write` runs just before that check (to
    play a concurrent writer)."""

    def __init__(self, medical_store: FakeStore) -> None:
        from healthspace.lifecycle.model import Closure

        self.medical = medical_store
        self.closures: dict[str, Closure] = {}
        self.before_write: Callable[[], None] | None = None

    def get_space(self, space_id: str) -> Space | None:
        return self.medical.spaces.get(space_id)

    def get_closure(self, space_id: str):
        return self.closures.get(space_id)

    def close_space(self, space: Space, closure, audit: AccessLogEntry) -> bool:
        from healthspace.records.model import SpaceStatus

        if self.before_write is not None:
            self.before_write()
        stored = self.medical.spaces.get(space.space_id)
        if stored is None or stored.version != space.version:
            return False
        assert space.space_id not in self.closures
        self.medical.spaces[space.space_id] = space.model_copy(
            update={"status": SpaceStatus.CLOSED, "version": space.version + 1}
        )
        self.closures[space.space_id] = closure
        self.medical.log.append(audit)
        return True

    def set_status(self, space: Space, status, audit: AccessLogEntry) -> bool:
        if self.before_write is not None:
            self.before_write()
        stored = self.medical.spaces.get(space.space_id)
        if stored is None or stored.version != space.version:
            return False
        self.medical.spaces[space.space_id] = space.model_copy(
            update={"status": status, "version": space.version + 1}
        )
        self.medical.log.append(audit)
        return True


class FakeSuspensionTimer:
    """The suspension workflow's starts: (space_id, version), once per name as Step Functions."""

    def __init__(self) -> None:
        self.started: list[tuple[str, int]] = []

    def start(self, space_id: str, version: int) -> None:
        if (space_id, version) not in self.started:
            self.started.append((space_id, version))


class FakeLetters:
    """Enrollment's notifier as lifecycle and the notices use it: what went, by which channel
    (the recipient's first), and the flushes."""

    def __init__(self) -> None:
        self.sent: list[tuple[str, str, object]] = []  # (ins, kind, message)
        self.enclosed: list[tuple[str, str, object, bytes]] = []  # (ins, kind, message, PDF)
        self.flushes = 0

    def send(self, enrollment, kind: str, compose):
        from healthspace.adapters.notify import channels_of

        channel = channels_of(enrollment.recipient)[0]
        self.sent.append((enrollment.ins, kind, (channel, compose(channel))))
        return channel

    def send_enclosed(self, enrollment, kind: str, message, enclosure: bytes) -> str:
        assert enrollment.recipient.address is not None, "a letter needs a postal address"
        self.enclosed.append((enrollment.ins, kind, message, enclosure))
        return f"letter-{len(self.enclosed)}"

    def flush(self) -> None:
        self.flushes += 1
