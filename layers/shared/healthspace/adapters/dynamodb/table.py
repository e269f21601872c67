"""The health space table (single-table design, PynamoDB).

| item            | pk            | sk                        | gsi1pk       | gsi1sk        |
|-----------------|---------------|---------------------------|--------------|---------------|
| grant           | PERSON#<ins>  | GRANT#<space>             |              |               |
| space           | SPACE#<space> | SPACE                     |              |               |
| upload          | SPACE#<space> | UPLOAD#<upload>           |              |               |
| document        | SPACE#<space> | DOC#<document>            | DOCS#<space> | <date>#<doc>  |
| document's space | DOCREF#<document> | SPACE                 |              |               |
| hold (index)    | SPACE#<space> | HOLD#<document>           | HOLDS#<day>  | <space>#<doc> |
| profile entry   | SPACE#<space> | PROFILE#<section>#<entry> |              |               |
| section count   | SPACE#<space> | COUNT#PROFILE#<section>   |              |               |
| documents count | SPACE#<space> | COUNT#DOCUMENTS           |              |               |
| care record     | SPACE#<space> | CARE                      |              |               |
| closure         | SPACE#<space> | CLOSURE                   | PURGE#<day>  | <space>       |
| pro's patient ref | PATREF#<sha256> | PATREF                  |              |               |
| access log      | SPACE#<space> | LOG#<ulid>                |              |               |
| visit           | PERSON#<ins>  | VISIT#<space>             |              |               |
| sender's id     | SPACE#<space> | SOURCE#<sha256>           |              |               |
| sender's alias  | SPACE#<space> | ALIAS#<sha256>#<document> |              |               |
| notice claim    | SPACE#<space> | NOTICE#<kind>#<actor>#<day> (adapters/notices.py)          |
| pro's inbox     | PRO#<rpps>    | NOTICE#<at>#<id> (adapters/notices.py)                     |
| enrollment      | ENROLL#<ins>  | ENROLL (+ LOG#<ulid>)     |              |               |
| code attempts   | ATTEMPTS#<ps> | ATTEMPTS                  |              |               |
| wave            | WAVE#<wave>   | WAVE                      | WAVES        | <created_at>  |
| wave counters   | WAVE#<wave>#COUNTS#<nn> | COUNTS          |              |               |

Each item keeps its entity as JSON in `body`; the few attributes conditions and filters need
(version, status, category) are also top-level. A held document has a hold item while its hold
is unreleased: `<day>` is the UTC date of its deadline, so the holds job queries the days up to
today instead of scanning. A document's space item says where a document lives to those who
name it by id alone (FHIR's read), written and deleted with the document. A count (a profile
section's entries, a space's documents) holds its number in `entries`, changed in the same
transaction as what it counts: the cap is a condition on it. A closed space's closure item
(adapters/dynamodb/lifecycle.py) is indexed by the day its purge is due.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import random
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar

from pydantic import BaseModel
from pynamodb.attributes import NumberAttribute, TTLAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.expressions.condition import Condition
from pynamodb.expressions.update import Action
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.pagination import ResultIterator
from pynamodb.transactions import TransactWrite
from ulid import ULID

from healthspace.care.record import CareRecord, PatientReference
from healthspace.kernel.entity import Page
from healthspace.kernel.errors import BadRequest, PreconditionFailed, SpaceClosed
from healthspace.records.model import (
    EVERY_ENTRY,
    MAX_FILTERED_READ,
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

E = TypeVar("E", bound=BaseModel)


class ByDate(GlobalSecondaryIndex["Item"]):
    class Meta:
        index_name = "gsi1"
        projection = AllProjection()

    gsi1pk = UnicodeAttribute(hash_key=True)
    gsi1sk = UnicodeAttribute(range_key=True)


class Item(Model):
    class Meta:
        # Bound to the real table by DynamoStore (PynamoDB reads the name from the class).
        table_name = "healthspace"
        region: str | None = None  # set by DynamoStore, from the settings

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    gsi1pk = UnicodeAttribute(null=True)
    gsi1sk = UnicodeAttribute(null=True)
    version = NumberAttribute(null=True)
    status = UnicodeAttribute(null=True)
    category = UnicodeAttribute(null=True)
    expires_at = TTLAttribute(null=True)
    body = UnicodeAttribute()
    # Atomic counters: failed code attempts, and a wave's counter shards.
    attempts = NumberAttribute(null=True)
    notified = NumberAttribute(null=True)
    opposed = NumberAttribute(null=True)
    activated_early = NumberAttribute(null=True)
    activated = NumberAttribute(null=True)
    failed = NumberAttribute(null=True)
    unnotified = NumberAttribute(null=True)
    # A profile section's count of entries.
    entries = NumberAttribute(null=True)

    by_date = ByDate()


def _space(space_id: str) -> str:
    return f"SPACE#{space_id}"


def _digest(sender_id: str) -> str:
    return hashlib.sha256(sender_id.encode()).hexdigest()


def _alias(alias: str) -> str:
    """The sort key prefix of a document's alias items (hashed: a sender's id, of any length)."""
    return f"ALIAS#{_digest(alias)}#"


def _item(pk: str, sk: str, entity: BaseModel, **attributes: Any) -> Item:
    return Item(pk, sk, body=entity.model_dump_json(), **attributes)


def _entity(model: type[E], item: Item) -> E:
    return model.model_validate_json(item.body)


def _space_item(space: Space) -> Item:
    return _item(
        _space(space.space_id), "SPACE", space, status=space.status.value, version=space.version
    )


def _grant_item(ins: str, space_id: str, role: Role) -> Item:
    # A grant is its key and a role: the role rides in `status`, the body stays empty.
    return Item(f"PERSON#{ins}", f"GRANT#{space_id}", status=role.value, body="{}")


def _document_item(document: Document) -> Item:
    return _item(
        _space(document.space_id),
        f"DOC#{document.document_id}",
        document,
        gsi1pk=f"DOCS#{document.space_id}",
        gsi1sk=f"{document.document_date.isoformat()}#{document.document_id}",
        version=document.version,
        category=document.category.value,
    )


def _document_space_item(document: Document) -> Item:
    return Item(
        f"DOCREF#{document.document_id}",
        "SPACE",
        body=json.dumps({"space_id": document.space_id}),
    )


def _hold_item(document: Document) -> Item:
    assert document.hold is not None
    return Item(
        _space(document.space_id),
        f"HOLD#{document.document_id}",
        body="{}",
        gsi1pk=f"HOLDS#{document.hold.deadline.astimezone(UTC).date().isoformat()}",
        gsi1sk=f"{document.space_id}#{document.document_id}",
    )


def _upload_item(upload: Upload, expires_at: datetime | None = None) -> Item:
    item = _item(
        _space(upload.space_id), f"UPLOAD#{upload.upload_id}", upload, status=upload.status.value
    )
    item.expires_at = expires_at
    return item


def _profile_item(entry: ProfileEntry) -> Item:
    return _item(
        _space(entry.space_id),
        f"PROFILE#{entry.section}#{entry.entry_id}",
        entry,
        version=entry.version,
    )


def _section_count_item(space_id: str, section: str) -> Item:
    return Item(_space(space_id), f"COUNT#PROFILE#{section}", body="{}")


def _documents_count_item(space_id: str) -> Item:
    return Item(_space(space_id), "COUNT#DOCUMENTS", body="{}")


def _counted(counter: Item, cap: int) -> Update:
    """One more in `counter`, on condition it holds fewer than `cap`: of two writers racing
    for the last place, one transaction fails (or conflicts, is retried, then fails)."""
    room = Item.entries.does_not_exist() | (Item.entries < cap)
    return counter, [Item.entries.add(1), Item.body.set("{}")], room


def _uncounted(counter: Item) -> Update:
    return counter, [Item.entries.add(-1)], None


def _care_item(record: CareRecord) -> Item:
    return _item(_space(record.space_id), "CARE", record, version=record.version)


def _log_item(entry: AccessLogEntry) -> Item:
    return _item(_space(entry.space_id), f"LOG#{entry.entry_id}", entry)


def encode_cursor(last_key: dict[str, Any] | None) -> str | None:
    if not last_key:
        return None
    return base64.urlsafe_b64encode(json.dumps(last_key, sort_keys=True).encode()).decode()


def decode_cursor(
    cursor: str | None, partition: tuple[str, str], **prefixes: str
) -> dict[str, Any] | None:
    """The DynamoDB start key inside a cursor, refused (BadRequest) unless it is exactly the
    `partition` attribute with its value and the `prefixes`' attributes, each a string starting
    with its prefix: a cursor cannot be bent to read another space or another section, nor to
    start outside its query (which DynamoDB would answer with an error, a 500 of ours)."""
    if not cursor:
        return None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor.encode()))
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise BadRequest("cursor is not valid") from None
    attribute, value = partition
    if not (
        isinstance(key, dict)
        and key.keys() == {attribute, *prefixes}
        and key[attribute] == {"S": value}
        and all(_string_starting(key[name], prefix) for name, prefix in prefixes.items())
    ):
        raise BadRequest("cursor is not valid")
    return key


def _string_starting(value: Any, prefix: str) -> bool:
    return (
        isinstance(value, dict)
        and value.keys() == {"S"}
        and isinstance(value["S"], str)
        and value["S"].startswith(prefix)
    )


def newest_first(
    model: type[E], partition: str, prefix: str, limit: int, cursor: str | None
) -> Page[E]:
    """One page of the partition's items whose sort key starts with `prefix`, last sorted
    first (ULIDs and timestamps: newest first); the cursor cannot leave the partition's prefix."""
    results = Item.query(
        partition,
        Item.sk.startswith(prefix),
        scan_index_forward=False,
        limit=limit,
        page_size=limit,
        last_evaluated_key=decode_cursor(cursor, ("pk", partition), sk=prefix),
    )
    return _page(model, results)


