"""The agenda's appointments on the health space table (the port of healthspace.agenda).

| item          | pk            | sk                           | gsi1pk         | gsi1sk          |
|---------------|---------------|------------------------------|----------------|------------------|
| appointment   | SPACE#<space> | APPT#<appt>                  | AGENDA#<space> | <start Z>#<appt> |
| start index   | SPACE#<space> | APPTSTART#<appt>             | STARTS#<slot>  | <space>#<appt>  |
| month's count | SPACE#<space> | COUNT#APPOINTMENTS#<yyyy-mm> |                |                 |
| feed          | SPACE#<space> | FEED                         |                |                 |
| feed's token  | FEED#<sha256> | FEED                         |                |                 |

An appointment is listed by its start (gsi1, `AGENDA#<space>`). Its start index item is what the
reminders' job reads, slot by slot (`STARTS#<slot>`, agenda.model.start_slot: the UTC 5-minute
slot of its start): its body is `{"space_id", "appointment_id", "start", "version"}` (`start` in
ISO 8601 UTC, `version` the appointment's, also top-level), present only while the appointment is
BOOKED, written, moved or deleted in the same transaction as the appointment, its access-log
entry and the check that the space is active. The month's count (`entries`, its month the one of
the start's wall time) is the cap's condition, in the same transaction. Everything is under the
space's partition: archived, restored and deleted with it.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from pynamodb.expressions.condition import Condition

from healthspace.adapters.dynamodb.items import Item, entity_of, item_of, log_item, space_pk
from healthspace.adapters.dynamodb.paging import decode_cursor, encode_cursor
from healthspace.adapters.dynamodb.table import DynamoStore
from healthspace.adapters.dynamodb.transactions import NEW, STALE, Update, Write, one_less, one_more
from healthspace.agenda.model import Appointment, AppointmentStatus, iso_z, start_slot
from healthspace.kernel.entity import Page
from healthspace.kernel.errors import BadRequest, LimitReached, PreconditionFailed
from healthspace.records.model import AccessLogEntry


def agenda_pk(space_id: str) -> str:
    return f"AGENDA#{space_id}"


def appointment_item(appointment: Appointment) -> Item:
    return item_of(
        space_pk(appointment.space_id),
        f"APPT#{appointment.appointment_id}",
        appointment,
        gsi1pk=agenda_pk(appointment.space_id),
        gsi1sk=f"{iso_z(appointment.start)}#{appointment.appointment_id}",
        version=appointment.version,
        status=appointment.status.value,
        booker=appointment.booked_by.id,
    )


def start_index_item(appointment: Appointment) -> Item:
    """What the reminders' job reads of a BOOKED appointment: where it is, when it starts, and
    at which version (an edit or a cancellation since makes the entry stale)."""
    body = {
        "space_id": appointment.space_id,
        "appointment_id": appointment.appointment_id,
        "start": iso_z(appointment.start),
        "version": appointment.version,
    }
    return Item(
        space_pk(appointment.space_id),
        f"APPTSTART#{appointment.appointment_id}",
        body=json.dumps(body),
        gsi1pk=f"STARTS#{start_slot(appointment.start)}",
        gsi1sk=f"{appointment.space_id}#{appointment.appointment_id}",
        version=appointment.version,
    )


def month_count_item(appointment: Appointment) -> Item:
    month = appointment.start_local.strftime("%Y-%m")
    return Item(space_pk(appointment.space_id), f"COUNT#APPOINTMENTS#{month}", body="{}")


def month_full(max_per_month: int) -> LimitReached:
    return LimitReached(
        f"at most {max_per_month} appointments may start in one month: cancel none, but choose "
        "another month, or remove what no longer matters"
    )


class DynamoAppointments:
    """Built on the same table binding as DynamoStore (its transactions and space check)."""

    def __init__(self, store: DynamoStore) -> None:
        self._store = store

    def get_appointment(self, space_id: str, appointment_id: str) -> Appointment | None:
        return self._store._get(Appointment, space_pk(space_id), f"APPT#{appointment_id}")

    def save_appointment(
        self,
        appointment: Appointment,
        previous: Appointment | None,
        audit: AccessLogEntry,
        max_per_month: int,
    ) -> None:
        expected = NEW if previous is None else Item.version == previous.version
        saves: list[Write] = [(appointment_item(appointment), expected), (log_item(audit), NEW)]
        deletes: list[Write] = []
        # One operation per item in a transaction: the start index is put (moved) or deleted.
        if appointment.booked:
            saves.append((start_index_item(appointment), None))
        elif previous is not None and previous.booked:
            deletes.append((start_index_item(previous), None))
        counted: list[Update] = []
        month = month_count_item(appointment)
        if previous is None:
            counted.append(one_more(month, max_per_month))
        elif month.sk != month_count_item(previous).sk:
            counted += [one_more(month, max_per_month), one_less(month_count_item(previous))]
        if self._store._in_space(appointment.space_id, saves, deletes=deletes, updates=counted):
            return
        # Which condition failed: another writer changed the appointment, or the month is full.
        if previous is not None:
            stored = self._store._get_item(
                space_pk(appointment.space_id), f"APPT#{appointment.appointment_id}"
            )
            if stored is None or stored.version != previous.version:
                raise PreconditionFailed(STALE)
        raise month_full(max_per_month)

    def list_appointments(
        self,
        space_id: str,
        start_from: datetime,
        start_to: datetime,
        limit: int,
        cursor: str | None,
        booked_by: str | None = None,
    ) -> Page[Appointment]:
        partition = agenda_pk(space_id)
        low, high = iso_z(start_from), iso_z(start_to)
        start = decode_cursor(
            cursor, ("gsi1pk", partition), pk=space_pk(space_id), sk="APPT#", gsi1sk=""
        )
        if start is not None and not low <= start["gsi1sk"]["S"] <= high:
            raise BadRequest("cursor is not valid for this range")  # another range's cursor
        return _one_request(
            partition,
            Item.gsi1sk.between(low, high),  # "<start>#<id>": a start equal to `to` is after it
            (Item.booker == booked_by) if booked_by else None,
            limit,
            start,
        )

    def booked_between(
        self, space_id: str, start_from: datetime, start_to: datetime, limit: int
    ) -> list[Appointment]:
        return _one_request(
            agenda_pk(space_id),
            Item.gsi1sk.between(iso_z(start_from), iso_z(start_to)),
            Item.status == AppointmentStatus.BOOKED.value,
            limit,
        ).items


def _one_request(
    partition: str,
    range_condition: Condition,
    filter_condition: Condition | None,
    limit: int,
    start: dict[str, Any] | None = None,
) -> Page[Appointment]:
    """One Query of the agenda's index reading at most `limit` items, earliest first: with a
    filter, the page may be short (even empty) and still have a next cursor, but its cost is
    bounded (PynamoDB's own `limit` would read on until it found `limit` matches)."""
    pages = Item.by_date.query(
        partition,
        range_condition,
        filter_condition=filter_condition,
        page_size=limit,
        last_evaluated_key=start,
    ).page_iter
    answer: dict[str, Any] = next(iter(pages), {})
    items = [entity_of(Appointment, Item.from_raw_data(raw)) for raw in answer.get("Items", [])]
    return Page[Appointment](items=items, next_cursor=encode_cursor(answer.get("LastEvaluatedKey")))
