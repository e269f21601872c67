"""The appointments' use cases: the patient's side adds, edits and cancels its own; a
professional of the care team books one (under the care rules, as a document is added) and the
patient declines it. Overlaps are shown, never refused. Every read and write is traced in the
space's access history (an appointment with an oncologist says something)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from healthspace.agenda.model import Appointment, AppointmentStatus, instant
from healthspace.agenda.ports import AppointmentStore
from healthspace.directory.lookup import Directory
from healthspace.directory.model import ProfessionalName
from healthspace.kernel.clock import Clock, IdGenerator
from healthspace.kernel.entity import Page, page_size
from healthspace.kernel.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    NotFound,
    PreconditionFailed,
)
from healthspace.records.access import Access
from healthspace.records.access_log import AccessLog
from healthspace.records.model import Action, ActorKind, Category, Role

APPOINTMENT_OBJECT = "agenda/appointment"
# An appointment is a consultation, an examination, a session: not a stay. The bound keeps the
# search for a page's overlaps to a window of its own (MAX_DURATION before its first start).
MAX_DURATION = timedelta(hours=12)
# The widest range one list reads: a year and a bit, so that a year's view is one query.
MAX_RANGE = timedelta(days=400)
DEFAULT_RANGE = timedelta(days=90)
# What a space holds: at most this many appointments start in one calendar month (every status
# counted: adding and cancelling in a loop fills a month, not the table), and none further than
# YEARS_AROUND years from today either way. Dialysis three times a week is 13 a month.
MAX_PER_MONTH = 60
YEARS_AROUND = 10
# The most overlapping candidates read for one page (a page holds MAX_PAGE appointments).
MAX_OVERLAP_READ = 300


@dataclass(frozen=True)
class AppointmentFacts:
    """What a writer says of an appointment (the API's body, validated for shape): the
    professional by RPPS (from the directory) or by name, or a facility."""

    start_local: datetime
    end_local: datetime
    time_zone: str
    professional_rpps: str | None = None
    professional_name: str | None = None
    facility: str | None = None
    place: str | None = None
    reason: str | None = None
    notes: str | None = None
    prevention_item: str | None = None

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}


@dataclass(frozen=True)
class Listed:
    """An appointment as a list shows it: with the ids of the BOOKED ones it overlaps, and the
    professional it names by RPPS as the directory names them (never a bare number)."""

    appointment: Appointment
    overlaps: tuple[str, ...]
    professional: ProfessionalName | None = None

    def to_api(self) -> dict[str, Any]:
        named = {"professional": self.professional.to_api()} if self.professional else {}
        return {**self.appointment.to_api(), "overlaps": list(self.overlaps), **named}


@dataclass(eq=False)
class Appointments:
    store: AppointmentStore
    log: AccessLog
    clock: Clock
    ids: IdGenerator
    directory: Directory | None = None
    max_per_month: int = MAX_PER_MONTH

    # --- reads

    def in_range(
        self,
        access: Access,
        start_from: datetime | None,
        start_to: datetime | None,
        limit: int,
        cursor: str | None,
    ) -> Page[Listed]:
        """The appointments starting in [start_from, start_to), earliest first, each with its
        overlaps; by default from now, for DEFAULT_RANGE. A professional sees only those they
        booked."""
        start_from = start_from or self.clock.now()
        start_to = start_to or start_from + DEFAULT_RANGE
        if start_to <= start_from:
            raise BadRequest("to must be after from")
        if start_to - start_from > MAX_RANGE:
            raise BadRequest(f"from and to may be at most {MAX_RANGE.days} days apart")
        mine = access.caller.as_author.id if access.role is Role.PROFESSIONAL else None
        page = self.store.list_appointments(
            access.space_id, start_from, start_to, page_size(limit), cursor, booked_by=mine
        )
        self.log.trace(access, Action.READ, APPOINTMENT_OBJECT)
        return Page[Listed](items=self._listed(page.items), next_cursor=page.next_cursor)

    def get(self, access: Access, appointment_id: str) -> Listed:
        found = self._find(access, appointment_id)
        self.log.trace(access, Action.READ, APPOINTMENT_OBJECT, appointment_id)
        return self._listed([found])[0]

    # --- writes

    def add(self, access: Access, facts: AppointmentFacts) -> Listed:
        """A new BOOKED appointment, booked by the caller: the patient's side, or a
        professional whom the care rules let add a report to this file (as for documents:
        not under break-glass, not past their consent's scope)."""
        now = self.clock.now()
        if access.role is Role.PROFESSIONAL:
            access.deposit(Category.REPORTS, now, hold=False, confidential=False)
        checked = self._checked(facts, now)
        appointment = Appointment(
            space_id=access.space_id,
            appointment_id=self.ids.new_id(),
            version=1,
            created_at=now,
            updated_at=now,
            status=AppointmentStatus.BOOKED,
            booked_by=access.caller.as_author,
            **checked.fields(),
        )
        entry = self.log.entry(
            access, Action.CREATE, APPOINTMENT_OBJECT, appointment.appointment_id
        )
        self.store.save_appointment(appointment, None, entry, self.max_per_month)
        return self._listed([appointment])[0]

    def edit(
        self, access: Access, appointment_id: str, facts: AppointmentFacts, expected_version: int
    ) -> Listed:
        """Replace what the appointment says (If-Match). Only a BOOKED appointment changes."""
        current = self._changeable(access, appointment_id, expected_version)
        checked = self._checked(facts, self.clock.now())
        changed = self._next(current, **checked.fields())
        self._save(access, changed, current, Action.UPDATE)
        return self._listed([changed])[0]

    def cancel(
        self, access: Access, appointment_id: str, expected_version: int | None
    ) -> Appointment:
        """Cancelled, and kept as such (the history and the calendar feed show it so)."""
        current = self._changeable(access, appointment_id, expected_version)
        cancelled = self._next(current, status=AppointmentStatus.CANCELLED)
        self._save(access, cancelled, current, Action.DELETE)
        return cancelled

    def decline(
        self, access: Access, appointment_id: str, expected_version: int | None
    ) -> Appointment:
        """The patient's side declines an appointment a professional booked in their agenda."""
        current = self._changeable(access, appointment_id, expected_version)
        if current.booked_by.kind is not ActorKind.PROFESSIONAL:
            raise Conflict("only an appointment a professional booked can be declined: cancel it")
        declined = self._next(current, status=AppointmentStatus.DECLINED)
        self._save(access, declined, current, Action.UPDATE)
        return declined

    # --- helpers

    def _find(self, access: Access, appointment_id: str) -> Appointment:
        found = self.store.get_appointment(access.space_id, appointment_id)
        if found is None or not _sees(access, found):
            raise NotFound("appointment not found")
        return found

    def _changeable(
        self, access: Access, appointment_id: str, expected_version: int | None
    ) -> Appointment:
        if access.role is Role.PROFESSIONAL:
            raise Forbidden("professionals book appointments; changing them is the patient's")
        current = self._find(access, appointment_id)
        if expected_version is not None and expected_version != current.version:
            raise PreconditionFailed("this appointment was changed since you read it: reload it")
        if not current.booked:
            raise Conflict(f"this appointment is {current.status.value.lower()}: it stays so")
        return current

    def _next(self, current: Appointment, **changes: Any) -> Appointment:
        return current.model_copy(
            update={**changes, "version": current.version + 1, "updated_at": self.clock.now()}
        )

    def _save(
        self, access: Access, changed: Appointment, current: Appointment, action: Action
    ) -> None:
        entry = self.log.entry(access, action, APPOINTMENT_OBJECT, changed.appointment_id)
        self.store.save_appointment(changed, current, entry, self.max_per_month)

    def _checked(self, facts: AppointmentFacts, now: datetime) -> AppointmentFacts:
        """The facts, checked beyond their shape: times that exist in their zone, an end after
        the start within MAX_DURATION, a start within YEARS_AROUND years, a professional the
        directory knows when named by RPPS, someone or somewhere to see."""
        start = instant(facts.start_local, facts.time_zone)
        end = instant(facts.end_local, facts.time_zone)
        if end <= start:
            raise BadRequest("end must be after start")
        if end - start > MAX_DURATION:
            raise BadRequest("an appointment lasts at most 12 hours")
        if abs(start - now) > timedelta(days=365 * YEARS_AROUND):
            raise BadRequest(f"start must be within {YEARS_AROUND} years of today")
        if not (facts.professional_rpps or facts.professional_name or facts.facility):
            raise BadRequest("say whom you see: a professional or a facility")
        if facts.professional_rpps and facts.professional_name:
            raise BadRequest("name the professional by RPPS or by name, not both")
        named = facts.professional_rpps
        if named and self.directory is not None and self.directory.find(named) is None:
            raise BadRequest("no professional with this RPPS in the directory")
        return AppointmentFacts(
            **{
                **facts.fields(),
                "start_local": facts.start_local.replace(second=0, microsecond=0, tzinfo=None),
                "end_local": facts.end_local.replace(second=0, microsecond=0, tzinfo=None),
            }
        )

    def _listed(self, appointments: Sequence[Appointment]) -> list[Listed]:
        """The appointments with their overlaps and the professionals they name by RPPS (one
        batch read of the directory for a page)."""
        numbers = {a.professional_rpps for a in appointments if a.professional_rpps}
        names = self.directory.names(numbers) if self.directory and numbers else {}
        return [
            Listed(a, tuple(o), names.get(a.professional_rpps or ""))
            for a, o in zip(appointments, self._overlaps(appointments), strict=True)
        ]

    def _overlaps(self, appointments: Sequence[Appointment]) -> list[list[str]]:
        """For each appointment, the BOOKED ones (itself aside) whose time meets its own: read
        in one query over the window the appointments span, widened by MAX_DURATION."""
        booked = [a for a in appointments if a.booked]
        if not booked:
            return [[] for _ in appointments]
        low = min(a.start for a in booked) - MAX_DURATION
        high = max(a.end for a in booked)
        space_id = booked[0].space_id
        others = self.store.booked_between(space_id, low, high, MAX_OVERLAP_READ)
        return [
            [
                o.appointment_id
                for o in others
                if a.booked
                and o.appointment_id != a.appointment_id
                and o.start < a.end
                and a.start < o.end
            ]
            for a in appointments
        ]


def _sees(access: Access, appointment: Appointment) -> bool:
    """The patient's side sees every appointment of its agenda; a professional, only those
    they booked."""
    if access.role is Role.PROFESSIONAL:
        return appointment.booked_by.id == access.caller.as_author.id
    return True
