"""The prevention calendar's shapes: what one item of the published calendar says (its ages or
its rhythm, whom it concerns, its source), and what a holder's calendar answers for it (its
window in dates, its state today, the status the patient set).

Ages are read as the texts write them, one rule for all (`Age.on`, kernel.dates.months_after):
- "à 2 mois", "à 25 ans": while the person is that old, from the day they reach it to the eve
  of the next month or year of age: [2 months, 3 months), [25 years, 26 years);
- "au cours du neuvième mois", "au cours de la troisième année": the ninth month (third year)
  of life, from 8 months (2 years) to the eve of 9 months (3 years);
- "entre 16 et 18 mois", "de 50 à 74 ans": both ends counted in whole months or years, from 16
  months to the eve of 19 months, from 50 years to the eve of 75;
- "dans les huit jours qui suivent la naissance": from birth to the eighth day after it;
  "au cours de la deuxième semaine": from the seventh day after birth to the thirteenth.
A window is stored as ages [start, end); it is answered as dates, its last day included.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field, model_validator

from healthspace.kernel.dates import months_after
from healthspace.kernel.entity import Entity
from healthspace.records.model import Author

Sex = Literal["F", "M"]  # as the INS writes it (kernel.identifiers.sex_of)

# An item's id as URLs carry it: `exam-9th-month`, `screening-breast-3`.
ITEM_ID_PATTERN = r"^[a-z0-9]+(?:-[a-z0-9]+){0,7}$"
ItemId = Annotated[str, Field(pattern=ITEM_ID_PATTERN, max_length=48)]


class Kind(StrEnum):
    EXAMINATION = "EXAMINATION"  # the child's mandatory examinations
    VACCINATION = "VACCINATION"
    SCREENING = "SCREENING"  # the organised cancer screenings
    CHECKUP = "CHECKUP"  # "Mon bilan prévention"


@dataclass(frozen=True)
class Age:
    years: int = 0
    months: int = 0
    days: int = 0

    def on(self, day: date) -> date:
        """The day someone born on `day` reaches this age (or: this long after `day`)."""
        return months_after(day, 12 * self.years + self.months) + timedelta(days=self.days)


@dataclass(frozen=True)
class Source:
    """Where a rule is published: the text, its year (of the version we follow), its address."""

    title: str
    year: int
    url: str | None = None


@dataclass(frozen=True)
class Step:
    """One occurrence of a definition: when it opens (`after` the previous occurrence: its done
    date if it was done, else its opening day; the definition's `at`, an age, for the first),
    and when it closes: `span` after it opens, or on reaching the age `end` (ages count from
    birth, never from another age). `not_before`: it opens no earlier than that age; `before`:
    a step that would open at that age or later is skipped (the cytologies of 25 to 29 give way
    to HPV tests at 30). `label` names what it is (a series may change test on the way)."""

    label: str
    span: Age = Age()
    end: Age | None = None
    after: Age = Age()
    not_before: Age = Age()
    before: Age | None = None


@dataclass(frozen=True)
class Definition:
    """An item of the published calendar. A one-step definition is one item, its id the
    definition's; with several steps, or `repeat` (the last step comes back until the holder
    reaches `until`), its occurrences are `<id>-1`, `<id>-2`... in order. `rule` is the
    calendar's own words; `family` ties a vaccination to the vaccines the profile names
    (healthspace.agenda.prevention.vaccines); `dose`: which dose of a vaccine a one-time item is
    (a series counts its own)."""

    definition_id: str
    kind: Kind
    at: Age
    steps: tuple[Step, ...]
    rule: str
    source: Source
    until: Age | None = None
    repeat: bool = False
    sex: Sex | None = None
    family: str | None = None
    dose: int | None = None

    @property
    def single(self) -> bool:
        return len(self.steps) == 1 and not self.repeat


def item(
    definition_id: str,
    kind: Kind,
    start: Age,
    end: Age,
    rule: str,
    source: Source,
    *,
    label: str | None = None,
    sex: Sex | None = None,
    family: str | None = None,
    dose: int | None = None,
) -> Definition:
    """A one-time item: its window from the age `start` to the eve of the age `end`."""
    step = Step(label or definition_id, end=end)
    return Definition(
        definition_id, kind, start, (step,), rule, source, sex=sex, family=family, dose=dose
    )


class Status(StrEnum):
    TO_PLAN = "TO_PLAN"  # nothing said yet (every item starts so)
    PLANNED = "PLANNED"  # an appointment of the agenda is booked for it
    DONE = "DONE"  # done, on a date
    NOT_DONE = "NOT_DONE"  # the patient says it was not done and will not be


class State(StrEnum):
    """Where today stands against the item's window."""

    UPCOMING = "UPCOMING"
    DUE = "DUE"
    PAST = "PAST"


class ItemStatus(Entity):
    """What the patient said of one item (SPACE#<space>/PREVENTION#<item_id>). Version 0 is an
    item nobody set yet: its first write is conditioned on its absence."""

    private = frozenset({"space_id"})
    space_id: str
    item_id: ItemId
    status: Status
    version: int
    updated_at: datetime
    updated_by: Author
    appointment_id: str | None = None
    done_on: date | None = None

    @model_validator(mode="after")
    def _consistent(self) -> ItemStatus:
        if (self.status is Status.PLANNED) != (self.appointment_id is not None):
            raise ValueError("appointment_id goes with PLANNED, and only with it")
        if (self.status is Status.DONE) != (self.done_on is not None):
            raise ValueError("done_on goes with DONE, and only with it")
        return self


@dataclass(frozen=True)
class Occurrence:
    """One item of a holder's calendar, in dates: its window [start, end) and what it is."""

    item_id: str
    definition: Definition
    step: Step
    number: int | None  # its place in a series; None for a one-time item
    start: date
    end: date  # the first day after the window

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def state(self, today: date) -> State:
        if today < self.start:
            return State.UPCOMING
        return State.DUE if today < self.end else State.PAST


@dataclass(frozen=True)
class Evidence:
    """A vaccination of the medical profile that fills an item: its entry and date."""

    entry_id: str
    on: date


@dataclass(frozen=True)
class DueItem:
    """One item of the holder's calendar as the patient reads it."""

    occurrence: Occurrence
    state: State
    status: Status
    version: int
    appointment_id: str | None = None
    done_on: date | None = None
    evidence: Evidence | None = None

    @property
    def item_id(self) -> str:
        return self.occurrence.item_id

    def to_api(self) -> dict[str, object]:
        occurrence, definition = self.occurrence, self.occurrence.definition
        source = definition.source
        return {
            "item_id": occurrence.item_id,
            "definition": definition.definition_id,
            "label": occurrence.step.label,
            "number": occurrence.number if occurrence.number is not None else definition.dose,
            "kind": definition.kind.value,
            "sex": definition.sex,
            "window": {"from": occurrence.start.isoformat(), "to": occurrence.last_day.isoformat()},
            "state": self.state.value,
            "status": self.status.value,
            "version": self.version,
            "appointment_id": self.appointment_id,
            "done_on": self.done_on.isoformat() if self.done_on else None,
            "profile_entry_id": self.evidence.entry_id if self.evidence else None,
            "rule": definition.rule,
            "source": {"title": source.title, "year": source.year, "url": source.url},
        }
