"""The death registry's file, imported by operators (dropped under deaths/ in the operations
bucket, or given to `healthspace deaths import`): each line validated, each death closing the
person's space (reason DEATH, by the death registry), an error report listing the rejected lines
by number with a reason and never a value (as the population import's).

A line names the person by INS and birth date, both required and both matching the space's
holder (a mistyped INS closes nobody else's space), and the date of death. Safe to import twice:
a space already closed is counted, not closed again. The representatives of a child are told
(healthspace.notices, from the closure's access-log entry); the archive workflow starts from
CLOSED as for any closure."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass
from datetime import date
from typing import Literal, TextIO

from healthspace.enrollment.population_files import RawLine, read_population
from healthspace.kernel.clock import IdGenerator
from healthspace.kernel.errors import InvalidIdentifier
from healthspace.kernel.identifiers import parse_ins
from healthspace.kernel.reports import RECORD, LineError, ReportFiles, write_error_report
from healthspace.lifecycle.closures import Closures
from healthspace.lifecycle.model import DEATH_REGISTRY, ClosureReason
from healthspace.records.model import Space

Format = Literal["csv", "jsonl"]
FIELDS = frozenset({"ins", "birth_date", "death_date"})
# One file is one invocation of the import function (Lambda stops it at 900 s); a line costs a
# read and, for a death with a space, one transaction: 20,000 lines leave a wide margin (France
# counts about 1,750 deaths a day). A bigger file is refused whole; the CLI sets no limit.
MAX_LINES_PER_FILE = 20_000
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
_FRENCH_DATE = re.compile(r"^(\d{2})/(\d{2})/(\d{4})$")


@dataclass(frozen=True)
class DeathImportSummary:
    import_id: str
    name: str
    lines: int
    closed: int
    already_closed: int
    without_space: int
    rejected_lines: int
    errors: int
    report_key: str


@dataclass(frozen=True)
class _Death:
    line: int
    ins: str
    birth_date: date
    death_date: date


def _date(text: object) -> date | None:
    if not isinstance(text, str):
        return None
    text = text.strip()
    if match := _ISO_DATE.match(text):
        year, month, day = match.groups()
    elif match := _FRENCH_DATE.match(text):
        day, month, year = match.groups()
    else:
        return None
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def check_line(raw: RawLine, today: date) -> tuple[_Death | None, list[LineError]]:
    """One line: its death, or every problem found (never the value itself)."""
    errors: list[LineError] = []

    def fail(field: str, reason: str) -> None:
        errors.append(LineError(raw.line, field, reason))

    if raw.error is not None:
        fail(RECORD, raw.error)
        return None, errors
    values: dict[str, object] = {}
    for position, (name, value) in enumerate(raw.fields, start=1):
        if value is None or (isinstance(value, str) and not value.strip()):
            continue
        if name not in FIELDS:
            fail(RECORD, f"unknown field at position {position}")
        elif name in values:
            fail(name, "given more than once")
        else:
            values[name] = value
    ins: str | None = None
    if "ins" not in values:
        fail("ins", "required")
    elif not isinstance(values["ins"], str):
        fail("ins", "must be text")
    else:
        try:
            ins = parse_ins(values["ins"])
        except InvalidIdentifier as exc:  # its messages describe the rule, not the value
            fail("ins", exc.message)
    dates: dict[str, date] = {}
    for field in ("birth_date", "death_date"):
        if field not in values:
            fail(field, "required")
        elif (day := _date(values[field])) is None:
            fail(field, "not a date (YYYY-MM-DD or DD/MM/YYYY)")
        elif day > today:
            fail(field, "in the future")
        else:
            dates[field] = day
    if len(dates) == 2 and dates["death_date"] < dates["birth_date"]:
        fail("death_date", "before the birth date")
    if errors or ins is None:
        return None, errors
    return _Death(raw.line, ins, dates["birth_date"], dates["death_date"]), errors


class _TooLong(Exception):
    pass


def import_deaths(
    closures: Closures,
    space_of: Callable[[str], Space | None],
    files: ReportFiles,
    ids: IdGenerator,
    stream: TextIO,
    fmt: Format,
    name: str,
    today: date,
    max_lines: int | None = None,
) -> tuple[DeathImportSummary, list[LineError]]:
    """Import one death registry file: close the space of each valid line's person (if they
    have one, and it matches their birth date), report the rejected lines. `space_of(ins)`: the
    person's own space whatever its status, or None."""
    import_id = ids.new_id()
    errors: list[LineError] = []
    lines = closed = already = without = 0
    seen: dict[str, int] = {}
    deaths: list[_Death] = []
    try:
        for raw in read_population(stream, fmt, FIELDS):
            lines += 1
            if max_lines is not None and lines > max_lines:
                raise _TooLong
            death, problems = check_line(raw, today)
            errors.extend(problems)
            if death is None:
                continue
            if death.ins in seen:
                errors.append(LineError(death.line, "ins", f"duplicate of line {seen[death.ins]}"))
                continue
            seen[death.ins] = death.line
            deaths.append(death)
    except _TooLong:
        deaths, errors = (
            [],
            [
                LineError(
                    max_lines + 1 if max_lines is not None else lines,
                    "file",
                    f"more than {max_lines:,} records: split the file, or import it with "
                    "`healthspace deaths import` (no limit). No space was closed.",
                )
            ],
        )
        lines = max_lines or lines
    for death in deaths:
        space = space_of(death.ins)
        if space is None:
            without += 1
            continue
        if space.holder.birth_date != death.birth_date:
            errors.append(
                LineError(death.line, "birth_date", "does not match the health space's holder")
            )
            continue
        state = closures.close_as(space.space_id, DEATH_REGISTRY, ClosureReason.DEATH)
        if state.closed_now:
            closed += 1
        else:
            already += 1
    errors.sort(key=lambda error: error.line)
    report_key = f"reports/{import_id}.errors.csv"
    report = io.StringIO()
    write_error_report(errors, report)
    files.put_text(report_key, report.getvalue(), "text/csv")
    summary = DeathImportSummary(
        import_id=import_id,
        name=name,
        lines=lines,
        closed=closed,
        already_closed=already,
        without_space=without,
        rejected_lines=len({error.line for error in errors}),
        errors=len(errors),
        report_key=report_key,
    )
    files.put_json(f"reports/{import_id}.json", asdict(summary))
    return summary, errors
