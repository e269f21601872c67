"""The EnrollmentStore port on the health space table (see adapters/dynamodb.py for the keys)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from pynamodb.exceptions import DoesNotExist, PutError, UpdateError
from pynamodb.expressions.condition import Condition

from healthspace.adapters.dynamodb.items import Item, grant_item, item_of, space_item
from healthspace.adapters.dynamodb.paging import decode_cursor, encode_cursor
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, Write, put_if, transact
from healthspace.enrollment.model import (
    Enrollment,
    EnrollmentLogEntry,
    Wave,
    WaveCounts,
    WaveStatus,
)
from healthspace.kernel.entity import Page
from healthspace.records.model import Role, Space

# A wave's counters are spread over shards, each its own partition: millions of people notified
# the same day would otherwise all write one partition, beyond its 1,000 writes/s.
COUNTER_SHARDS = 32


def _counter_key(wave_id: str, shard: int) -> str:
    return f"WAVE#{wave_id}#COUNTS#{shard:02d}"


def _counter_shard(wave_id: str) -> Item:
    """Any shard: they are summed when read."""
    return Item(_counter_key(wave_id, random.randrange(COUNTER_SHARDS)), "COUNTS")  # noqa: S311


_COUNTERS = tuple(WaveCounts.model_fields)


def _enrollment_item(enrollment: Enrollment) -> Item:
    return item_of(
        f"ENROLL#{enrollment.ins}",
        "ENROLL",
        enrollment,
        status=enrollment.status.value,
        version=enrollment.version,
    )


def enrollment_log_item(entry: EnrollmentLogEntry) -> Item:
    # The action rides in `category`: the accounts function's stream filter keeps ACTIVATED.
    return item_of(f"ENROLL#{entry.ins}", f"LOG#{entry.entry_id}", entry, category=entry.action)


def _wave_item(wave: Wave) -> Item:
    return item_of(
        f"WAVE#{wave.wave_id}",
        "WAVE",
        wave,
        status=wave.status.value,
        gsi1pk="WAVES",
        gsi1sk=wave.created_at.isoformat(),
    )


class DynamoEnrollmentStore:
    """Built on the same table binding as DynamoStore (it shares its connection)."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    @staticmethod
    def _unchanged_since(version: int) -> Condition:
        """Every change of an enrollment raises its version: an unchanged version means the
        status the domain read (PENDING, OPPOSED) still holds."""
        return Item.version == version

    # --- enrollments

    def create_enrollment(self, enrollment: Enrollment, log: EnrollmentLogEntry) -> bool:
        return transact(
            self._store._conn(),
            [(_enrollment_item(enrollment), NEW), (enrollment_log_item(log), NEW)],
        )

    def mark_notified(self, enrollment: Enrollment, expected_version: int) -> bool:
        return transact(
            self._store._conn(),
            [(_enrollment_item(enrollment), self._unchanged_since(expected_version))],
            updates=[(_counter_shard(enrollment.wave_id), [Item.notified.add(1)], None)],
        )

    def get_enrollment(self, ins: str) -> Enrollment | None:
        try:
            item = Item.get(f"ENROLL#{ins}", "ENROLL", consistent_read=True)
        except DoesNotExist:
            return None
        return Enrollment.model_validate_json(item.body)

    def update_enrollment(
        self, enrollment: Enrollment, expected_version: int, log: EnrollmentLogEntry
    ) -> bool:
        return transact(
            self._store._conn(),
            [
                (_enrollment_item(enrollment), self._unchanged_since(expected_version)),
                (enrollment_log_item(log), NEW),
            ],
        )

    def activate_enrollment(
        self,
        enrollment: Enrollment,
        expected_version: int,
        space: Space,
        grants: Sequence[tuple[str, Role]],
        log: EnrollmentLogEntry,
    ) -> bool:
        saves: list[Write] = [
            (_enrollment_item(enrollment), self._unchanged_since(expected_version)),
            (space_item(space), NEW),
            *((grant_item(ins, space.space_id, role), None) for ins, role in grants),
            (enrollment_log_item(log), NEW),
        ]
        return transact(self._store._conn(), saves)

    # --- failed attempts

    def take_attempt(self, key: str, now: datetime, window: timedelta, limit: int) -> bool:
        item = Item(f"ATTEMPTS#{key}", "ATTEMPTS", body="{}")
        live = Item.expires_at > now
        for _ in range(2):  # a concurrent first attempt may start the window between the steps
            try:  # a live window with room: one conditional ADD
                item.update(
                    actions=[Item.attempts.add(1), Item.expires_at.set(now + window)],
                    condition=live & (Item.attempts < limit),
                )
                return True
            except UpdateError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
            try:  # no live window (none yet, or lapsed: DynamoDB's TTL sweep may lag hours)
                item.attempts, item.expires_at = 1, now + window
                item.save(condition=Item.pk.does_not_exist() | (Item.expires_at <= now))
                return True
            except PutError as exc:
                if exc.cause_response_code != "ConditionalCheckFailedException":
                    raise
        return False  # a live window at the limit: locked

    def give_back_attempt(self, key: str) -> None:
        item = Item(f"ATTEMPTS#{key}", "ATTEMPTS", body="{}")
        try:
            item.update(actions=[Item.attempts.add(-1)], condition=Item.attempts > 0)
        except UpdateError as exc:
            if exc.cause_response_code != "ConditionalCheckFailedException":
                raise

    # --- waves

    def get_wave(self, wave_id: str) -> Wave | None:
        try:
            return Wave.model_validate_json(Item.get(f"WAVE#{wave_id}", "WAVE").body)
        except DoesNotExist:
            return None

    def create_wave(self, wave: Wave) -> bool:
        return put_if(_wave_item(wave), NEW)

    def set_wave_status(self, wave_id: str, status: WaveStatus) -> None:
        wave = self.get_wave(wave_id)
        if wave is not None and wave.status is not status:
            _wave_item(wave.model_copy(update={"status": status})).save()

    def add_to_wave(self, wave_id: str, **counts: int) -> None:
        _counter_shard(wave_id).update(
            actions=[getattr(Item, name).add(n) for name, n in counts.items() if n]
        )

    def wave_counts(self, wave_id: str) -> WaveCounts:
        totals = dict.fromkeys(_COUNTERS, 0)
        keys = [(_counter_key(wave_id, n), "COUNTS") for n in range(COUNTER_SHARDS)]
        for shard in Item.batch_get(keys):
            for name in _COUNTERS:
                totals[name] += int(getattr(shard, name) or 0)
        return WaveCounts(**totals)

    def list_waves(self, limit: int, cursor: str | None = None) -> Page[Wave]:
        start = decode_cursor(cursor, ("gsi1pk", "WAVES"), pk="WAVE#", sk="WAVE", gsi1sk="")
        results = Item.by_date.query(
            "WAVES",
            scan_index_forward=False,
            limit=limit,
            page_size=limit,
            last_evaluated_key=start,
        )
        waves = [Wave.model_validate_json(item.body) for item in results]
        return Page[Wave](items=waves, next_cursor=encode_cursor(results.last_evaluated_key))
