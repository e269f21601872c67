"""Spaces' closures on the health space table (the port of healthspace.lifecycle).

| item     | pk            | sk      | gsi1pk         | gsi1sk   |
|----------|---------------|---------|----------------|----------|
| closure  | SPACE#<space> | CLOSURE | PURGE#<day>    | <space>  |

The space item (items.py) carries the status; the closure item its dates. `<day>` is the UTC
date of `purge_after`: the daily purge sweep will query the days up to today through the index,
never scan, whatever the number of archives. A closure is written with the space turning CLOSED
and its access-log entry, in one transaction conditioned on the space's version: of two
closures racing, one writes, the other finds the space closed.
"""

from __future__ import annotations

from datetime import UTC

from healthspace.adapters.dynamodb.items import Item, log_item, space_item
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, Write, transact
from healthspace.lifecycle.model import Closure
from healthspace.records.model import AccessLogEntry, Space, SpaceStatus


def closure_item(closure: Closure) -> Item:
    return Item(
        f"SPACE#{closure.space_id}",
        "CLOSURE",
        body=closure.model_dump_json(),
        gsi1pk=f"PURGE#{closure.purge_after.astimezone(UTC).date().isoformat()}",
        gsi1sk=closure.space_id,
    )


class DynamoClosures:
    """Built on the same table binding as DynamoStore."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def get_space(self, space_id: str) -> Space | None:
        found = self._store._get_item(f"SPACE#{space_id}", "SPACE")
        return Space.model_validate_json(found.body) if found is not None else None

    def get_closure(self, space_id: str) -> Closure | None:
        found = self._store._get_item(f"SPACE#{space_id}", "CLOSURE")
        return Closure.model_validate_json(found.body) if found is not None else None

    def close_space(self, space: Space, closure: Closure, audit: AccessLogEntry) -> bool:
        closed = space.model_copy(
            update={"status": SpaceStatus.CLOSED, "version": space.version + 1}
        )
        saves: list[Write] = [
            (space_item(closed), Item.version == space.version),
            (closure_item(closure), NEW),
            (log_item(audit), NEW),
        ]
        return transact(self._store._conn(), saves)

    def set_status(self, space: Space, status: SpaceStatus, audit: AccessLogEntry) -> bool:
        changed = space.model_copy(update={"status": status, "version": space.version + 1})
        saves: list[Write] = [
            (space_item(changed), Item.version == space.version),
            (log_item(audit), NEW),
        ]
        return transact(self._store._conn(), saves)
