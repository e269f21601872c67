"""Pages of the table's items: cursors a client cannot bend to another partition, and the
newest-first pages of a partition's items."""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from pynamodb.pagination import ResultIterator

from healthspace.adapters.dynamodb.items import E, Item, entity_of
from healthspace.kernel.entity import Page
from healthspace.kernel.errors import BadRequest


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
    return page_of(model, results)


def page_of(model: type[E], results: ResultIterator[Item]) -> Page[E]:
    items = [entity_of(model, item) for item in results]
    return Page[model](items=items, next_cursor=encode_cursor(results.last_evaluated_key))  # type: ignore[valid-type]
