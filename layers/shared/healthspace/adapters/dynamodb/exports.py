"""Exports of spaces on the health space table (the port of healthspace.lifecycle.exports).

| item            | pk            | sk             | status          | expires_at (TTL)        |
|-----------------|---------------|----------------|-----------------|-------------------------|
| export          | SPACE#<space> | EXPORT#<ulid>  | its status      | requested + 2 days      |
| running export  | SPACE#<space> | EXPORT-RUNNING | the export's id | requested + build limit |

The export item's insertion is what starts its build: the table's stream router hands new `EXPORT#`
items to the exports function's queue (healthspace.adapters.dynamodb.stream). The running item keeps
a second export of the space from starting while one is built: written with the export and its
access-log entry in one transaction, on condition that none is there or that the one there is past
its build's limit (its worker died), and deleted when the build ends. Both go with the space's
partition, and the table's TTL removes them in any case.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DeleteError, PutError

from healthspace.adapters.dynamodb.items import Item, item_of, log_item, space_pk
from healthspace.adapters.dynamodb.paging import newest_first
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, Write
from healthspace.kernel.entity import Page
from healthspace.lifecycle.export_model import BUILD_DEADLINE, Export, ExportStatus
from healthspace.records.model import AccessLogEntry

RUNNING = "EXPORT-RUNNING"


def _export_item(export: Export) -> Item:
    return item_of(
        space_pk(export.space_id),
        f"EXPORT#{export.export_id}",
        export,
        status=export.status.value,
        expires_at=export.expires_at,
    )


def _running_item(export: Export) -> Item:
    return Item(
        space_pk(export.space_id),
        RUNNING,
        body="{}",
        status=export.export_id,
        expires_at=export.requested_at + BUILD_DEADLINE,
    )


class DynamoExports:
    """Built on the same table binding as DynamoStore."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def start_export(self, export: Export, audit: AccessLogEntry, now: datetime) -> bool:
        free = Item.pk.does_not_exist() | (Item.expires_at < now)
        saves: list[Write] = [
            (_running_item(export), free),
            (_export_item(export), NEW),
            (log_item(audit), NEW),
        ]
        return self._store._in_space(export.space_id, saves)

    def get_export(self, space_id: str, export_id: str) -> Export | None:
        return self._store._get(Export, space_pk(space_id), f"EXPORT#{export_id}")

    def list_exports(self, space_id: str, limit: int, cursor: str | None) -> Page[Export]:
        return newest_first(Export, space_pk(space_id), "EXPORT#", limit, cursor)

    def claim_export(self, export: Export) -> bool:
        try:
            _export_item(export).save(condition=Item.status == ExportStatus.PENDING.value)
        except PutError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise
            return False
        return True

    def put_export(self, export: Export, done: bool = False) -> None:
        _export_item(export).save()
        if done:
            try:
                _running_item(export).delete(condition=Item.status == export.export_id)
            except DeleteError as exc:  # another export's since this one's limit passed
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
