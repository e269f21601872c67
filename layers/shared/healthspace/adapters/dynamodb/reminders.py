"""The reminders' items on the health space table (the ReminderStore port of
healthspace.agenda.reminders).

| item        | pk              | sk                               | gsi1pk          | gsi1sk      |
|-------------|-----------------|----------------------------------|-----------------|-------------|
| settings    | SPACE#<space>   | REMINDERS                        |                 |             |
| sent marker | SPACE#<space>   | REMINDED#<appt>#<start Z>#<lead> | REMINDING#<0-3> | <due>#...   |
| job cursor  | REMINDERS#SWEEP | CURSOR                           |                 |             |
| prevention marker | SPACE#<space> | REMINDED#PREVENTION#<item>   |                 |             |
| prevention cursor | REMINDERS#PREVENTION | CURSOR                |                 |             |

The prevention job (agenda.prevention_reminders) reads the spaces by their holder's birth date
(the space item's `BORN#<day>` keys on gsi1, present while the space is ACTIVE: items.space_item)
and hands each opening over through the same markers, the same one-transaction write (with the
space's ACTIVE check) and the same settling; its markers never enter the pending partitions.

The job reads the appointments' start index (adapters/dynamodb/agenda.py: `STARTS#<slot>`,
one Query per slot and lead time, never a Scan). A marker is written once by the hand-off: one
transaction with a ConditionCheck that the appointment's start index item is at the version
read and one that the space is ACTIVE. Its state rides in `status`, its attempts in `version`
(each change conditioned on both); while HANDED or RETRY it is in the sparse `REMINDING#<n>`
partitions of gsi1 (n: the space's CRC-32 modulo 4, so the index writes of a busy hour spread
over four partitions), which the job reads at each run; settled, it leaves them. Markers
expire (TTL) a month after their appointment. The settings and markers live under the space's
partition: archived, restored and deleted with it (a pending marker restored is found in doubt
or too late, and sends nothing).
"""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Final

from pynamodb.expressions.condition import Condition

from healthspace.adapters.dynamodb.items import (
    Item,
    born_key,
    entity_of,
    item_of,
    log_item,
    space_pk,
)
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import (
    NEW,
    STALE,
    Write,
    active_space,
    put_if,
    transact,
)
from healthspace.agenda.reminder_model import (
    IndexedStart,
    Marker,
    PreventionMarker,
    ReminderSettings,
    prevention_key,
)
from healthspace.agenda.reminders import HandOff
from healthspace.kernel.errors import PreconditionFailed
from healthspace.records.model import AccessLogEntry, SpaceStatus

SETTINGS_SK: Final = "REMINDERS"
MARKER_PREFIX: Final = "REMINDED#"
CURSOR_KEY: Final = ("REMINDERS#SWEEP", "CURSOR")
PREVENTION_CURSOR_KEY: Final = ("REMINDERS#PREVENTION", "CURSOR")
# A prevention marker is kept this long (TTL): past any window's first opening again.
KEEP_PREVENTION_MARKERS: Final = timedelta(days=366 * 130)
PENDING_SHARDS: Final = 4
# A marker outlives its appointment by this much (TTL), then DynamoDB forgets it.
KEEP_MARKERS: Final = timedelta(days=30)


