"""A closed space's items, moved out of the table into its archive and back (the SpaceItems port
of healthspace.lifecycle).

An item is archived as PynamoDB serialises it (DynamoDB's attribute-value JSON, every attribute,
its keys and index keys included), so that a reopening puts back exactly what was there. The
space item and the closure (the tombstone) stay; so do the grants and visits (other partitions).
A document's DOCREF item is not archived: it is derived from the document, deleted and put back
with it. Every put back is conditional (the item must not exist yet): a retried rehydration
writes nothing twice.
"""

from __future__ import annotations

import json
from collections.abc import Iterator

from pynamodb.expressions.condition import Condition

from healthspace.adapters.dynamodb.items import (
    Item,
    document_space_item,
    entity_of,
    log_item,
    space_item,
    space_pk,
)
from healthspace.adapters.dynamodb.lifecycle import closure_item
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, Write, put_if, transact
from healthspace.lifecycle.model import Closure
from healthspace.records.model import AccessLogEntry, Document, Space, SpaceStatus

# The tombstone's sort keys: never archived, never cleared.
_KEPT = frozenset({"SPACE", "CLOSURE"})


def _kind(sk: str) -> str:
    return sk.split("#", 1)[0].lower()


class DynamoSpaceItems:
    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def _hot(self, space_id: str) -> Iterator[Item]:
        for item in Item.query(space_pk(space_id), consistent_read=True):
            if item.sk not in _KEPT:
                yield item

    def hot_items(self, space_id: str) -> Iterator[tuple[str, bytes]]:
        for item in self._hot(space_id):
            yield _kind(item.sk), json.dumps(item.serialize(), sort_keys=True).encode()

    def clear_hot_items(self, space_id: str) -> int:
        deleted = 0
        with Item.batch_write() as batch:
            for item in self._hot(space_id):
                if _kind(item.sk) == "doc":
                    batch.delete(document_space_item(entity_of(Document, item)))
                batch.delete(item)
                deleted += 1
        return deleted

    def restore_item(self, space_id: str, kind: str, data: bytes) -> bool:
        item = Item.from_raw_data(json.loads(data))
        if item.pk != space_pk(space_id) or item.sk in _KEPT:
            raise ValueError("an archived item of another space, or of the tombstone")
        written = put_if(item, NEW)
        if kind == "doc":
            put_if(document_space_item(entity_of(Document, item)), NEW)
        return written

    def archive_space(self, space: Space, closure: Closure) -> bool:
        archived = _moved(space, SpaceStatus.ARCHIVED)
        saves: list[Write] = [
            (space_item(archived), _at(space, SpaceStatus.CLOSED)),
            (closure_item(closure), Item.pk.exists()),
        ]
        return transact(self._store._conn(), saves)

    def put_closure(self, closure: Closure) -> None:
        closure_item(closure).save(condition=Item.pk.exists())

    def begin_reopening(self, space: Space, audit: AccessLogEntry) -> bool:
        saves: list[Write] = [
            (space_item(_moved(space, SpaceStatus.REOPENING)), _at(space, SpaceStatus.ARCHIVED)),
            (log_item(audit), NEW),
        ]
        return transact(self._store._conn(), saves)

    def abandon_reopening(self, space: Space) -> bool:
        saves: list[Write] = [
            (space_item(_moved(space, SpaceStatus.ARCHIVED)), _at(space, SpaceStatus.REOPENING))
        ]
        return transact(self._store._conn(), saves)

    def finish_reopening(self, space: Space) -> bool:
        saves: list[Write] = [
            (space_item(_moved(space, SpaceStatus.ACTIVE)), _at(space, SpaceStatus.REOPENING))
        ]
        closure = Item(space_pk(space.space_id), "CLOSURE", body="{}")
        return transact(self._store._conn(), saves, deletes=[(closure, None)])


def _moved(space: Space, status: SpaceStatus) -> Space:
    return space.model_copy(update={"status": status, "version": space.version + 1})


def _at(space: Space, status: SpaceStatus) -> Condition:
    return (Item.version == space.version) & (Item.status == status.value)
