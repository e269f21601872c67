"""Partners' keys and used nonces on the health space table (ports of healthspace.partners.keys).

| item  | pk                     | sk    | gsi1pk                   | gsi1sk                   |
|-------|------------------------|-------|--------------------------|--------------------------|
| key   | PARTNERKEY#<key_id>    | KEY   | PARTNERKEYS#<partner_id> | <registered_at>#<key_id> |
| audit | PARTNERKEY#<key_id>    | EVENT#<at>#<action> |            |                          |
| nonce | NONCE#<key_id>#<nonce> | NONCE |                          |                          |

A key keeps its record (body JSON: partner, raw public key in base64, alg, status, who registered
and revoked it, when); `status` is also top-level, for the revocation's condition. A nonce item is
its key and a TTL (`expires_at`), written on condition that it does not exist: one PutItem, the
first use wins. Key ids hold no '#', so a nonce item's key has one reading.
"""

from __future__ import annotations

from datetime import datetime

from pynamodb.exceptions import DoesNotExist

from healthspace.adapters.dynamodb.items import Item, item_of
from healthspace.adapters.dynamodb.paging import decode_cursor, page_of
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, put_if, transact
from healthspace.kernel.entity import Page
from healthspace.partners.keys import KeyEvent, KeyStatus, PartnerKey


def _key_item(key: PartnerKey) -> Item:
    return item_of(
        f"PARTNERKEY#{key.key_id}",
        "KEY",
        key,
        status=key.status.value,
        gsi1pk=f"PARTNERKEYS#{key.partner_id}",
        gsi1sk=f"{key.registered_at.isoformat()}#{key.key_id}",
    )


def _event_item(event: KeyEvent) -> Item:
    # In the key's partition: its audit reads with it, and writes with it (one transaction).
    return item_of(
        f"PARTNERKEY#{event.key_id}", f"EVENT#{event.at.isoformat()}#{event.action}", event
    )


class DynamoPartnerKeys:
    """Built on the same table binding as DynamoStore."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def get_key(self, key_id: str) -> PartnerKey | None:
        # Strongly consistent: a revocation must hold from the very next request.
        try:
            item = Item.get(f"PARTNERKEY#{key_id}", "KEY", consistent_read=True)
        except DoesNotExist:
            return None
        return PartnerKey.model_validate_json(item.body)

    def add_key(self, key: PartnerKey, event: KeyEvent) -> bool:
        return transact(self._store._conn(), [(_key_item(key), NEW), (_event_item(event), NEW)])

    def save_revoked(self, key: PartnerKey, event: KeyEvent) -> bool:
        active = Item.status == KeyStatus.ACTIVE.value
        return transact(self._store._conn(), [(_key_item(key), active), (_event_item(event), NEW)])

    def list_keys(self, partner_id: str, limit: int, cursor: str | None) -> Page[PartnerKey]:
        partition = f"PARTNERKEYS#{partner_id}"
        results = Item.by_date.query(
            partition,
            limit=limit,
            page_size=limit,
            last_evaluated_key=decode_cursor(
                cursor, ("gsi1pk", partition), pk="PARTNERKEY#", sk="KEY", gsi1sk=""
            ),
        )
        return page_of(PartnerKey, results)

    def key_events(self, key_id: str) -> list[KeyEvent]:
        items = Item.query(f"PARTNERKEY#{key_id}", Item.sk.startswith("EVENT#"))
        return [KeyEvent.model_validate_json(item.body) for item in items]


class DynamoNonces:
    """Used nonces, each an item that DynamoDB's TTL sweeps away after its signature expired."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def record_once(self, key_id: str, nonce: str, expires_at: datetime) -> bool:
        item = Item(f"NONCE#{key_id}#{nonce}", "NONCE", body="{}", expires_at=expires_at)
        return put_if(item, NEW)
