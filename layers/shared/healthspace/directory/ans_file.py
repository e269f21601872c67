"""Reading the national directory's open-data extract, `PS_LibreAcces_Personne_activite_*.txt`
(ANS, Annuaire Santé): UTF-8, pipe-separated, a header line naming the columns, one line per
activity of a professional (a professional with no activity has one line with no place).

Columns are found by their header name, so that the extract may add or reorder columns. Each
line is checked on its own: a bad line is reported (kernel.reports.LineError: where and why,
never the value) and the others go on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TextIO

from pydantic import ValidationError

from healthspace.directory.model import MAX_NAME, DirectoryEntry, Place, title_of
from healthspace.kernel.errors import InvalidIdentifier
from healthspace.kernel.identifiers import parse_rpps
from healthspace.kernel.reports import RECORD, LineError

ID_TYPE = "Type d'identifiant PP"
ID = "Identifiant PP"
NATIONAL_ID = "Identification nationale PP"
CIVILITY_CODE = "Code civilité d'exercice"
CIVILITY = "Libellé civilité d'exercice"
FAMILY_NAME = "Nom d'exercice"
GIVEN_NAME = "Prénom d'exercice"
PROFESSION_CODE = "Code profession"
PROFESSION = "Libellé profession"
SPECIALTY_CODE = "Code savoir-faire"
SPECIALTY = "Libellé savoir-faire"
TOWN_CODE = "Code commune (coord. structure)"
TOWN = "Libellé commune (coord. structure)"
POSTCODE = "Code postal (coord. structure)"
REQUIRED = (ID_TYPE, ID, FAMILY_NAME, GIVEN_NAME, PROFESSION_CODE, PROFESSION, TOWN, POSTCODE)
# The columns read (and the demo extract's, in the real file's order, with a few it ignores).
READ = (
    *(ID_TYPE, ID, NATIONAL_ID, CIVILITY_CODE, CIVILITY, FAMILY_NAME, GIVEN_NAME),
    *(PROFESSION_CODE, PROFESSION, SPECIALTY_CODE, SPECIALTY, TOWN_CODE, TOWN, POSTCODE),
)

RPPS_TYPE = "8"  # "Type d'identifiant PP": 8 RPPS; 0 ADELI, whose numbers are not ours
ADELI_TYPE = "0"
_POSTCODE = re.compile(r"[0-9]{5}")


@dataclass(frozen=True, slots=True)
class Activity:
    """One good line: its professional (identity, and this line's place if it has one)."""

    line: int
    entry: DirectoryEntry


@dataclass(frozen=True, slots=True)
class Rejected:
    """One bad line: its problems, and its RPPS when that much could be read (a professional
    whose every line is bad this time is kept, not removed)."""

    errors: list[LineError]
    rpps: str | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    """A line of a professional known by an ADELI number only (not an RPPS)."""

    line: int


Line = Activity | Rejected | Ignored


class UnreadableFile(Exception):
    """The file cannot be read at all (no header, missing columns): nothing is imported."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.error = LineError(1, "file", reason)


def read_activities(stream: TextIO) -> Iterator[Line]:
    """The file's lines, one at a time (never the whole file in memory); blank lines skipped.
    UnreadableFile before the first line if the header lacks a column this import needs."""
    header_line = stream.readline().removeprefix("\ufeff").rstrip("\r\n")
    header = [name.strip() for name in header_line.split("|")]
    missing = [name for name in REQUIRED if name not in header]
    if missing:
        raise UnreadableFile(
            "not an ANS Personne_activite extract: the header has no column "
            + ", ".join(f'"{name}"' for name in missing)
        )
    index = {name: header.index(name) for name in READ if name in header}
    for number, text in enumerate(stream, start=2):
        text = text.rstrip("\r\n")
        if not text.strip():
            continue
        cells = text.split("|")
        if len(cells) != len(header):
            problem = f"expected {len(header)} columns, found {len(cells)}"
            yield Rejected([LineError(number, RECORD, problem)])
            continue
        yield _activity(number, {name: cells[i].strip() for name, i in index.items()})


def _activity(line: int, cells: dict[str, str]) -> Line:
    if cells[ID_TYPE] == ADELI_TYPE:
        return Ignored(line)
    errors: list[LineError] = []
    if cells[ID_TYPE] != RPPS_TYPE:
        errors.append(LineError(line, ID_TYPE, f"must be {RPPS_TYPE} (RPPS) or {ADELI_TYPE}"))
    try:
        rpps: str | None = parse_rpps(cells[ID])
    except InvalidIdentifier as invalid:
        rpps = None
        errors.append(LineError(line, ID, invalid.message))
    national = cells.get(NATIONAL_ID)
    if rpps and national and national != RPPS_TYPE + rpps:
        errors.append(LineError(line, NATIONAL_ID, "must be 8 followed by the RPPS"))
    postcode, town = cells[POSTCODE], cells[TOWN]
    if postcode and not _POSTCODE.fullmatch(postcode):
        errors.append(LineError(line, POSTCODE, "must be 5 digits"))
    if postcode and not town:
        errors.append(LineError(line, TOWN, "a postcode needs its town"))
    if errors or rpps is None:
        return Rejected(errors, rpps)
    try:
        place = (Place(town=town[:MAX_NAME], postcode=postcode or None),) if town else ()
        entry = DirectoryEntry(
            rpps=rpps,
            title=title_of(cells.get(CIVILITY_CODE, "")),
            given_name=cells[GIVEN_NAME],
            family_name=cells[FAMILY_NAME],
            profession_code=cells[PROFESSION_CODE],
            profession=cells[PROFESSION],
            specialty=cells.get(SPECIALTY) or None,
            places=place,
        )
    except ValidationError as invalid:
        return Rejected([_field_error(line, invalid)], rpps)
    return Activity(line, entry)


# The entry's fields, by the column they come from (for the report).
_COLUMN_OF = {
    "given_name": GIVEN_NAME,
    "family_name": FAMILY_NAME,
    "profession_code": PROFESSION_CODE,
    "profession": PROFESSION,
    "specialty": SPECIALTY,
    "places": TOWN,
}


def _field_error(line: int, invalid: ValidationError) -> LineError:
    first = invalid.errors(include_input=False)[0]
    field = str(first["loc"][0]) if first["loc"] else RECORD
    return LineError(line, _COLUMN_OF.get(field, field), first["msg"])
