"""Give me all my data (POST /me/exports): the holder, or a child's legal representative, asks
for a copy of everything the space holds; a worker builds it (`Exports.build`, the exports
function, from the table's stream) into a ZIP streamed part by part into the downloads bucket:

    bundle.json     the space as a FHIR R4 Bundle (lifecycle.fhir_bundle)
    documents/...   each document, decrypted, under the path its DocumentReference names
    index.html      what the ZIP holds, in plain words (lifecycle.export_index)

Memory stays flat whatever the space holds: the store is read a page at a time, one document
at a time is decrypted, and the ZIP leaves in parts. One export runs per space at a time; a
ready one is handed out by short-lived presigned links, each traced as a download, as the
request is traced in the space's history.

A space that is not ACTIVE is refused like every other patient route (403 SPACE_CLOSED): the
export is how a person keeps a copy *before* closing (docs/lifecycle.md)."""

from __future__ import annotations

import hashlib
import zipfile
from dataclasses import dataclass
from datetime import date
from typing import IO, Any, cast

from healthspace.agenda.ports import AppointmentStore
from healthspace.care.ports import CareRecords
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.crypto import decrypt_document
from healthspace.kernel.dates import is_minor
from healthspace.kernel.entity import Page, page_size
from healthspace.kernel.errors import Conflict, Forbidden, NotFound
from healthspace.lifecycle.content import ContentStore, StoredContent
from healthspace.lifecycle.export_index import write_index
from healthspace.lifecycle.export_model import (
    EXPORT_OBJECT,
    Export,
    ExportStatus,
    Language,
)
from healthspace.lifecycle.fhir_bundle import document_path, write_bundle
from healthspace.lifecycle.ports import ExportFiles, ExportStore, ZipUpload
from healthspace.records.access import Access, Caller
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, Author, Role, Space
from healthspace.records.ports import BlobStore
from healthspace.records.spaces import Spaces


class ExportRunning(Conflict, code="EXPORT_RUNNING"):
    """An export of this space is being built: wait for it (GET /me/exports/{id})."""


@dataclass(frozen=True)
class Requester:
    """Whoever asked for an export, as the worker acts for them (records.access.Actor)."""

    author: Author

    @property
    def as_author(self) -> Author:
        return self.author

    @property
    def via(self) -> str | None:
        return None


def check_may_act_for_space(access: Access, space: Space, today: date) -> None:
    """The holder; a legal representative only for a minor (an adult's space is theirs)."""
    if access.role is Role.HOLDER:
        return
    if access.role is Role.LEGAL_REPRESENTATIVE and is_minor(space.holder.birth_date, today):
        return
    raise Forbidden("only the holder, or a child's legal representative, may export a space")


