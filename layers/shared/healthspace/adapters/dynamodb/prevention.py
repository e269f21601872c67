"""The prevention calendar's statuses on the health space table (the ports of
healthspace.agenda.prevention).

| item              | pk            | sk                   |
|-------------------|---------------|----------------------|
| an item's status  | SPACE#<space> | PREVENTION#<item_id> |

Only what the patient said is stored (the calendar itself is computed on each read): one item
per item of their calendar they marked, `version` top-level for the condition of the next
write, which carries its access-log entry and the check that the space is active in the same
transaction. Under the space's partition: archived, restored and deleted with it.
"""

from __future__ import annotations

from healthspace.adapters.dynamodb.agenda import DynamoAppointments
from healthspace.adapters.dynamodb.items import Item, entity_of, item_of, space_pk
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW
from healthspace.agenda.prevention.model import ItemStatus
from healthspace.records.model import AccessLogEntry

PREFIX = "PREVENTION#"


def status_item(status: ItemStatus) -> Item:
    return item_of(
        space_pk(status.space_id),
        f"{PREFIX}{status.item_id}",
        status,
        version=status.version,
        status=status.status.value,
    )


class DynamoPrevention:
    """Built on the same table binding as DynamoStore (its transactions and space check)."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store
        self._appointments = DynamoAppointments(store)

    def list_prevention(self, space_id: str) -> list[ItemStatus]:
        # At most one item per item of a calendar (under a hundred, ~0.5 KB each): one page.
        found = Item.query(space_pk(space_id), Item.sk.startswith(PREFIX))
        return [entity_of(ItemStatus, item) for item in found]

    def put_prevention(
        self, status: ItemStatus, expected_version: int, audit: AccessLogEntry
    ) -> None:
        expected = NEW if expected_version == 0 else Item.version == expected_version
        self._store._write(status_item(status), expected, audit)

    def appointment_exists(self, space_id: str, appointment_id: str) -> bool:
        return self._appointments.get_appointment(space_id, appointment_id) is not None
