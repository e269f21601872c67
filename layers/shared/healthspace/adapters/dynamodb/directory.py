"""The directory of professionals on the health space table (port of
healthspace.directory.ports).

| item               | pk         | sk           | gsi1pk      | gsi1sk                  |
|--------------------|------------|--------------|-------------|-------------------------|
| entry              | PRO#<rpps> | DIR          |             |                         |
| search key (each)  | PRO#<rpps> | DIR#<scope>  | DIR#<scope> | <FAMILY>#<GIVEN>#<rpps> |
| an import's roster | DIRECTORY  | ROSTER#<nnn> |             |                         |

A scope is a partition of the search: `TOWN#<town>`, `POSTCODE#<postcode>`, `DEPT#<department>`
(each place the professional practises in) and `NAME#<first two letters>` (nationwide), names
and towns normalised (directory.model.normalise). A search is one Query of one scope's range;
each search key carries the entry, so the Query's items are the answer (docs/directory.md).
A roster holds the RPPS the last import listed whose last three digits are <nnn>: the next
import removes who left the extract without scanning the table.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence

from healthspace.adapters.dynamodb.items import Item
from healthspace.adapters.dynamodb.paging import decode_cursor, encode_cursor
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.directory.model import (
    DirectoryEntry,
    DirectoryQuery,
    search_key,
    search_scopes,
)
from healthspace.directory.ports import Change
from healthspace.kernel.entity import Page

ENTRY = "DIR"
ROSTERS = "DIRECTORY"
SHARDS = [f"{n:03d}" for n in range(1000)]


def _pk(rpps: str) -> str:
    return f"PRO#{rpps}"


def _items(entry: DirectoryEntry) -> dict[str, Item]:
    """The entry's items by sort key: itself, and one search key per scope."""
    body = entry.model_dump_json()
    items = {ENTRY: Item(_pk(entry.rpps), ENTRY, body=body)}
    for scope, value in search_scopes(entry):
        partition = f"{ENTRY}#{scope}#{value}"
        items[partition] = Item(
            _pk(entry.rpps), partition, body=body, gsi1pk=partition, gsi1sk=search_key(entry)
        )
    return items


class DynamoDirectory:
    """Built on the same table binding as DynamoStore."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def search(self, query: DirectoryQuery, limit: int, cursor: str | None) -> Page[DirectoryEntry]:
        scope, value = query.scope
        partition = f"{ENTRY}#{scope}#{value}"
        start = decode_cursor(
            cursor, ("gsi1pk", partition), pk="PRO#", sk=partition, gsi1sk=query.prefix
        )
        results = Item.by_date.query(
            partition,
            Item.gsi1sk.startswith(query.prefix),
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
        )
        entries = [DirectoryEntry.model_validate_json(item.body) for item in results]
        return Page[DirectoryEntry](
            items=entries, next_cursor=encode_cursor(results.last_evaluated_key)
        )

    def get_entries(self, rpps: Sequence[str]) -> list[DirectoryEntry]:
        keys = [(_pk(number), ENTRY) for number in dict.fromkeys(rpps)]
        found = Item.batch_get(keys) if keys else []
        return [DirectoryEntry.model_validate_json(item.body) for item in found]

    def write(self, changes: Sequence[Change]) -> None:
        # PynamoDB's batch: 25 writes per BatchWriteItem, unprocessed items sent again.
        with Item.batch_write() as batch:
            for old, new in changes:
                keep = _items(new) if new is not None else {}
                for item in keep.values():
                    batch.save(item)
                if old is not None:
                    for sk in _items(old).keys() - keep.keys():
                        batch.delete(Item(_pk(old.rpps), sk))

    def get_rosters(self) -> Mapping[str, frozenset[str]]:
        found = Item.batch_get([(ROSTERS, f"ROSTER#{shard}") for shard in SHARDS])
        rosters = {
            item.sk.removeprefix("ROSTER#"): frozenset(json.loads(item.body)) for item in found
        }
        return {shard: members for shard, members in rosters.items() if members}

    def put_rosters(self, rosters: Mapping[str, Collection[str]]) -> None:
        with Item.batch_write() as batch:
            for shard, members in rosters.items():
                item = Item(ROSTERS, f"ROSTER#{shard}", body=json.dumps(sorted(members)))
                if members:
                    batch.save(item)
                else:
                    batch.delete(item)
