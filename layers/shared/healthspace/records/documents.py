"""The file's documents: list, read, download, rename or mask, delete. Whatever the caller may
not see (a professional's rules, a hold, a minor's secret) is "not found", exactly as what does
not exist."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.crypto import decrypt_document
from healthspace.kernel.entity import Page, page_size
from healthspace.kernel.errors import BadRequest, Conflict, Forbidden, NotFound
from healthspace.records import filetypes
from healthspace.records.access import Access, document_facts
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, ActorKind, Document, DocumentFilter, Limits
from healthspace.records.ports import BlobStore, DocumentStore
from healthspace.records.spaces import Spaces


@dataclass(eq=False)
class Documents:
    store: DocumentStore
    blobs: BlobStore
    spaces: Spaces
    log: AccessLog
    clock: Clock
    ids: IdGenerator
    limits: Limits

    def list_documents(
        self, access: Access, query: DocumentFilter, limit: int, cursor: str | None
    ) -> Page[Document]:
        if query.date_from and query.date_to and query.date_from > query.date_to:
            raise BadRequest("date_from must not be after date_to")
        page = self.store.list_documents(access.space_id, query, page_size(limit), cursor)
        self.log.trace(access, Action.READ, "document-list")
        # Hidden items are left out, not counted: a page may be short, its cursor still works.
        now = self.clock.now()
        visible = [d for d in page.items if access.sees(document_facts(d), now)]
        return page.model_copy(update={"items": visible})

    def find(self, access: Access, document_id: str) -> Document:
        """The document, if the caller may see it (not traced: the caller's act is)."""
        document = self.store.get_document(access.space_id, document_id)
        if document is None or not access.sees(document_facts(document), self.clock.now()):
            raise NotFound("document not found")
        return document

    def get_document(self, access: Access, document_id: str) -> Document:
        document = self.find(access, document_id)
        self.log.trace(access, Action.READ, "document", document_id)
        return document

    def _plaintext(self, access: Access, document: Document) -> bytes:
        space = self.spaces.get(access.space_id)
        return decrypt_document(
            self.spaces.space_key(space),
            space.space_id,
            document.document_id,
            self.blobs.get_document(document.blob_key),
        )

    def download(self, access: Access, document_id: str) -> tuple[str, int]:
        """A short-lived URL to the decrypted document (too large for a Lambda response)."""
        document = self.find(access, document_id)
        plaintext = self._plaintext(access, document)
        seconds = self.limits.download_url_seconds
        url = self.blobs.stage_download(
            f"downloads/{self.ids.new_id()}/{document.document_id}",
            plaintext,
            document.content_type,
            document.filename,
            seconds,
        )
        self.log.trace(access, Action.DOWNLOAD, "document", document_id)
        return url, seconds

    def view(self, access: Access, document_id: str) -> tuple[str, str, int]:
        """A short-lived link to show the document on screen, its type and the link's lifetime
        in seconds. Only a PDF or a PNG or JPEG image is shown, as the type its content was
        detected to be when it was filed (never the type its sender declared); anything else
        is only downloaded (Conflict). The link is on the documents' own origin, which serves
        the copy with that type, nosniff and a sandboxing policy (docs/viewer.md): a file that
        is also a web page never runs as one. Traced as VIEW, as a download is."""
        document = self.find(access, document_id)
        if document.content_type not in filetypes.VIEWABLE_TYPES:
            raise Conflict("this document cannot be shown on screen: download it")
        plaintext = self._plaintext(access, document)
        if filetypes.sniff(plaintext) != document.content_type:  # what was filed is what is shown
            raise Conflict("this document cannot be shown on screen: download it")
        seconds = self.limits.view_url_seconds
        url = self.blobs.stage_view(
            f"views/{self.ids.new_id()}/{document.document_id}",
            plaintext,
            document.content_type,
            filetypes.named_as(document.filename, document.content_type),
            seconds,
        )
        self.log.trace(access, Action.VIEW, "document", document_id)
        return url, document.content_type, seconds

    def update_document(
        self,
        access: Access,
        document_id: str,
        expected_version: int,
        title: str | None = None,
        masked: bool | None = None,
    ) -> Document:
        access.check_changes_allowed()
        document = self.find(access, document_id)
        changes: dict[str, Any] = {"version": expected_version + 1}
        if title is not None:
            changes["title"] = title
        if masked is not None:
            changes["masked"] = masked
        updated = document.model_copy(update=changes)
        self.store.update_document(
            updated,
            expected_version,
            self.log.entry(access, Action.UPDATE, "document", document_id),
        )
        return updated

    def delete_document(
        self, access: Access, document_id: str, expected_version: int | None
    ) -> None:
        access.check_changes_allowed()
        document = self.find(access, document_id)
        if document.author.kind is not ActorKind.PATIENT:
            raise Forbidden("a document added by a professional cannot be deleted by the patient")
        self.store.delete_document(
            document,
            expected_version,
            self.log.entry(access, Action.DELETE, "document", document_id),
        )
        # After the index: a failure here leaves an unreachable, still encrypted blob, never a
        # listed document without content.
        self.blobs.delete_document(document.blob_key)
