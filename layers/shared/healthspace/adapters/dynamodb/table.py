"""The Store port on DynamoDB: spaces, grants, uploads, documents, holds, the profile, the care
record, the access log and visits (the items' layout: adapters/dynamodb/items.py)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from datetime import date, datetime, timedelta

from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError
from pynamodb.expressions.condition import Condition
from ulid import ULID

from healthspace.adapters.dynamodb.history import filtered_log
from healthspace.adapters.dynamodb.items import (
    E,
    Item,
    care_item,
    document_item,
    document_space_item,
    documents_count_item,
    entity_of,
    grant_item,
    hold_item,
    item_of,
    log_item,
    profile_item,
    section_count_item,
    space_item,
    space_pk,
    upload_item,
)
from healthspace.adapters.dynamodb.paging import decode_cursor, newest_first, page_of
from healthspace.adapters.dynamodb.transactions import (
    NEW,
    STALE,
    Update,
    Write,
    active_space,
    one_less,
    one_more,
    transact,
)
from healthspace.care.record import CareRecord, PatientReference
from healthspace.kernel.entity import Page
from healthspace.kernel.errors import BadRequest, PreconditionFailed, SpaceClosed
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
    SpaceStatus,
    Upload,
    UploadStatus,
    Visit,
    documents_full,
)


def _digest(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode()).hexdigest()


def _alias(alias: str) -> str:
    """The sort key prefix of a document's alias items (hashed: a sender's id, of any length)."""
    return f"ALIAS#{_digest(alias)}#"


class DynamoStore:
    """The Store port on DynamoDB. Conditional writes carry optimistic concurrency: a stale
    version fails the whole transaction, its access-log entry included. Every write of a
    space's content is also conditioned on the space being active (`_in_space`)."""

    def __init__(
        self, table_name: str, upload_record_days: int = 7, region: str | None = None
    ) -> None:
        Item.Meta.table_name = table_name
        if region:
            Item.Meta.region = region
        # PynamoDB caches its connection on the class: a new store starts a new one (the table
        # or the endpoint may differ, as between two local stacks in one test run).
        Item._connection = None
        self._upload_days = upload_record_days
        self._connection: Connection | None = None

    # --- people and spaces

    def get_person(self, ins: str) -> PersonAccess | None:
        grants = Item.query(f"PERSON#{ins}", Item.sk.startswith("GRANT#"))
        spaces = {item.sk.removeprefix("GRANT#"): Role(item.status) for item in grants}
        return PersonAccess(ins=ins, spaces=spaces) if spaces else None

    def put_grant(self, ins: str, space_id: str, role: Role) -> None:
        grant_item(ins, space_id, role).save()

    def get_space(self, space_id: str) -> Space | None:
        return self._get(Space, space_pk(space_id), "SPACE")

    def get_spaces(self, space_ids: Sequence[str]) -> list[Space]:
        keys = [(space_pk(space_id), "SPACE") for space_id in space_ids]
        return [entity_of(Space, item) for item in Item.batch_get(keys)]

    def create_space(self, space: Space) -> None:
        space_item(space).save(condition=Item.pk.does_not_exist())

    def set_space_key(self, space: Space, wrapped_key: bytes) -> Space:
        keyed = space.model_copy(update={"wrapped_key": wrapped_key, "version": space.version + 1})
        try:
            space_item(keyed).save(condition=Item.version == space.version)
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            stored = self.get_space(space.space_id)
            if stored is not None and stored.status.closed:
                raise SpaceClosed("this health space was closed meanwhile") from None
            if stored is None or stored.wrapped_key is None:
                raise
            return stored
        return keyed

    # --- uploads

    def put_upload(self, upload: Upload) -> None:
        expires = upload.created_at + timedelta(days=self._upload_days)
        upload_item(upload, expires).save(condition=Item.pk.does_not_exist())

    def get_upload(self, space_id: str, upload_id: str) -> Upload | None:
        return self._get(Upload, space_pk(space_id), f"UPLOAD#{upload_id}")

    def accept_upload(
        self, upload: Upload, document: Document, audit: AccessLogEntry, max_documents: int
    ) -> bool:
        closed = upload.model_copy(
            update={"status": UploadStatus.ACCEPTED, "document_id": document.document_id}
        )
        if self._close_upload(closed, document, audit, max_documents):
            return True
        # Which condition failed: another delivery closed the upload, or the space is full.
        if self.get_upload(upload.space_id, upload.upload_id) == upload:  # still pending
            raise documents_full(max_documents)
        return False

    def reject_upload(self, upload: Upload) -> bool:
        return self._close_upload(upload.model_copy(update={"status": UploadStatus.REJECTED}))

    def _close_upload(
        self,
        upload: Upload,
        document: Document | None = None,
        audit: AccessLogEntry | None = None,
        max_documents: int = 0,
    ) -> bool:
        expires = upload.created_at + timedelta(days=self._upload_days)
        saves: list[Write] = [
            (upload_item(upload, expires), Item.status == UploadStatus.PENDING.value)
        ]
        if document is not None:
            saves += [(document_item(document), NEW), (document_space_item(document), NEW)]
            if document.hold is not None and document.hold.released_at is None:
                saves.append((hold_item(document), NEW))  # for the holds job, as a push does
        if audit is not None:
            saves.append((log_item(audit), NEW))
        if document is None:  # a rejection: whatever the space's status
            return transact(self._conn(), saves)
        counted = [one_more(documents_count_item(upload.space_id), max_documents)]
        # False: another delivery of the same event closed the upload first, or the space is full.
        return self._in_space(upload.space_id, saves, updates=counted)

    # --- documents

    def get_document(self, space_id: str, document_id: str) -> Document | None:
        return self._get(Document, space_pk(space_id), f"DOC#{document_id}")

    def space_of_document(self, document_id: str) -> str | None:
        found = self._get_item(f"DOCREF#{document_id}", "SPACE")
        return str(json.loads(found.body)["space_id"]) if found is not None else None

    def get_named_items(
        self, space_id: str, document_ids: Sequence[str], entry_keys: Sequence[tuple[str, str]]
    ) -> tuple[list[Document], list[ProfileEntry]]:
        keys = [(space_pk(space_id), f"DOC#{i}") for i in document_ids] + [
            (space_pk(space_id), f"PROFILE#{section}#{i}") for section, i in entry_keys
        ]
        items = list(Item.batch_get(keys)) if keys else []
        return (
            [entity_of(Document, item) for item in items if item.sk.startswith("DOC#")],
            [entity_of(ProfileEntry, item) for item in items if item.sk.startswith("PROFILE#")],
        )

    def count_documents(self, space_id: str) -> int:
        counter = documents_count_item(space_id)
        found = self._get_item(counter.pk, counter.sk)
        return int(found.entries or 0) if found is not None else 0

    def add_document(
        self,
        document: Document,
        audit: AccessLogEntry,
        source: str,
        max_documents: int,
        aliases: Sequence[str] = (),
    ) -> str | None:
        # The sender's id, hashed (it is theirs, of any length): one item per space and id.
        source_sk = f"SOURCE#{_digest(source)}"
        pointer = Item(
            space_pk(document.space_id),
            source_sk,
            body=json.dumps({"document_id": document.document_id}),
        )
        saves: list[Write] = [
            (pointer, NEW),
            (document_item(document), NEW),
            (document_space_item(document), NEW),
            (log_item(audit), NEW),
        ]
        # An alias is not unique: one item per alias and document, found by its prefix.
        saves += [
            (
                Item(
                    space_pk(document.space_id), f"{_alias(alias)}{document.document_id}", body="{}"
                ),
                NEW,
            )
            for alias in dict.fromkeys(aliases)
        ]
        if document.hold is not None and document.hold.released_at is None:
            saves.append((hold_item(document), NEW))
        counted = [one_more(documents_count_item(document.space_id), max_documents)]
        if self._in_space(document.space_id, saves, updates=counted):
            return None
        # Which condition failed: the source names a document already, or the space is full.
        existing = self._get_item(space_pk(document.space_id), source_sk)
        if existing is None:
            raise documents_full(max_documents)
        return str(json.loads(existing.body)["document_id"])

    def documents_known_as(self, space_id: str, alias: str, limit: int) -> list[str]:
        prefix = _alias(alias)
        found = Item.query(space_pk(space_id), Item.sk.startswith(prefix), limit=limit)
        return [item.sk.removeprefix(prefix) for item in found]

    def list_documents(
        self, space_id: str, query: DocumentFilter, limit: int, cursor: str | None
    ) -> Page[Document]:
        partition = f"DOCS#{space_id}"
        low = f"{query.date_from.isoformat()}#" if query.date_from else "0"
        high = f"{query.date_to.isoformat()}#~" if query.date_to else "9"
        start = decode_cursor(
            cursor, ("gsi1pk", partition), pk=space_pk(space_id), sk="DOC#", gsi1sk=""
        )
        if start is not None and not low <= start["gsi1sk"]["S"] <= high:
            raise BadRequest("cursor is not valid for these dates")  # another query's cursor
        results = Item.by_date.query(
            partition,
            Item.gsi1sk.between(low, high),
            filter_condition=(Item.category == query.category.value) if query.category else None,
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
        )
        return page_of(Document, results)

    def release_document(
        self, document: Document, expected_version: int, audit: AccessLogEntry
    ) -> None:
        saves: list[Write] = [
            (document_item(document), Item.version == expected_version),
            (log_item(audit), NEW),
        ]
        hold = [(hold_item(document), None)] if document.hold is not None else []
        if not self._in_space(document.space_id, saves, deletes=hold):
            raise PreconditionFailed(STALE)

    def holds_due_on(self, day: date) -> list[tuple[str, str]]:
        results = Item.by_date.query(f"HOLDS#{day.isoformat()}")
        return [
            (space_id, document_id)
            for space_id, _, document_id in (item.gsi1sk.partition("#") for item in results)
        ]

    def update_document(
        self, document: Document, expected_version: int, audit: AccessLogEntry
    ) -> None:
        self._write(document_item(document), Item.version == expected_version, audit)

    def delete_document(
        self, document: Document, expected_version: int | None, audit: AccessLogEntry
    ) -> None:
        counter = documents_count_item(document.space_id)
        self._delete(
            document_item(document),
            expected_version,
            audit,
            [one_less(counter)],
            also=[document_space_item(document)],
        )

    # --- medical profile

    def list_profile(
        self, space_id: str, section: str, limit: int, cursor: str | None
    ) -> Page[ProfileEntry]:
        return newest_first(ProfileEntry, space_pk(space_id), f"PROFILE#{section}#", limit, cursor)

    def get_profile_entry(self, space_id: str, section: str, entry_id: str) -> ProfileEntry | None:
        return self._get(ProfileEntry, space_pk(space_id), f"PROFILE#{section}#{entry_id}")

    def add_profile_entry(
        self, entry: ProfileEntry, audit: AccessLogEntry, max_entries: int
    ) -> bool:
        saves: list[Write] = [(profile_item(entry), NEW), (log_item(audit), NEW)]
        counter = section_count_item(entry.space_id, entry.section)
        return self._in_space(entry.space_id, saves, updates=[one_more(counter, max_entries)])

    def put_profile_entry(
        self, entry: ProfileEntry, expected_version: int, audit: AccessLogEntry
    ) -> None:
        self._write(profile_item(entry), Item.version == expected_version, audit)

    def delete_profile_entry(
        self, entry: ProfileEntry, expected_version: int | None, audit: AccessLogEntry
    ) -> None:
        counter = section_count_item(entry.space_id, entry.section)
        self._delete(profile_item(entry), expected_version, audit, [one_less(counter)])

    def count_profile_entries(self, space_id: str) -> dict[str, int]:
        counts = Item.query(space_pk(space_id), Item.sk.startswith("COUNT#PROFILE#"))
        return {c.sk.removeprefix("COUNT#PROFILE#"): int(c.entries or 0) for c in counts}

    # --- the patient's settings and care team

    def get_care_record(self, space_id: str) -> CareRecord:
        return self._get(CareRecord, space_pk(space_id), "CARE") or CareRecord(space_id=space_id)

    def put_care_record(
        self, record: CareRecord, expected_version: int, audit: AccessLogEntry
    ) -> None:
        condition = NEW if expected_version == 0 else Item.version == expected_version
        self._write(care_item(record), condition, audit)

    # --- professionals' patient references (expires_at: the table's TTL attribute)

    def put_patient_reference(self, digest: str, reference: PatientReference) -> None:
        pk = f"PATREF#{digest}"
        item_of(pk, "PATREF", reference, expires_at=reference.expires_at).save()

    def get_patient_reference(self, digest: str) -> PatientReference | None:
        return self._get(PatientReference, f"PATREF#{digest}", "PATREF")

    # --- access log

    def append_access_log(self, entry: AccessLogEntry) -> None:
        try:
            log_item(entry).save(condition=Item.pk.does_not_exist())
        except PutError as exc:
            raise RuntimeError("access-log entry id collision") from exc

    def list_access_log(
        self,
        space_id: str,
        limit: int,
        cursor: str | None,
        only: HistoryFilter = EVERY_ENTRY,
    ) -> Page[AccessLogEntry]:
        if only.everything:
            return newest_first(AccessLogEntry, space_pk(space_id), "LOG#", limit, cursor)
        return filtered_log(space_pk(space_id), limit, cursor, only)

    def access_log_since(self, space_id: str, since: datetime, limit: int) -> list[AccessLogEntry]:
        # A ULID starts with its millisecond: the first id of that millisecond bounds the range.
        floor = str(ULID.from_timestamp(since.timestamp()))[:10] + "0" * 16
        results = Item.query(
            space_pk(space_id),
            Item.sk.between(f"LOG#{floor}", "LOG#~"),  # "~" sorts after every ULID character
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
        )
        return [entity_of(AccessLogEntry, item) for item in results]

    # --- visits

    def get_visit(self, ins: str, space_id: str) -> Visit | None:
        return self._get(Visit, f"PERSON#{ins}", f"VISIT#{space_id}")

    def put_visit(self, ins: str, visit: Visit) -> None:
        item_of(f"PERSON#{ins}", f"VISIT#{visit.space_id}", visit).save()

    # --- helpers

    def _conn(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(region=Item.Meta.region)
        return self._connection

    def _get(self, model: type[E], pk: str, sk: str) -> E | None:
        try:
            return entity_of(model, Item.get(pk, sk))
        except DoesNotExist:
            return None

    def _get_item(self, pk: str, sk: str) -> Item | None:
        """The item as last written (a consistent read: it follows a failed transaction)."""
        try:
            return Item.get(pk, sk, consistent_read=True)
        except DoesNotExist:
            return None

    def _in_space(
        self,
        space_id: str,
        saves: Sequence[Write],
        deletes: Sequence[Write] = (),
        updates: Sequence[Update] = (),
    ) -> bool:
        """`transact`, on condition that the space is still active (`active_space`): a write
        racing the space's closure lands before it or is refused (SpaceClosed), never after,
        so that whatever archives a closed space finds it as it was closed."""
        if transact(self._conn(), saves, deletes, updates, checks=[active_space(space_id)]):
            return True
        space = self._get_item(space_pk(space_id), "SPACE")
        if space is not None and SpaceStatus(space.status).closed:
            raise SpaceClosed("this health space was closed meanwhile: nothing was written")
        return False

    def _write(self, item: Item, condition: Condition, audit: AccessLogEntry) -> None:
        if not self._in_space(audit.space_id, [(item, condition), (log_item(audit), NEW)]):
            raise PreconditionFailed(STALE)

    def _delete(
        self,
        item: Item,
        expected_version: int | None,
        audit: AccessLogEntry,
        updates: Sequence[Update] = (),
        also: Sequence[Item] = (),
    ) -> None:
        """Delete the item (at that version, if given) and, unconditionally, what goes with it
        (`also`), with its access-log entry."""
        condition = (
            Item.pk.exists() if expected_version is None else Item.version == expected_version
        )
        deletes: list[Write] = [(item, condition), *((other, None) for other in also)]
        saves = [(log_item(audit), NEW)]
        if not self._in_space(audit.space_id, saves, deletes=deletes, updates=updates):
            raise PreconditionFailed(STALE)