@dataclass(eq=False)
class Exports:
    store: ExportStore
    files: ExportFiles
    content: ContentStore
    care: CareRecords
    blobs: BlobStore
    spaces: Spaces
    log: AccessLog
    clock: Clock
    ids: IdGenerator
    link_seconds: int = 300
    agenda: AppointmentStore | None = None  # the appointments in the Bundle

    # --- the patient's side (the records function)

    def request(self, caller: Caller, space_id: str | None, language: Language) -> Export:
        access = self.spaces.policy.resolve(caller, space_id)
        check_may_act_for_space(access, self.spaces.get(access.space_id), self.clock.now().date())
        now = self.clock.now()
        export = Export(
            export_id=self.ids.new_id(),
            space_id=access.space_id,
            status=ExportStatus.PENDING,
            requested_at=now,
            requested_by=caller.as_author,
            role=access.role,
            language=language,
        )
        audit = self.log.entry(access, Action.CREATE, EXPORT_OBJECT, export.export_id)
        if not self.store.start_export(export, audit, now):
            raise ExportRunning(
                "an export of this space is being prepared: wait for it to be ready"
            )
        return export

    def get(self, caller: Caller, space_id: str | None, export_id: str) -> dict[str, object]:
        """The export's status; once READY, a short-lived link to its ZIP (traced as a
        download of it)."""
        access = self.spaces.policy.resolve(caller, space_id)
        export = self.store.get_export(access.space_id, export_id)
        if export is None:
            raise NotFound("export not found")
        now = self.clock.now()
        body = export.shown(now)
        if export.shown_status(now) is ExportStatus.READY and export.key:
            filename = f"mon-espace-sante-{export.requested_at.date().isoformat()}.zip"
            body["url"] = self.files.link(export.key, filename, self.link_seconds)
            body["expires_in"] = self.link_seconds
            self.log.trace(access, Action.DOWNLOAD, EXPORT_OBJECT, export_id)
        return body

    def list(
        self, caller: Caller, space_id: str | None, limit: int, cursor: str | None
    ) -> Page[dict[str, Any]]:
        access = self.spaces.policy.resolve(caller, space_id)
        page = self.store.list_exports(access.space_id, page_size(limit), cursor)
        now = self.clock.now()
        return Page[dict[str, Any]](
            items=[e.shown(now) for e in page.items], next_cursor=page.next_cursor
        )

    # --- the worker's side (the exports function)

    def build(self, space_id: str, export_id: str) -> Export | None:
        """Build the export's ZIP; the export as it ends (None: no such export). Only a PENDING
        export is built, claimed by a conditional write: a redelivered message (its queue
        delivers at least once), even one delivered at the same moment, finds it RUNNING or done
        and does nothing; a build that fails is marked FAILED (the person asks
        again) with the kind of its error, its parts given up; one whose worker died stays
        RUNNING until its deadline, then shows FAILED."""
        export = self.store.get_export(space_id, export_id)
        if export is None or export.shown_status(self.clock.now()) is not ExportStatus.PENDING:
            return export
        export = export.model_copy(update={"status": ExportStatus.RUNNING})
        if not self.store.claim_export(export):  # another delivery claimed it meanwhile
            return self.store.get_export(space_id, export_id)
        upload = self.files.open(export.zip_key)
        try:
            counts = self._write(export, upload)
            size = self.files.complete(upload)
        except Exception as exc:  # any failure: the person asks again
            self.files.abort(upload)
            # Its kind only, for the operators: a message may quote what was read.
            failed = export.model_copy(
                update={
                    "status": ExportStatus.FAILED,
                    "finished_at": self.clock.now(),
                    "failure": type(exc).__name__,
                }
            )
            self.store.put_export(failed, done=True)
            return failed
        ready = export.model_copy(
            update={
                "status": ExportStatus.READY,
                "finished_at": self.clock.now(),
                "key": export.zip_key,
                "size": size,
                "documents": counts[0],
                "resources": counts[1],
            }
        )
        self.store.put_export(ready, done=True)
        return ready

    def _write(self, export: Export, upload: ZipUpload) -> tuple[int, int]:
        space = self.spaces.get(export.space_id)
        now = self.clock.now()
        access = Access(Requester(export.requested_by), space.space_id, export.role)
        content = StoredContent(
            space=space,
            care=self.care.get_care_record(space.space_id),
            store=self.content,
            now=now,
            access=access,
            log=self.log,
            agenda=self.agenda,
        )
        key = self.spaces.space_key(space) if space.wrapped_key else None
        documents = 0
        # zipfile writes to any object with write() and flush(), a stream it cannot seek.
        stream = cast(IO[bytes], upload)
        with zipfile.ZipFile(stream, "w", compression=zipfile.ZIP_DEFLATED) as archive:
            with archive.open("bundle.json", "w", force_zip64=True) as out:
                resources = write_bundle(content, out.write, now)
            for document in content.documents():
                assert key is not None  # a space with documents has its key
                plaintext = decrypt_document(
                    key,
                    space.space_id,
                    document.document_id,
                    self.blobs.get_document(document.blob_key),
                )
                if hashlib.sha256(plaintext).hexdigest() != document.sha256:
                    raise RuntimeError("a document's content differs from its filing")
                with archive.open(document_path(document), "w", force_zip64=True) as out:
                    out.write(plaintext)
                del plaintext
                documents += 1
            with archive.open("index.html", "w", force_zip64=True) as out:
                write_index(content, out.write, now, export.language)
        return documents, resources