# What a filter looks for in an entry's JSON (`body`): keys written by pydantic in the entity's
# field order, compact. A quote inside a string value is escaped (\"), so a name or a reason
# cannot imitate these (tests/integration/test_access_log_filters.py holds them to the model).
_PROFESSIONAL_ACTOR = '"actor":{"kind":"PROFESSIONAL"'
_EMERGENCY = '"emergency_reason":"'  # a reason (a string), not null
_FILTERED_READ_PAGE = 200  # entries one Query of a filtered history reads


def _log_condition(only: HistoryFilter) -> Condition:
    conditions = [
        *([Item.body.contains(_PROFESSIONAL_ACTOR)] if only.professionals else []),
        *([Item.body.contains(_EMERGENCY)] if only.emergency else []),
    ]
    condition = conditions[0]
    for more in conditions[1:]:
        condition &= more
    return condition


def _filtered_log(
    partition: str, limit: int, cursor: str | None, only: HistoryFilter
) -> Page[AccessLogEntry]:
    """A page of the history's entries `only` lets through, newest first: Queries of
    _FILTERED_READ_PAGE entries with a filter, until `limit` are found, the history ends, or
    MAX_FILTERED_READ entries were read (a short page, with a cursor). A page ending inside a
    Query's answer resumes after its last entry shown."""
    start = decode_cursor(cursor, ("pk", partition), sk="LOG#")
    pages = Item.query(
        partition,
        Item.sk.startswith("LOG#"),
        filter_condition=_log_condition(only),
        scan_index_forward=False,
        page_size=_FILTERED_READ_PAGE,
        last_evaluated_key=start,
    ).page_iter
    found: list[AccessLogEntry] = []
    resume: dict[str, Any] | None = None
    for answer in pages:
        raws = answer.get("Items", [])
        resume = answer.get("LastEvaluatedKey")
        for n, raw in enumerate(raws, 1):
            found.append(_entity(AccessLogEntry, Item.from_raw_data(raw)))
            if len(found) == limit:
                last = n == len(raws)
                after = resume if last else {"pk": raw["pk"], "sk": raw["sk"]}
                return Page[AccessLogEntry](items=found, next_cursor=encode_cursor(after))
        if resume is None or pages.total_scanned_count >= MAX_FILTERED_READ:
            break
    return Page[AccessLogEntry](items=found, next_cursor=encode_cursor(resume))


