"""The prevention calendar of a space, as its holder or a representative reads and marks it.

The calendar is computed on each read from the holder's birth date and sex (as their INS writes
it), the statuses the patient set, and the vaccinations of the medical profile the reader sees:
nothing computed is stored, so that a correction of the catalogue or of a date shows at once.
Only the patient's statuses are items (PREVENTION#<item_id>), archived and deleted with the
space as all its items are.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Final
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from healthspace.agenda.prevention.due import Vaccination, holder_calendar
from healthspace.agenda.prevention.model import DueItem, ItemStatus, Sex, Status
from healthspace.agenda.prevention.ports import AppointmentLookup, PreventionStore
from healthspace.kernel.clock import Clock
from healthspace.kernel.dates import latest_day
from healthspace.kernel.entity import MAX_PAGE, Page, page_size
from healthspace.kernel.errors import (
    BadRequest,
    NotFound,
    PreconditionFailed,
    describe_validation_error,
)
from healthspace.kernel.identifiers import sex_of
from healthspace.records.access import Access, entry_facts
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action
from healthspace.records.ports import ProfileStore, SpaceStore
from healthspace.records.sections import MAX_ENTRIES

OBJECT_TYPE: Final = "agenda/prevention"
# "Today" for the windows: the day in metropolitan France. Overseas, an edge may show a few
# hours early or late; a window counts in days.
TODAY_ZONE: Final = ZoneInfo("Europe/Paris")
_CURSOR = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})\.([a-z0-9-]{1,48})")
_VACCINATIONS = "vaccinations"


@dataclass(frozen=True)
class Holder:
    birth_date: date
    sex: Sex


@dataclass(eq=False)
class PreventionCalendar:
    store: PreventionStore
    spaces: SpaceStore
    profile: ProfileStore
    appointments: AppointmentLookup
    log: AccessLog
    clock: Clock

    def read(
        self,
        access: Access,
        *,
        start: date | None = None,
        end: date | None = None,
        limit: int = MAX_PAGE,
        cursor: str | None = None,
    ) -> Page[DueItem]:
        """The holder's items, in the order their windows open, those whose window meets
        [start, end] when given (both days included), a page at a time."""
        if start is not None and end is not None and end < start:
            raise BadRequest("to cannot be before from")
        after = _after(cursor)
        items = [
            i
            for i in self._items(access)
            if (start is None or i.occurrence.last_day >= start)
            and (end is None or i.occurrence.start <= end)
            and (after is None or _key(i) > after)
        ]
        size = page_size(limit)
        more = len(items) > size
        page = items[:size]
        self.log.trace(access, Action.READ, OBJECT_TYPE)
        return Page(
            items=page, next_cursor=f"{_key(page[-1])[0]}.{_key(page[-1])[1]}" if more else None
        )

    def set_status(
        self,
        access: Access,
        item_id: str,
        status: Status,
        expected_version: int,
        *,
        appointment_id: str | None = None,
        done_on: date | None = None,
    ) -> DueItem:
        """Mark one item: TO_PLAN, PLANNED with an appointment of this space's agenda, DONE
        on a day between the holder's birth and today, or NOT_DONE. The version is the one
        read (0 for an item never marked)."""
        now = self.clock.now()
        try:
            marked = ItemStatus(
                space_id=access.space_id,
                item_id=item_id,
                status=status,
                version=expected_version + 1,
                updated_at=now,
                updated_by=access.caller.as_author,
                appointment_id=appointment_id,
                done_on=done_on,
            )
        except ValidationError as exc:
            raise BadRequest(describe_validation_error(exc, whole=None)) from None
        holder = self._holder(access.space_id)
        if done_on is not None and not holder.birth_date <= done_on <= latest_day(now):
            raise BadRequest("done_on must be between the birth date and today")
        stored = {s.item_id: s for s in self.store.list_prevention(access.space_id)}
        vaccinations = list(self._vaccinations(access))
        if not any(i.item_id == item_id for i in _compute(holder, stored, vaccinations, now)):
            raise NotFound("this item is not in this person's prevention calendar")
        current = stored.get(item_id)
        if (current.version if current else 0) != expected_version:
            raise PreconditionFailed("this item changed since you read it: read it again")
        if appointment_id is not None and not self.appointments.appointment_exists(
            access.space_id, appointment_id
        ):
            raise BadRequest("appointment_id names no appointment of this agenda")
        audit = self.log.entry(access, Action.UPDATE, OBJECT_TYPE, item_id)
        self.store.put_prevention(marked, expected_version, audit)
        stored[item_id] = marked
        return next(i for i in _compute(holder, stored, vaccinations, now) if i.item_id == item_id)

    def _items(self, access: Access) -> list[DueItem]:
        holder = self._holder(access.space_id)
        stored = {s.item_id: s for s in self.store.list_prevention(access.space_id)}
        return _compute(holder, stored, list(self._vaccinations(access)), self.clock.now())

    def _holder(self, space_id: str) -> Holder:
        space = self.spaces.get_space(space_id)
        if space is None:
            raise NotFound("health space not found")
        return Holder(space.holder.birth_date, sex_of(space.holder_ins))

    def _vaccinations(self, access: Access) -> Iterator[Vaccination]:
        """The profile's vaccinations this reader sees (a minor's secret ones fill nothing for
        their representatives: the calendar must not tell what the profile hides). A section
        holds MAX_ENTRIES at most: a few pages."""
        now = self.clock.now()
        cursor: str | None = None
        for _ in range(MAX_ENTRIES[_VACCINATIONS] // MAX_PAGE + 1):
            page = self.profile.list_profile(access.space_id, _VACCINATIONS, MAX_PAGE, cursor)
            for entry in page.items:
                if not access.sees(entry_facts(entry), now):
                    continue
                vaccine, given = entry.fields.get("vaccine"), entry.fields.get("date")
                if isinstance(vaccine, str) and isinstance(given, str):
                    yield Vaccination(entry.entry_id, vaccine, date.fromisoformat(given))
            cursor = page.next_cursor
            if cursor is None:
                return


def _compute(
    holder: Holder,
    stored: dict[str, ItemStatus],
    vaccinations: list[Vaccination],
    now: datetime,
) -> list[DueItem]:
    """The holder's items with their state today and their status: a vaccination of the
    profile makes its item DONE on its date, whatever the patient said but their own DONE
    (their date stays)."""
    done = {
        item_id: s.done_on
        for item_id, s in stored.items()
        if s.status is Status.DONE and s.done_on is not None
    }
    occurrences, evidence = holder_calendar(holder.birth_date, holder.sex, done, vaccinations)
    today = now.astimezone(TODAY_ZONE).date()
    items = []
    for occurrence in occurrences:
        mark = stored.get(occurrence.item_id)
        proof = evidence.get(occurrence.item_id)
        status = mark.status if mark else Status.TO_PLAN
        items.append(
            DueItem(
                occurrence=occurrence,
                state=occurrence.state(today),
                status=Status.DONE if proof else status,
                version=mark.version if mark else 0,
                appointment_id=mark.appointment_id if mark and not proof else None,
                done_on=proof.on if proof else (mark.done_on if mark else None),
                evidence=proof,
            )
        )
    return items


def _key(item: DueItem) -> tuple[str, str]:
    return item.occurrence.start.isoformat(), item.item_id


def _after(cursor: str | None) -> tuple[str, str] | None:
    """The last item of the previous page, as its cursor names it."""
    if cursor is None:
        return None
    found = _CURSOR.fullmatch(cursor)
    if found is None:
        raise BadRequest("cursor is not valid")
    try:
        datetime.strptime(found.group(1), "%Y-%m-%d")
    except ValueError:
        raise BadRequest("cursor is not valid") from None
    return found.group(1), found.group(2)