def _z(at: datetime) -> str:
    """Fixed width, so that the strings sort as the instants."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _shard(space_id: str) -> str:
    return f"REMINDING#{zlib.crc32(space_id.encode()) % PENDING_SHARDS}"


def marker_item(marker: Marker) -> Item:
    item = item_of(
        space_pk(marker.space_id),
        f"{MARKER_PREFIX}{marker.key}",
        marker,
        status=marker.state.value,
        version=marker.attempts,
    )
    if marker.state.pending:
        item.gsi1pk = _shard(marker.space_id)
        item.gsi1sk = f"{_z(marker.due)}#{marker.space_id}#{marker.key}"
    item.expires_at = marker.start + KEEP_MARKERS
    return item


def prevention_marker_item(marker: PreventionMarker) -> Item:
    return item_of(
        space_pk(marker.space_id),
        f"{MARKER_PREFIX}{marker.key}",
        marker,
        status=marker.state.value,
        version=marker.attempts,
    )


def _unchanged(marker: Marker | PreventionMarker) -> Condition:
    return (Item.status == marker.state.value) & (Item.version == marker.attempts)


class DynamoReminders:
    """Built on the same table binding as DynamoStore (its transactions and space check)."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    # --- settings

    def get_settings(self, space_id: str) -> ReminderSettings | None:
        return self._store._get(ReminderSettings, space_pk(space_id), SETTINGS_SK)

    def put_settings(
        self, settings: ReminderSettings, expected_version: int, audit: AccessLogEntry
    ) -> None:
        expected = NEW if expected_version == 0 else Item.version == expected_version
        item = item_of(space_pk(settings.space_id), SETTINGS_SK, settings, version=settings.version)
        saves: list[Write] = [(item, expected), (log_item(audit), NEW)]
        if not self._store._in_space(settings.space_id, saves):
            raise PreconditionFailed(STALE)

    # --- the job's cursor

    def cursor(self) -> datetime | None:
        found = self._store._get_item(*CURSOR_KEY)
        return datetime.fromisoformat(json.loads(found.body)) if found is not None else None

    def advance_cursor(self, to: datetime) -> None:
        body = json.dumps(_z(to))
        put_if(Item(*CURSOR_KEY, body=body), NEW | (Item.body < body))

    # --- the start index

    def starting_in(self, slot: str) -> Iterator[IndexedStart]:
        for item in Item.by_date.query(f"STARTS#{slot}"):
            entry = json.loads(item.body)
            yield IndexedStart(
                entry["space_id"],
                entry["appointment_id"],
                datetime.fromisoformat(entry["start"]),
                int(entry["version"]),
            )

    # --- markers

    def hand_off(self, marker: Marker, previous: Marker | None) -> HandOff:
        index = Item(space_pk(marker.space_id), f"APPTSTART#{marker.appointment_id}", body="{}")
        version = (index, Item.version == marker.indexed_version)
        return self._write_once(marker, marker_item(marker), previous, [version])

    def _write_once(
        self,
        marker: Marker | PreventionMarker,
        item: Item,
        previous: Marker | PreventionMarker | None,
        checks: list[Write],
    ) -> HandOff:
        """The hand-off both jobs share: the marker written (new, or in place of `previous`
        unchanged) in one transaction with `checks` and the space's ACTIVE check; on a refusal,
        which condition failed, read back (consistent reads)."""
        expected = NEW if previous is None else _unchanged(previous)
        checks = [*checks, active_space(marker.space_id)]
        if transact(self._store._conn(), [(item, expected)], checks=checks):
            return HandOff.HANDED
        stored = self._store._get_item(item.pk, item.sk)
        if stored is None:
            moved = previous is not None  # the previous one gone: another run's doing
        elif previous is None:
            moved = True
        else:
            moved = (stored.status, stored.version) != (previous.state.value, previous.attempts)
        if moved:
            return HandOff.ALREADY
        space = self._store._get_item(space_pk(marker.space_id), "SPACE")
        if space is None or space.status != SpaceStatus.ACTIVE.value:
            return HandOff.CLOSED
        return HandOff.STALE

    def get_marker(self, space_id: str, key: str) -> Marker | None:
        found = self._store._get_item(space_pk(space_id), f"{MARKER_PREFIX}{key}")
        return entity_of(Marker, found) if found is not None else None

    def settle(self, marker: Marker, handed: Marker) -> bool:
        return put_if(marker_item(marker), _unchanged(handed))

    def pending(self) -> Iterator[Marker]:
        for shard in range(PENDING_SHARDS):
            for item in Item.by_date.query(f"REMINDING#{shard}"):
                yield entity_of(Marker, item)

    # --- prevention (agenda.prevention_reminders)

    def born_on(self, day: date) -> Iterator[str]:
        for item in Item.by_date.query(born_key(day), attributes_to_get=["gsi1sk"]):
            yield str(item.gsi1sk)

    def prevention_cursor(self) -> date | None:
        found = self._store._get_item(*PREVENTION_CURSOR_KEY)
        return date.fromisoformat(json.loads(found.body)) if found is not None else None

    def advance_prevention_cursor(self, to: date) -> None:
        body = json.dumps(to.isoformat())
        put_if(Item(*PREVENTION_CURSOR_KEY, body=body), NEW | (Item.body < body))

    def get_prevention_marker(self, space_id: str, item_id: str) -> PreventionMarker | None:
        found = self._store._get_item(space_pk(space_id), MARKER_PREFIX + prevention_key(item_id))
        return entity_of(PreventionMarker, found) if found is not None else None

    def hand_off_prevention(
        self, marker: PreventionMarker, previous: PreventionMarker | None
    ) -> HandOff:
        return self._write_once(marker, prevention_marker_item(marker), previous, [])

    def settle_prevention(self, marker: PreventionMarker, handed: PreventionMarker) -> bool:
        return put_if(prevention_marker_item(marker), _unchanged(handed))