def _page(model: type[E], results: ResultIterator[Item]) -> Page[E]:
    items = [_entity(model, item) for item in results]
    return Page[model](items=items, next_cursor=encode_cursor(results.last_evaluated_key))  # type: ignore[valid-type]


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
        _grant_item(ins, space_id, role).save()

    def get_space(self, space_id: str) -> Space | None:
        return self._get(Space, _space(space_id), "SPACE")

    def get_spaces(self, space_ids: Sequence[str]) -> list[Space]:
        keys = [(_space(space_id), "SPACE") for space_id in space_ids]
        return [_entity(Space, item) for item in Item.batch_get(keys)]

    def create_space(self, space: Space) -> None:
        _space_item(space).save(condition=Item.pk.does_not_exist())

    def set_space_key(self, space: Space, wrapped_key: bytes) -> Space:
        keyed = space.model_copy(update={"wrapped_key": wrapped_key, "version": space.version + 1})
        try:
            _space_item(keyed).save(condition=Item.version == space.version)
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            stored = self.get_space(space.space_id)
            if stored is not None and stored.status is SpaceStatus.CLOSED:
                raise SpaceClosed("this health space was closed meanwhile") from None
            if stored is None or stored.wrapped_key is None:
                raise
            return stored
        return keyed

    # --- uploads

    def put_upload(self, upload: Upload) -> None:
        expires = upload.created_at + timedelta(days=self._upload_days)
        _upload_item(upload, expires).save(condition=Item.pk.does_not_exist())

    def get_upload(self, space_id: str, upload_id: str) -> Upload | None:
        return self._get(Upload, _space(space_id), f"UPLOAD#{upload_id}")

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
            (_upload_item(upload, expires), Item.status == UploadStatus.PENDING.value)
        ]
        if document is not None:
            saves += [(_document_item(document), NEW), (_document_space_item(document), NEW)]
            if document.hold is not None and document.hold.released_at is None:
                saves.append((_hold_item(document), NEW))  # for the holds job, as a push does
        if audit is not None:
            saves.append((_log_item(audit), NEW))
        if document is None:  # a rejection: whatever the space's status
            return transact(self._conn(), saves)
        counted = [_counted(_documents_count_item(upload.space_id), max_documents)]
        # False: another delivery of the same event closed the upload first, or the space is full.
        return self._in_space(upload.space_id, saves, updates=counted)

    # --- documents

    def get_document(self, space_id: str, document_id: str) -> Document | None:
        return self._get(Document, _space(space_id), f"DOC#{document_id}")

    def space_of_document(self, document_id: str) -> str | None:
        found = self._get_item(f"DOCREF#{document_id}", "SPACE")
        return str(json.loads(found.body)["space_id"]) if found is not None else None

    def get_named_items(
        self, space_id: str, document_ids: Sequence[str], entry_keys: Sequence[tuple[str, str]]
    ) -> tuple[list[Document], list[ProfileEntry]]:
        keys = [(_space(space_id), f"DOC#{i}") for i in document_ids] + [
            (_space(space_id), f"PROFILE#{section}#{i}") for section, i in entry_keys
        ]
        items = list(Item.batch_get(keys)) if keys else []
        return (
            [_entity(Document, item) for item in items if item.sk.startswith("DOC#")],
            [_entity(ProfileEntry, item) for item in items if item.sk.startswith("PROFILE#")],
        )

    def count_documents(self, space_id: str) -> int:
        counter = _documents_count_item(space_id)
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
            _space(document.space_id),
            source_sk,
            body=json.dumps({"document_id": document.document_id}),
        )
        saves: list[Write] = [
            (pointer, NEW),
            (_document_item(document), NEW),
            (_document_space_item(document), NEW),
            (_log_item(audit), NEW),
        ]
        # An alias is not unique: one item per alias and document, found by its prefix.
        saves += [
            (
                Item(
                    _space(document.space_id), f"{_alias(alias)}{document.document_id}", body="{}"
                ),
                NEW,
            )
            for alias in dict.fromkeys(aliases)
        ]
        if document.hold is not None and document.hold.released_at is None:
            saves.append((_hold_item(document), NEW))
        counted = [_counted(_documents_count_item(document.space_id), max_documents)]
        if self._in_space(document.space_id, saves, updates=counted):
            return None
        # Which condition failed: the source names a document already, or the space is full.
        existing = self._get_item(_space(document.space_id), source_sk)
        if existing is None:
            raise documents_full(max_documents)
        return str(json.loads(existing.body)["document_id"])

    def documents_known_as(self, space_id: str, alias: str, limit: int) -> list[str]:
        prefix = _alias(alias)
        found = Item.query(_space(space_id), Item.sk.startswith(prefix), limit=limit)
        return [item.sk.removeprefix(prefix) for item in found]

    def list_documents(
        self, space_id: str, query: DocumentFilter, limit: int, cursor: str | None
    ) -> Page[Document]:
        partition = f"DOCS#{space_id}"
        low = f"{query.date_from.isoformat()}#" if query.date_from else "0"
        high = f"{query.date_to.isoformat()}#~" if query.date_to else "9"
        start = decode_cursor(
            cursor, ("gsi1pk", partition), pk=_space(space_id), sk="DOC#", gsi1sk=""
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
        return _page(Document, results)

    def release_document(
        self, document: Document, expected_version: int, audit: AccessLogEntry
    ) -> None:
        saves: list[Write] = [
            (_document_item(document), Item.version == expected_version),
            (_log_item(audit), NEW),
        ]
        hold = [(_hold_item(document), None)] if document.hold is not None else []
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
        self._write(_document_item(document), Item.version == expected_version, audit)

    def delete_document(
        self, document: Document, expected_version: int | None, audit: AccessLogEntry
    ) -> None:
        counter = _documents_count_item(document.space_id)
        self._delete(
            _document_item(document),
            expected_version,
            audit,
            [_uncounted(counter)],
            also=[_document_space_item(document)],
        )

    # --- medical profile

    def list_profile(
        self, space_id: str, section: str, limit: int, cursor: str | None
    ) -> Page[ProfileEntry]:
        return newest_first(ProfileEntry, _space(space_id), f"PROFILE#{section}#", limit, cursor)

    def get_profile_entry(self, space_id: str, section: str, entry_id: str) -> ProfileEntry | None:
        return self._get(ProfileEntry, _space(space_id), f"PROFILE#{section}#{entry_id}")

    def add_profile_entry(
        self, entry: ProfileEntry, audit: AccessLogEntry, max_entries: int
    ) -> bool:
        saves: list[Write] = [(_profile_item(entry), NEW), (_log_item(audit), NEW)]
        counter = _section_count_item(entry.space_id, entry.section)
        return self._in_space(entry.space_id, saves, updates=[_counted(counter, max_entries)])

    def put_profile_entry(
        self, entry: ProfileEntry, expected_version: int, audit: AccessLogEntry
    ) -> None:
        self._write(_profile_item(entry), Item.version == expected_version, audit)

    def delete_profile_entry(
        self, entry: ProfileEntry, expected_version: int | None, audit: AccessLogEntry
    ) -> None:
        counter = _section_count_item(entry.space_id, entry.section)
        self._delete(_profile_item(entry), expected_version, audit, [_uncounted(counter)])

    def count_profile_entries(self, space_id: str) -> dict[str, int]:
        counts = Item.query(_space(space_id), Item.sk.startswith("COUNT#PROFILE#"))
        return {c.sk.removeprefix("COUNT#PROFILE#"): int(c.entries or 0) for c in counts}

    # --- the patient's settings and care team

    def get_care_record(self, space_id: str) -> CareRecord:
        return self._get(CareRecord, _space(space_id), "CARE") or CareRecord(space_id=space_id)

    def put_care_record(
        self, record: CareRecord, expected_version: int, audit: AccessLogEntry
    ) -> None:
        condition = NEW if expected_version == 0 else Item.version == expected_version
        self._write(_care_item(record), condition, audit)

    # --- professionals' patient references (expires_at: the table's TTL attribute)

    def put_patient_reference(self, digest: str, reference: PatientReference) -> None:
        pk = f"PATREF#{digest}"
        _item(pk, "PATREF", reference, expires_at=reference.expires_at).save()

    def get_patient_reference(self, digest: str) -> PatientReference | None:
        return self._get(PatientReference, f"PATREF#{digest}", "PATREF")

    # --- access log

    def append_access_log(self, entry: AccessLogEntry) -> None:
        try:
            _log_item(entry).save(condition=Item.pk.does_not_exist())
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
            return newest_first(AccessLogEntry, _space(space_id), "LOG#", limit, cursor)
        return _filtered_log(_space(space_id), limit, cursor, only)

    def access_log_since(self, space_id: str, since: datetime, limit: int) -> list[AccessLogEntry]:
        # A ULID starts with its millisecond: the first id of that millisecond bounds the range.
        floor = str(ULID.from_timestamp(since.timestamp()))[:10] + "0" * 16
        results = Item.query(
            _space(space_id),
            Item.sk.between(f"LOG#{floor}", "LOG#~"),  # "~" sorts after every ULID character
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
        )
        return [_entity(AccessLogEntry, item) for item in results]

    # --- visits

    def get_visit(self, ins: str, space_id: str) -> Visit | None:
        return self._get(Visit, f"PERSON#{ins}", f"VISIT#{space_id}")

    def put_visit(self, ins: str, visit: Visit) -> None:
        _item(f"PERSON#{ins}", f"VISIT#{visit.space_id}", visit).save()

    # --- helpers

    def _conn(self) -> Connection:
        if self._connection is None:
            self._connection = Connection(region=Item.Meta.region)
        return self._connection

    def _get(self, model: type[E], pk: str, sk: str) -> E | None:
        try:
            return _entity(model, Item.get(pk, sk))
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
        space = self._get_item(_space(space_id), "SPACE")
        if space is not None and space.status == SpaceStatus.CLOSED.value:
            raise SpaceClosed("this health space was closed meanwhile: nothing was written")
        return False

    def _write(self, item: Item, condition: Condition, audit: AccessLogEntry) -> None:
        if not self._in_space(audit.space_id, [(item, condition), (_log_item(audit), NEW)]):
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
        saves = [(_log_item(audit), NEW)]
        if not self._in_space(audit.space_id, saves, deletes=deletes, updates=updates):
            raise PreconditionFailed(STALE)


Write = tuple[Item, Condition | None]


def active_space(space_id: str) -> Write:
    """The check every write of a space's content carries: the space is still ACTIVE."""
    return Item(_space(space_id), "SPACE", body="{}"), Item.status == SpaceStatus.ACTIVE.value


Update = tuple[Item, Sequence[Action], Condition | None]
NEW = Item.pk.does_not_exist()  # the item must not exist yet
STALE = "this item was changed or removed since you read it; reload and try again"


def put_if(item: Item, condition: Condition) -> bool:
    """One conditional write; False if the condition failed (another writer was first)."""
    try:
        item.save(condition=condition)
    except PutError as exc:
        if exc.cause_response_code == "ConditionalCheckFailedException":
            return False
        raise
    return True


# Tries of a transaction that DynamoDB cancelled for a conflict with another one in flight on the
# same item (a section's count under concurrent adds): it wrote nothing, so it is tried again.
CONFLICT_TRIES = 4


def transact(
    connection: Connection,
    saves: Sequence[Write],
    deletes: Sequence[Write] = (),
    updates: Sequence[Update] = (),
    checks: Sequence[Write] = (),
) -> bool:
    """All the writes or none, in one DynamoDB transaction, on condition that each of `checks`
    (items not written) holds; False if a condition failed."""
    tries = 0
    while True:
        try:
            with TransactWrite(connection=connection) as tx:
                for item, condition in deletes:
                    tx.delete(item, condition=condition)
                for item, condition in saves:
                    tx.save(item, condition=condition)
                for item, actions, condition in updates:
                    tx.update(item, actions=list(actions), condition=condition)
                for item, condition in checks:
                    tx.condition_check(Item, item.pk, item.sk, condition=condition)
        except TransactWriteError as exc:
            if _cancelled_by(exc, "ConditionalCheckFailed"):
                return False
            tries += 1
            if not _cancelled_by(exc, "TransactionConflict") or tries == CONFLICT_TRIES:
                raise
            time.sleep(random.uniform(0, 0.02 * 2**tries))  # noqa: S311  (jitter, not a secret)
        else:
            return True


def _cancelled_by(exc: TransactWriteError, code: str) -> bool:
    reasons = getattr(exc, "cancellation_reasons", None) or []
    return any(reason is not None and reason.code == code for reason in reasons)
