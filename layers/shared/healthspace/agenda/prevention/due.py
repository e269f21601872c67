"""A holder's calendar, computed: the items of the catalogue that concern them (by sex, where
an item depends on it), in dates from their birth date, with the dates the patient or the
profile gave for what was done (a series' next occurrence counts from them)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from healthspace.agenda.prevention.catalogue import CATALOGUE
from healthspace.agenda.prevention.model import Definition, Evidence, Occurrence, Sex
from healthspace.agenda.prevention.vaccines import family_of, target

# More occurrences than any series of the catalogue has (the breast screenings, 13): a guard
# against a definition that would never end.
MAX_OCCURRENCES = 40


@dataclass(frozen=True)
class Vaccination:
    """A vaccination of the medical profile, as the calendar reads it."""

    entry_id: str
    vaccine: str
    given_on: date


def occurrences(
    definition: Definition, birth: date, sex: Sex, done: Mapping[str, date]
) -> list[Occurrence]:
    """The definition's items for someone born on `birth`: none if it concerns the other sex;
    a series' occurrences in order, each opening `after` the previous one's done date (or its
    opening day, when nothing says it was done), until the series' last age."""
    if definition.sex is not None and definition.sex != sex:
        return []
    return list(_walk(definition, birth, done))


def _walk(definition: Definition, birth: date, done: Mapping[str, date]) -> Iterator[Occurrence]:
    first = definition.at.on(birth)
    limit = definition.until.on(birth) if definition.until else None
    anchor: date | None = None
    number, index = 0, 0
    while number < MAX_OCCURRENCES:
        if index >= len(definition.steps) and not definition.repeat:
            return
        step = definition.steps[min(index, len(definition.steps) - 1)]
        index += 1
        start = max(first, step.not_before.on(birth))
        if anchor is not None:
            start = max(start, step.after.on(anchor))
        if step.before is not None and start >= step.before.on(birth):
            continue
        if limit is not None and start >= limit:
            return
        number += 1
        item_id = (
            definition.definition_id
            if definition.single
            else f"{definition.definition_id}-{number}"
        )
        end = step.end.on(birth) if step.end is not None else step.span.on(start)
        yield Occurrence(
            item_id=item_id,
            definition=definition,
            step=step,
            number=None if definition.single else number,
            start=start,
            end=min(end, limit) if limit is not None else end,
        )
        anchor = done.get(item_id, start)


def holder_calendar(
    birth: date,
    sex: Sex,
    done: Mapping[str, date],
    vaccinations: Sequence[Vaccination],
    catalogue: Sequence[Definition] = CATALOGUE,
) -> tuple[list[Occurrence], dict[str, Evidence]]:
    """Every item of the holder's calendar, in the order their windows open, and the
    vaccinations of the profile that fill them (by item id). `done`: the dates the patient gave
    (those items are never filled again). Each family's vaccinations are read in the order they
    were given, its items computed again after each (a second dose's window follows the first's
    date)."""
    evidence: dict[str, Evidence] = {}
    given: dict[str, list[Vaccination]] = {}
    for vaccination in vaccinations:
        family = family_of(vaccination.vaccine)
        if family is not None:
            given.setdefault(family, []).append(vaccination)
    for family, shots in given.items():
        members = [d for d in catalogue if d.family == family]
        for shot in sorted(shots, key=lambda v: (v.given_on, v.entry_id)):
            dates = _dates(done, evidence)
            items = sorted(
                (o for d in members for o in occurrences(d, birth, sex, dates)),
                key=lambda o: o.start,
            )
            filled = target(items, shot.given_on, dates.keys())
            if filled is not None:
                evidence[filled] = Evidence(shot.entry_id, shot.given_on)
    dates = _dates(done, evidence)
    every = [o for d in catalogue for o in occurrences(d, birth, sex, dates)]
    return sorted(every, key=lambda o: (o.start, o.item_id)), evidence


def _dates(done: Mapping[str, date], evidence: Mapping[str, Evidence]) -> dict[str, date]:
    return {**{item_id: e.on for item_id, e in evidence.items()}, **done}
